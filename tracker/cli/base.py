"""The `apprank` typer application; command modules register on it."""

from __future__ import annotations

import typer

HELP_OPTIONS = ["-h", "--help"]
ROOT_TEXT = "Track App Store top charts over time: fetch, store, query, chart and export."

app = typer.Typer(
    name="apprank",
    help=ROOT_TEXT,
    no_args_is_help=True,
    add_completion=False,
    # Plain click help (as sqlite-utils prints it): brackets such as `[[track]]` show as
    # written, and no rich help renderer is imported, which would triple `--help`'s time.
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": HELP_OPTIONS},
)


@app.callback()
def _root() -> None:
    """Track App Store top charts over time: fetch, store, query, chart and export."""
    # A callback keeps `apprank` a command group even when only the running command's module
    # is loaded (typer would otherwise make a lone command the whole program).
