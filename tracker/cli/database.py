"""`apprank db`: schema versions and moving a history between databases."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from tracker.cli.base import app
from tracker.cli.common import ConfigOpt, JsonOpt, config_from, handle_errors, print_json, stderr
from tracker.store import migrate
from tracker.store.copy import copy_history
from tracker.store.engine import open_engine, translate_errors

db_app = typer.Typer(
    help="Database schema versions and copies.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(db_app, name="db")


@db_app.command("current")
@handle_errors
def current(config_path: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Show the database's schema revision and the one this apprank needs.

    Example:

        apprank db current
    """
    config = config_from(config_path)
    engine = open_engine(config.database.url, check=False)
    with translate_errors(), engine.connect() as conn:
        revision = migrate.current_revision(conn)
    if as_json:
        print_json(
            {"current": revision, "head": migrate.HEAD, "up_to_date": revision == migrate.HEAD}
        )
        return
    state = "up to date" if revision == migrate.HEAD else "run `apprank db upgrade`"
    typer.echo(f"{revision or 'none'} (this apprank needs {migrate.HEAD}: {state})")


@db_app.command("upgrade")
@handle_errors
def upgrade(config_path: ConfigOpt = None) -> None:
    """Apply schema migrations up to the revision this apprank needs. Safe to run twice.

    Example:

        apprank db upgrade --config /etc/apprank/config.toml
    """
    config = config_from(config_path)
    engine = open_engine(config.database.url, check=False)
    with translate_errors():
        before, after = migrate.upgrade(engine)
    if before == after:
        typer.echo(f"already at {after}")
    else:
        typer.echo(f"upgraded from {before or 'an empty database'} to {after}")


@db_app.command("copy")
@handle_errors
def copy(
    to_url: Annotated[str, typer.Option("--to", help="Destination database URL.")],
    from_url: Annotated[
        str | None, typer.Option("--from", help="Source URL (default: the config's database).")
    ] = None,
    config_path: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Copy a whole history (apps, charts, rankings, snapshots, attempts) to another database.

    Runs in batches; run it again after an interruption and it resumes. Counts are verified at
    the end.

    Example:

        apprank db copy --to postgresql+psycopg://apprank@db.example/apprank
    """
    config = config_from(config_path)
    source = open_engine(from_url or config.database.url)
    destination = open_engine(to_url)
    if sys.stderr.isatty() and not as_json:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=stderr
        ) as progress:
            tasks: dict[str, int] = {}

            def report(table: str, done: int, total: int) -> None:
                if table not in tasks:
                    tasks[table] = progress.add_task(table, total=total)
                progress.update(tasks[table], completed=done)

            results = copy_history(source, destination, progress=report)
    else:
        results = copy_history(source, destination)
    if as_json:
        print_json(
            [
                {
                    "table": r.table,
                    "source_rows": r.source_rows,
                    "copied": r.copied,
                    "destination_rows": r.destination_rows,
                }
                for r in results
            ]
        )
        return
    for result in results:
        typer.echo(
            f"{result.table}: {result.destination_rows} rows "
            f"({result.copied} copied now, {result.source_rows} in the source)"
        )
