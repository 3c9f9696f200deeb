"""Import the long CSV or JSONL that `export` writes: validated, whole-or-nothing, idempotent.

Two streaming passes. The first checks every row and every snapshot (the rows sharing a
captured_at and chart must be consecutive, in captured_at order as export writes them, with
ranks exactly 1..n: a chart exported with --app is partial and would store false "not in
chart" states, so it is refused). Any bad row rejects the file, unless `skip_bad`: then each
snapshot with a bad row is skipped whole. The second pass stores each snapshot through the
SnapshotWriter (which deduplicates rankings), skipping any (chart, captured_at) already stored,
so importing a file twice adds nothing.

Apps: an app the database already knows keeps its stored metadata (a file never renames it);
an unknown app takes the name and developer of its first row. CSV text cells are un-neutralised
(see tracker/files/export.py) unless `raw`. The feed's own time and the requested depth are not
in the export; imported snapshots store none and the returned depth. A snapshot is stored as
simulated when its rows say so; files exported before the `simulated` column existed hold real data.

The readers are in import_records.py, the checks of a row and a snapshot in import_rows.py, the
second pass in import_store.py; this module runs the two passes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from tracker.errors import ImportFileError
from tracker.files.export import COLUMNS
from tracker.files.import_records import read_records
from tracker.files.import_rows import (
    BadKey,
    BadRow,
    ImportRow,
    label,
    parse_key,
    parse_row,
    snapshot_problem,
)
from tracker.files.import_store import ImportStore
from tracker.models import ChartKey

# How many bad rows an error message lists before summarising.
SHOWN_ERRORS = 20


@dataclass
class ImportReport:
    """What an import did (or, on a dry run, would do)."""

    rows: int = 0
    snapshots_added: int = 0
    rows_added: int = 0
    snapshots_present: int = 0
    bad_rows: int = 0
    snapshots_skipped: int = 0
    errors: list[str] = field(default_factory=list)


def import_file(
    engine: Engine,
    path: Path,
    *,
    dry_run: bool = False,
    skip_bad: bool = False,
    raw: bool = False,
) -> ImportReport:
    """Validate then store every snapshot of the file; raises ImportFileError on bad rows."""
    report = ImportReport()
    bad = _validate(path, raw, report)
    if report.bad_rows and not skip_bad:
        raise ImportFileError(
            _summary(path, report, "nothing imported (--skip-bad imports the rest)")
        )
    store = ImportStore(engine, dry_run)
    for index, group in enumerate(_groups(path, raw)):
        if index in bad:
            report.snapshots_skipped += 1
        else:
            store.add([r.row for r in group if r.row is not None])
    store.flush()
    report.snapshots_present = store.present
    report.snapshots_added, report.rows_added = store.added, store.rows_added
    return report


def _summary(path: Path, report: ImportReport, outcome: str) -> str:
    lines = [f"{report.bad_rows} bad rows in {path}; {outcome}:"]
    lines += [f"  {e}" for e in report.errors[:SHOWN_ERRORS]]
    if len(report.errors) > SHOWN_ERRORS:
        lines.append(f"  ... and {len(report.errors) - SHOWN_ERRORS} more")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class _Record:
    """One row as read: its raw chart and time fields (shared by the rows of one snapshot,
    even when they do not parse), and the parsed row or what is wrong with it."""

    line: int
    key: tuple[str, ...]
    row: ImportRow | None
    error: BadRow | None


def _groups(path: Path, raw: bool) -> Iterator[list[_Record]]:
    """The file's snapshots: runs of consecutive rows with the same raw chart and time."""
    group: list[_Record] = []
    parsed_key: tuple[ChartKey, int] | BadKey | None = None
    for line, fields in read_records(path):
        key = tuple(str(fields.get(c)) for c in COLUMNS[:6])
        if not group or key != group[0].key:
            parsed_key = parse_key(fields)  # once per snapshot, not per row
        try:
            if "_error" in fields:  # a malformed record: not parseable whatever its key
                raise BadKey(fields["_error"])
            if isinstance(parsed_key, BadKey):
                raise parsed_key
            assert parsed_key is not None
            record = _Record(line, key, parse_row(fields, raw, line, *parsed_key), None)
        except BadRow as exc:
            record = _Record(line, key, None, exc)
        if group and key != group[0].key:
            yield group
            group = []
        group.append(record)
    if group:
        yield group


def _validate(path: Path, raw: bool, report: ImportReport) -> set[int]:
    """Pass one: check every row and snapshot; returns the indexes of the bad snapshots."""
    bad: set[int] = set()
    done: set[ChartKey] = set()  # charts whose rows ended, at the current captured_at
    current_time = -1
    distrust_next = False
    for index, group in enumerate(_groups(path, raw)):
        report.rows += len(group)
        errors = [r for r in group if r.error is not None]
        if errors:
            bad.add(index)
            report.bad_rows += len(errors)
            report.errors += [f"line {r.line}: {r.error}" for r in errors]
            if any(isinstance(r.error, BadKey) for r in errors):
                bad.add(index - 1)  # the row may belong to the snapshot before it...
                distrust_next = True  # ...or to the one after it
            continue
        if distrust_next:
            bad.add(index)
            distrust_next = False
            continue
        rows = [r.row for r in group if r.row is not None]
        first = rows[0]
        if first.captured_at < current_time:
            problem: str | None = "rows are not in captured_at order (as export writes them)"
        elif first.captured_at == current_time and first.key in done:
            problem = f"the rows of the {label(first)} snapshot are not together"
        else:
            if first.captured_at > current_time:
                current_time, done = first.captured_at, set()
            done.add(first.key)
            problem = snapshot_problem(rows)
        if problem is not None:
            bad.add(index)
            report.bad_rows += len(rows)
            where = (
                f"line {first.line}" if len(rows) == 1 else f"lines {first.line}-{rows[-1].line}"
            )
            report.errors.append(f"{where}: {problem}")
    bad.discard(-1)
    return bad
