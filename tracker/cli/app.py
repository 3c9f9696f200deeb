"""Deprecated location of the typer app: import it from tracker.cli.base."""

from tracker.cli.base import app

__all__ = ["app"]
