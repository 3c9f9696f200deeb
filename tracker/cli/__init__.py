"""The `apprank` command line. Each module registers its commands on `tracker.cli.app.app`."""

from __future__ import annotations

import os

from tracker.cli import fetching  # noqa: F401  (registers commands)
from tracker.cli.app import app

for _optional in ("simulate", "history", "exporting", "charting", "daemon", "database", "demo"):
    try:
        __import__(f"tracker.cli.{_optional}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"tracker.cli.{_optional}":
            raise


def main() -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    app()


__all__ = ["app", "main"]
