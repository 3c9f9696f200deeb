"""`apprank export` and `apprank import`: move the history out, and back in."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli.base import app
from tracker.cli.common import (
    ConfigOpt,
    JsonOpt,
    config_from,
    handle_errors,
    print_json,
    reading_from,
    split_values,
    stderr,
)
from tracker.cli.progress import progress_bar, stderr_is_terminal
from tracker.errors import UsageError
from tracker.runtime import lazy_module

# The store, the queries (NumPy) and the export code load when a command runs, not for --help.
if TYPE_CHECKING:
    from sqlalchemy import Engine

    from tracker.files import export as exp
    from tracker.files import export_run
else:
    exp = lazy_module("tracker.files.export")
    export_run = lazy_module("tracker.files.export_run")


class Format(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


class Wide(StrEnum):
    country = "country"
    time = "time"


ListOpt = list[str] | None


@app.command("export")
@handle_errors
def export_command(
    fmt: Annotated[Format, typer.Option("--format", help="csv or jsonl.")] = Format.csv,
    output: Annotated[
        str, typer.Option("--output", "-o", help="File to write, or - for standard output.")
    ] = "-",
    app_names: Annotated[
        ListOpt, typer.Option("--app", help="Only these apps (ids, aliases or names).")
    ] = None,
    country: Annotated[ListOpt, typer.Option("--country", help="Only these storefronts.")] = None,
    chart: Annotated[ListOpt, typer.Option("--chart", help="Only these chart kinds.")] = None,
    source: Annotated[
        ListOpt, typer.Option("--source", help="Only these sources (apple, itunes, googleplay).")
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="From (ISO or 7d).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Until (ISO or 24h).")] = None,
    wide: Annotated[
        Wide | None,
        typer.Option("--wide", help="Pivot one app's rank: a column per country or per time."),
    ] = None,
    every: Annotated[str, typer.Option("--every", help="Bucket size for --wide.")] = "1h",
    raw: Annotated[
        bool, typer.Option("--raw", help="Write text cells as stored (no formula guard).")
    ] = False,
    bom: Annotated[
        bool, typer.Option("--bom/--no-bom", help="Start a CSV file with a UTF-8 byte order mark.")
    ] = True,
    config_path: ConfigOpt = None,
) -> None:
    """Export the stored history as CSV or JSONL: a row per (snapshot, rank).

    Columns: captured_at (ISO 8601 UTC), source, country, chart, category,
    device, rank, app_id, app_name, developer; rows in captured_at order.
    Files are written whole or not at all and start with a UTF-8 BOM for
    Excel (--no-bom: none; standard output never has one). Text cells
    starting with = + - @ tab or CR get a leading ' (OWASP); --raw: none.
    JSONL rows also carry their snapshot's provenance (URL, body SHA-256).
    `apprank import` reads the output back. --wide country|time pivots one
    --app's rank: the rank, "-" not in chart, empty (null) no data. An
    [apps] alias naming an id per store exports its rows in each store.

    Example:

        apprank export -o history.csv --country us,gb --since 30d
        apprank export --app deepseek --wide country --every 1d -o ds.csv
    """
    from tracker.query.stores import stores_of
    from tracker.store.engine import open_engine

    reading = reading_from(config_path)
    engine = open_engine(reading.database_url, create=False)
    selection = export_run.selection_of(
        engine,
        reading.aliases,
        app=app_names,
        country=country,
        chart=chart,
        source=source,
        since=since,
        until=until,
        # A wide export pivots one app in one chart: an alias's app in that chart's store.
        stores=None if wide is None else stores_of(split_values(source)[:1] or ["apple"]),
    )
    to_file = output != "-"
    bom = bom and to_file and fmt is Format.csv
    if wide is not None:
        lines = export_run.wide_lines(engine, selection, wide.value, every)
        with exp.open_output(output) as out:
            count = exp.write_wide(lines, out, fmt=fmt.value, bom=bom)
    else:
        count = _export_long(engine, selection, output, fmt, raw=raw, bom=bom)
    if to_file:
        typer.echo(f"{count} rows written to {output}")


def _export_long(
    engine: Engine, selection: exp.Selection, output: str, fmt: Format, *, raw: bool, bom: bool
) -> int:
    # The web server's export runs the same two steps (tracker/files/export_run.py).
    plan, snapshots = export_run.start(engine, selection, fmt.value)
    show = output != "-" and stderr_is_terminal()
    total = exp.estimate_rows(engine, plan) if show else None
    with _progress(show, total) as advance, exp.open_output(output) as out:
        return export_run.write(fmt.value, snapshots, out, raw=raw, bom=bom, on_rows=advance)


def _progress(
    show: bool, total: int | None
) -> AbstractContextManager[Callable[[int], None] | None]:
    if not show:
        return nullcontext(None)
    return _ProgressBar(total)


class _ProgressBar:
    """Rows written so far, on stderr (only when writing to a file from a terminal)."""

    def __init__(self, total: int | None) -> None:
        self.progress = progress_bar("exporting")
        self.task = self.progress.add_task("export", total=total)

    def __enter__(self) -> Callable[[int], None]:
        self.progress.__enter__()
        return lambda done: self.progress.update(self.task, completed=done)

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)


@app.command("import")
@handle_errors
def import_command(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="A CSV or JSONL file written by apprank export.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and count; change nothing.")
    ] = False,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="Import the good snapshots; skip bad ones.")
    ] = False,
    raw: Annotated[
        bool, typer.Option("--raw", help="The file was exported with --raw (keep leading ').")
    ] = False,
    config_path: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import a history file written by `apprank export` (CSV or JSONL).

    Every row is checked first: a file with a bad row is rejected whole,
    each bad row listed with its line number, unless --skip-bad (which
    skips each snapshot holding one). Snapshots already stored are skipped,
    so importing twice adds nothing. Stored apps keep their names.

    Example:

        apprank import history.csv --dry-run
    """
    try:
        file.open("rb").close()  # a file that cannot be read is a usage error, like any output
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror or exc}") from None
    from tracker.files.importer import import_file
    from tracker.store.engine import open_engine

    config = config_from(config_path)
    engine = open_engine(config.database.url)
    report = import_file(engine, file, dry_run=dry_run, skip_bad=skip_bad, raw=raw)
    if as_json:
        print_json(
            {
                "dry_run": dry_run,
                "rows": report.rows,
                "snapshots_added": report.snapshots_added,
                "rows_added": report.rows_added,
                "snapshots_present": report.snapshots_present,
                "bad_rows": report.bad_rows,
                "snapshots_skipped": report.snapshots_skipped,
                "errors": report.errors,
            }
        )
    else:
        verb = "would import" if dry_run else "imported"
        typer.echo(
            f"{verb} {report.snapshots_added} snapshots ({report.rows_added} rows); "
            f"{report.snapshots_present} already stored"
        )
    if report.bad_rows:
        stderr.print(
            f"skipped {report.snapshots_skipped} snapshots with {report.bad_rows} bad rows:",
            markup=False,
        )
        for error in report.errors[:20]:
            stderr.print(f"  {error}", markup=False)
