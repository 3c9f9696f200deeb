"""The `apprank` command line. Each module registers its commands on `tracker.cli.base.app`.

`main()` imports only the module of the command being run: loading every command (NumPy for
the simulator, Matplotlib for charts, Alembic for migrations) would cost each call a second.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

# command name -> module under tracker.cli that defines it
COMMANDS: dict[str, str] = {
    "fetch": "fetching",
    "top": "fetching",
    "status": "fetching",
    "raw": "archive",
    "reparse": "reparse",
    "simulate": "simulate",
    "history": "history",
    "movers": "history",
    "compare": "history",
    "leaders": "history",
    "stats": "history",
    "digest": "digest",
    "export": "exporting",
    "import": "exporting",
    "chart": "charting",
    "run": "daemon",
    "health": "daemon",
    "serve": "serving",
    "db": "database",
    "demo": "demo",
    "alerts": "alerts",
}


# What `apprank --help` lists, in its order: the listing prints from here, without importing every
# command module (a 1.5x slower --help). tests/cli/test_cli_help.py checks it is exactly the
# listing the commands themselves give.
SUMMARIES: dict[str, str] = {
    "fetch": "Fetch every tracked chart once and store the snapshots.",
    "top": "Show the latest stored snapshot of one chart, with moves since the one before.",
    "status": "Show whether the daemon is alive, its last cycle, and per tracked chart the last "
    "success, last error and how long it has been failing.",
    "raw": "Write a stored snapshot's response body, byte for byte as the feed served it.",
    "reparse": "Re-parse the archived response bodies with the current parsers; report what "
    "differs.",
    "simulate": "Serve a SIMULATED App Store and Google Play (every chart format) until Ctrl-C.",
    "history": "Show each app's rank over time in each country's chart, by time bucket.",
    "movers": "Show the gainers, losers, new entries and drop-outs of one chart.",
    "compare": "Show, per country, which of two apps leads now and every overtake.",
    "leaders": "Show the countries where an app held rank N or better, with the count.",
    "stats": "Show an app's best rank and when, first/last seen, hours at #1 and top 10.",
    "digest": "Summarise a window for the tracked apps: new #1s, top 10 in and out, moves.",
    "export": "Export the stored history as CSV or JSONL: a row per (snapshot, rank).",
    "import": "Import a history file written by `apprank export` (CSV or JSONL).",
    "chart": "Draw rank over time from the stored history and print the file's path.",
    "run": "Run the daemon: fetch every configured track on its schedule until stopped.",
    "health": "Exit 0 when the daemon is alive and every tracked chart succeeded recently, else 1.",
    "serve": "Serve the stored history read-only: web pages and a JSON API (docs/web.md).",
    "demo": "Run the whole pipeline offline on a SIMULATED market: fetch, store, chart, export.",
    "db": "Database schema versions and copies.",
    "alerts": "Alert events and their deliveries; send a test alert.",
}


def load_all() -> None:
    """Register every command (for --help and for tests)."""
    for module in dict.fromkeys(COMMANDS.values()):
        _load(module)


def _load(module: str) -> None:
    try:
        importlib.import_module(f"tracker.cli.{module}")
    except ModuleNotFoundError as exc:
        if exc.name != f"tracker.cli.{module}":
            raise


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else None
    from tracker.cli.base import HELP_OPTIONS

    if command is None or (command in HELP_OPTIONS and len(args) == 1):
        print_listing()
        sys.exit(0 if args else 2)  # a bare `apprank` is a usage mistake, as click says
    if command in COMMANDS:
        _load(COMMANDS[command])
    else:
        load_all()
    import click
    import typer
    from typer.main import get_command

    from tracker.cli.base import app
    from tracker.cli.helptext import tidy_help
    from tracker.runtime import freeze_long_lived

    cli = get_command(app)
    tidy_help(cli)
    freeze_long_lived()
    try:
        code = cli(args=args, prog_name="apprank", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError:
        sys.exit(2)  # the help was shown
    except click.ClickException as exc:
        # A usage mistake is one line, like every other error, not a boxed panel.
        message = " ".join(exc.format_message().split()).replace("Value error, ", "")
        where = f"apprank {command} --help" if command in COMMANDS else "apprank --help"
        sys.stderr.write(f"Error: {message} (see {where})\n")
        sys.exit(exc.exit_code)
    except (typer.Abort, click.Abort):
        sys.stderr.write("Error: interrupted\n")
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


def print_listing() -> None:
    """`apprank --help` from SUMMARIES: the root help click would print, without loading every
    command."""
    import click

    from tracker.cli.base import HELP_OPTIONS, ROOT_TEXT
    from tracker.cli.helptext import HelpContext, Listing

    group = Listing("apprank", help=ROOT_TEXT, context_settings={"help_option_names": HELP_OPTIONS})
    group.context_class = HelpContext
    for name, summary in SUMMARIES.items():
        group.add_command(click.Command(name, short_help=summary))
    with group.make_context("apprank", [], resilient_parsing=True) as ctx:
        click.echo(group.get_help(ctx))


def __getattr__(name: str) -> Any:
    if name == "app":
        load_all()
        from tracker.cli.base import app

        return app
    raise AttributeError(f"module 'tracker.cli' has no attribute {name!r}")


__all__ = ["COMMANDS", "load_all", "main"]
