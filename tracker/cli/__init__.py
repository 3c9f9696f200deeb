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
    "simulate": "simulate",
    "history": "history",
    "movers": "history",
    "compare": "history",
    "leaders": "history",
    "stats": "history",
    "export": "exporting",
    "import": "exporting",
    "chart": "charting",
    "run": "daemon",
    "health": "daemon",
    "db": "database",
    "demo": "demo",
    "alerts": "alerts",
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


def __getattr__(name: str) -> Any:
    if name == "app":
        load_all()
        from tracker.cli.base import app

        return app
    raise AttributeError(f"module 'tracker.cli' has no attribute {name!r}")


__all__ = ["COMMANDS", "load_all", "main"]
