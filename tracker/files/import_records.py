"""Reading an export back: a CSV or JSONL file as (line number, fields) records.

Both readers bound what one line may cost and say what they could not read in the record
(`_error`), so that row validation (tracker/files/import_rows.py) reports it with the others;
a file that is no export at all (no header, not UTF-8, a line beyond the bound) is refused whole.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from tracker.errors import ImportFileError
from tracker.files.export import BOM, COLUMNS
from tracker.store.listings import DETAIL_COLUMNS

# Exports written before the `simulated` column (the last) existed: real data.
UNFLAGGED = COLUMNS[:-1]


def read_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, fields) for each record of a CSV or JSONL file."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 (closed below; the generator owns it)
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror}") from None
    with handle:
        head = handle.read(4096).lstrip(BOM.encode())
        handle.seek(0)
        if not head.strip():
            raise ImportFileError(f"{path} is empty")
        lines = _lines(handle, path)
        if head.lstrip().startswith(b"{"):
            yield from _jsonl_records(lines)
        else:
            yield from _csv_records(path, lines)


# The longest line a file may hold. An export's rows are a few hundred bytes (names are bounded
# when fetched); a longer line is refused as it is read, before it can fill memory.
MAX_LINE_BYTES = 1 << 20


def _lines(handle: BinaryIO, path: Path) -> Iterator[str]:
    """The file's lines, decoded, each read with a bound: a 1 GiB line costs 1 MiB, not 1 GiB."""
    number = 0
    while line := handle.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(line) > MAX_LINE_BYTES:
            raise ImportFileError(
                f"{path} line {number}: longer than {MAX_LINE_BYTES:,} bytes "
                "(an apprank export's lines are far shorter)"
            )
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"{path} is not UTF-8 text ({exc.reason})") from None
        yield text.removeprefix(BOM) if number == 1 else text


def _csv_records(path: Path, lines: Iterator[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(lines)
    header = next(reader, None)
    unflagged = header is not None and tuple(header) == UNFLAGGED  # each row gets "false"
    if header is None or (tuple(header) != COLUMNS and not unflagged):
        raise ImportFileError(
            f"{path} line 1: not an apprank export (the header must be {','.join(COLUMNS)})"
        )
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            raise ImportFileError(f"{path} line {start}: unreadable CSV ({exc})") from None
        if cells is None:
            return
        if unflagged and len(cells) == len(UNFLAGGED):
            cells.append("false")
        if len(cells) != len(COLUMNS):
            error = f"expected {len(header)} fields, found {len(cells)}"
            yield start, {**dict(zip(COLUMNS[:6], cells, strict=False)), "_error": error}
        else:
            yield start, dict(zip(COLUMNS, cells, strict=True))
        start = reader.line_num + 1


def _jsonl_records(lines: Iterator[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            yield number, {"_error": "not a JSON object"}
            continue
        if not isinstance(value, dict):
            yield number, {"_error": "not a JSON object"}
            continue
        value.pop("provenance", None)  # where the snapshot came from: the import makes its own
        # Google Play's fields, in a row only where its listing held them (checked per row).
        details = {name: value.pop(name) for name in DETAIL_COLUMNS if name in value}
        if details:
            value["_details"] = details
        names = value.keys() - {"_details"}
        if names == set(UNFLAGGED):
            yield number, {**value, "simulated": False, "_json": True}
        elif names != set(COLUMNS):
            missing = [c for c in COLUMNS if c not in value]
            extra = sorted(names - set(COLUMNS))
            what = f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(extra)}"
            yield number, {**value, "_error": f"fields differ from an export's ({what})"}
        else:
            value["_json"] = True
            yield number, value
