"""`apprank db`: schema versions and moving a history between databases."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli.base import app
from tracker.cli.common import ConfigOpt, JsonOpt, config_from, handle_errors, print_json
from tracker.cli.progress import progress_bar, stderr_is_terminal
from tracker.errors import ApprankError, UsageError

# SQLAlchemy, Alembic and the store load when a command runs, not for --help.
if TYPE_CHECKING:
    from rich.progress import TaskID
    from sqlalchemy import Engine

    from tracker.store.copy import CopyReport

db_app = typer.Typer(
    help="Database schema versions and copies.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(db_app, name="db")
_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


@db_app.command("current")
@handle_errors
def current(config_path: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Show the database's schema revision and the one this apprank needs.

    Example:

        apprank db current
    """
    from tracker.store import migrate
    from tracker.store.engine import open_engine, translate_errors

    config = config_from(config_path)
    engine = open_engine(config.database.url, create=False, check=False)
    with translate_errors(engine), engine.connect() as conn:
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
    from tracker.store import migrate
    from tracker.store.engine import open_engine, translate_errors

    config = config_from(config_path)
    engine = open_engine(config.database.url, check=False)
    with translate_errors(engine):
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
    """Merge a whole history into another database, empty or not; copy again to add what is new.

    Copied, matched by natural keys (ids are remapped, so the destination's own data stays):
    apps (by store id; an app the destination has keeps its metadata), charts (by source,
    country, chart, category, device), rankings (by digest) with their rank rows, snapshots (by
    chart and time), fetch attempts, alert events (by event id) with their deliveries. Not
    copied: chart claims, daemon heartbeats and cycle logs (they describe the source's
    daemons).

    A destination snapshot that contradicts the source (same chart and time, other ranks; or
    the same daemon slot at another time) refuses the whole copy before anything is written.
    Batches are one transaction each: interrupted, the destination holds whole snapshots only,
    and running the copy again completes it. At the end each chart is verified (snapshot count
    and checksum); a mismatch is an error (exit 1).

    Example:

        apprank db copy --to postgresql+psycopg://apprank@db.example/apprank
    """
    from tracker.store.engine import open_engine

    destination_url = checked_url(to_url, "--to")
    config = None if from_url else config_from(config_path)
    source_url = checked_url(from_url, "--from") if from_url else config.database.url  # type: ignore[union-attr]
    secrets = [s for s in (_password(source_url), _password(destination_url)) if s]
    if same_database(source_url, destination_url):
        raise UsageError(f"--to names the source database itself ({describe_url(to_url)})")
    try:
        source = open_engine(source_url, create=False)
        destination = open_engine(destination_url)
        report = _run_copy(source, destination, as_json)
    except ApprankError as exc:
        message = str(exc)
        for secret in secrets:  # a driver may echo its URL: the password never shows
            message = message.replace(secret, "***")
        if message != str(exc):
            raise type(exc)(message) from None
        raise
    if as_json:
        print_json(
            [
                {
                    "table": r.table,
                    "source_rows": r.source_rows,
                    "copied": r.copied,
                    "destination_rows": r.destination_rows,
                }
                for r in report.tables
            ]
        )
        return
    for result in report.tables:
        typer.echo(
            f"{result.table}: {result.destination_rows} rows "
            f"({result.copied} copied now, {result.source_rows} in the source)"
        )
    typer.echo(
        f"verified: {report.verified.snapshots} snapshots of {report.verified.charts} charts "
        f"(counts and checksums), rank rows of {report.rankings_checked} rankings copied now"
    )


def _run_copy(source: Engine, destination: Engine, as_json: bool) -> CopyReport:
    from tracker.store.copy import copy_history

    if not (stderr_is_terminal() and not as_json):
        return copy_history(source, destination)
    # One bar per table, kept on screen: the tables' order and sizes are the copy's record.
    with progress_bar(transient=False) as progress:
        tasks: dict[str, TaskID] = {}

        def report(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = progress.add_task(table, total=total)
            progress.update(tasks[table], completed=done)

        return copy_history(source, destination, progress=report)


def checked_url(url: str, option: str) -> str:
    """A database URL this apprank can open, else a UsageError naming the option (password
    masked): checked before any connection, so a typo is exit 2 and never a traceback."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 - a non-numeric port raises only when read
    except (ArgumentError, ValueError):
        raise UsageError(f"{option} {describe_url(url)!r} is not a database URL") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise UsageError(
            f"{option} {describe_url(url)!r}: apprank stores into sqlite:/// or "
            "postgresql+psycopg:// databases"
        )
    if backend == "sqlite" and not parsed.database:
        raise UsageError(f"{option} {describe_url(url)!r} names no database file")
    return url


def describe_url(url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return _PASSWORD.sub(r"\1***@", url)


def _password(url: str) -> str | None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).password
    except (ArgumentError, ValueError):
        found = _PASSWORD.search(url)
        return found.group(0)[len(found.group(1)) : -1] if found else None


def same_database(a: str, b: str) -> bool:
    from sqlalchemy.engine import make_url

    pa, pb = make_url(a), make_url(b)
    if pa.get_backend_name() == pb.get_backend_name() == "sqlite":
        files = [Path(p.database or "").expanduser().resolve() for p in (pa, pb)]
        return files[0] == files[1]
    keep = ("host", "port", "database")
    return pa.get_backend_name() == pb.get_backend_name() and all(
        getattr(pa, k) == getattr(pb, k) for k in keep
    )
