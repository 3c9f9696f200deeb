"""Options, output and error handling shared by every command."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable, Iterable, Sequence
from enum import Enum, StrEnum
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console

from tracker.errors import ApprankError

# The parsers of options live with the questions (the web API reads its parameters with them);
# the command modules import them from here, with the rest of what commands share.
from tracker.query.params import chart_selection as chart_selection
from tracker.query.params import duration as duration
from tracker.query.params import instant as instant
from tracker.query.params import split_values as split_values
from tracker.text.cells import neutralise

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from tracker.config.load import Config
    from tracker.config.reader import ReaderConfig
    from tracker.config.reading import Reading

P = ParamSpec("P")
R = TypeVar("R")

stderr = Console(stderr=True, highlight=False, soft_wrap=True)

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Configuration file (default: $APPRANK_CONFIG, else ./config.toml).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (a stable shape).")]
CsvOpt = Annotated[bool, typer.Option("--csv", help="Print CSV with a header row.")]


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def output_format(as_json: bool, as_csv: bool) -> OutputFormat:
    if as_json and as_csv:
        fail_usage("use just one of --json or --csv")
    return OutputFormat.json if as_json else OutputFormat.csv if as_csv else OutputFormat.table


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one error line on stderr and return the Exit to raise."""
    stderr.print(f"Error: {message}", markup=False)
    return typer.Exit(code)


def fail_usage(message: str) -> NoReturn:
    """Print one error line on stderr and exit 2 (a usage error)."""
    raise fail(message, 2)


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn ApprankError into one `Error: ...` line and its exit code; never a traceback."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ApprankError as exc:
            raise fail(str(exc), exc.exit_code) from None
        except KeyboardInterrupt:
            raise fail("interrupted", 130) from None

    return wrapper


def config_from(path: Path | None) -> Config:
    """The whole file, every section validated: for the commands that act (fetch, run, db ...)."""
    # Imported here: pydantic and the config models cost every --help ~0.2 s.
    from tracker.config.load import load_config

    return load_config(path)


def tracked_config_from(path: Path | None) -> ReaderConfig:
    """`[database]`, `[apps]`, `[sources]` and `[[track]]` on the models, for `health`, which
    plans each track's cycles (cron included); a read command defines no alert or chart models."""
    from tracker.config.reader import TRACKED_SECTIONS, load_reader_config

    return load_reader_config(path, TRACKED_SECTIONS)


def print_json(value: Any) -> None:
    # The web API encodes its answers with the same function (without the indent).
    from tracker.query.output import json_bytes

    sys.stdout.buffer.write(json_bytes(value, indent=True) + b"\n")
    sys.stdout.flush()


def emit(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[str],
    fmt: OutputFormat,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    external: Sequence[str] = ("name", "developer", "app_name"),
    optional: Sequence[str] = (),
) -> None:
    """Print rows as a table, JSON list or CSV, the same columns in every format.

    `external` names the columns holding third-party text, neutralised in CSV. A table prints
    whole cells (`tracker.cli.tables`); on a narrow terminal it leaves out the `optional`
    columns, in that order, rather than cut a cell.
    """
    if fmt is OutputFormat.json:
        print_json([{c: row.get(c) for c in columns} for row in rows])
        return
    if fmt is OutputFormat.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(row.get(c), neutralised=c in external) for c in columns])
        sys.stdout.write(buffer.getvalue())
        return
    from tracker.cli.tables import print_table

    cells = [["" if row.get(c) is None else _cell(row.get(c)) for c in columns] for row in rows]
    names = [(headers or {}).get(c, c) for c in columns]
    print_table(title, columns, names, cells, optional=optional)


def _csv_cell(value: Any, *, neutralised: bool) -> str:
    """Third-party text (app names, developers) is neutralised against spreadsheet formulas;
    what apprank generates (ranks, moves like -3) is written as is."""
    if value is None:
        return ""
    text = _cell(value)
    return neutralise(text) if neutralised else text


def _cell(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if hasattr(value, "strftime"):
        from tracker.timeutil import isoformat_z

        return isoformat_z(value)
    return str(value)


def reading_from(path: Path | None) -> Reading:
    """`[database]` and `[apps]`, read without pydantic (tracker/config/reading.py): what the
    read commands use, with the same rules and one-line errors as every other command."""
    from tracker.config.reading import load_reading

    return load_reading(path)


def engine_and_config(config_path: Path | None) -> tuple[Engine, Reading]:
    """For read commands: they never create a database (a missing one is an error), and
    validate only the sections they use."""
    from tracker.store.engine import open_engine

    reading = reading_from(config_path)
    return open_engine(reading.database_url, create=False), reading
