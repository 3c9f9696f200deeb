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
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from sqlalchemy import Connection, Engine

from tracker.errors import ImportFileError
from tracker.fetch.sources import SOURCES
from tracker.files.export import BOM, COLUMNS
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.query.selection import sql
from tracker.store.engine import read_connection
from tracker.store.writer import Attempt, SnapshotWriter
from tracker.storefronts import STOREFRONT_SET, normalize_category
from tracker.text.cells import restore
from tracker.text.redact import quoted
from tracker.text.values import STORE_ID_MAX, clean_text, is_store_id, needs_cleaning
from tracker.timeutil import from_epoch, to_epoch

# How many bad rows an error message lists before summarising.
SHOWN_ERRORS = 20
# Exports written before the `simulated` column (the last) existed: real data.
UNFLAGGED = COLUMNS[:-1]


@dataclass(frozen=True, slots=True)
class ImportRow:
    line: int
    captured_at: int
    key: ChartKey
    rank: int
    app_id: str
    name: str
    developer: str | None
    simulated: bool = False


class BadRow(ValueError):
    """One row's problem (the message names the field)."""


class BadKey(BadRow):
    """A problem in the fields naming the row's snapshot (time, chart): which snapshot the row
    belongs to is unknown, so the snapshots on either side of it are not trusted either."""


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
    store = _Store(engine, dry_run, report)
    for index, group in enumerate(_groups(path, raw)):
        if index in bad:
            report.snapshots_skipped += 1
        else:
            store.add([r.row for r in group if r.row is not None])
    store.flush()
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
    for line, fields in _records(path):
        key = tuple(str(fields.get(c)) for c in COLUMNS[:6])
        if not group or key != group[0].key:
            parsed_key = _parse_key(fields)  # once per snapshot, not per row
        try:
            if "_error" in fields:  # a malformed record: not parseable whatever its key
                raise BadKey(fields["_error"])
            if isinstance(parsed_key, BadKey):
                raise parsed_key
            assert parsed_key is not None
            record = _Record(line, key, _parse(fields, raw, line, *parsed_key), None)
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
            problem = f"the rows of the {_label(first)} snapshot are not together"
        else:
            if first.captured_at > current_time:
                current_time, done = first.captured_at, set()
            done.add(first.key)
            problem = _snapshot_problem(rows)
        if problem is not None:
            bad.add(index)
            report.bad_rows += len(rows)
            where = (
                f"line {first.line}" if len(rows) == 1 else f"lines {first.line}-{rows[-1].line}"
            )
            report.errors.append(f"{where}: {problem}")
    bad.discard(-1)
    return bad


def _label(row: ImportRow) -> str:
    return f"{row.key.label()} {from_epoch(row.captured_at):%Y-%m-%dT%H:%M:%SZ}"


def _snapshot_problem(rows: list[ImportRow]) -> str | None:
    """Why these rows are not one whole chart (ranks 1..n, each app once), or None."""
    ranks = sorted(r.rank for r in rows)
    if len(set(ranks)) != len(ranks):
        twice = next(r for r in ranks if ranks.count(r) > 1)
        return f"rank {twice} appears twice in the {_label(rows[0])} snapshot"
    if ranks != list(range(1, len(rows) + 1)):
        missing = min(set(range(1, ranks[-1] + 1)) - set(ranks))
        return (
            f"the {_label(rows[0])} snapshot lacks rank {missing}: import needs whole charts "
            "(was the file exported with --app?)"
        )
    apps = [r.app_id for r in rows]
    if len(set(apps)) != len(apps):
        twice_app = next(a for a in apps if apps.count(a) > 1)
        return f"app {twice_app} appears twice in the {_label(rows[0])} snapshot"
    return None


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
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
        elif set(value) == set(UNFLAGGED):
            yield number, {**value, "simulated": False, "_json": True}
        elif set(value) != set(COLUMNS):
            missing = [c for c in COLUMNS if c not in value]
            extra = sorted(set(value) - set(COLUMNS))
            what = f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(extra)}"
            yield number, {**value, "_error": f"fields differ from an export's ({what})"}
        else:
            value["_json"] = True
            yield number, value


def _parse_key(fields: dict[str, Any]) -> tuple[ChartKey, int] | BadKey:
    """The chart and captured_at of a record, or what is wrong with them."""
    try:
        for name in COLUMNS[:6]:
            if not isinstance(fields.get(name), str):
                raise BadKey(f"{name} {fields.get(name)!r} is not text")
        return _key(fields), _time(fields["captured_at"])
    except BadKey as exc:
        return exc


def _parse(fields: dict[str, Any], raw: bool, line: int, key: ChartKey, at: int) -> ImportRow:
    """A row whose chart and time parsed: check rank, app id, name and developer."""
    is_json = fields.get("_json", False)
    if is_json:
        for name in COLUMNS[6:]:
            value = fields[name]
            if name == "simulated":
                if not isinstance(value, bool):
                    raise BadRow(f"simulated {value!r} is not true or false")
            elif name == "rank":
                if not isinstance(value, int) or isinstance(value, bool):
                    raise BadRow(f"rank {value!r} is not a whole number")
            elif not isinstance(value, str) and not (name == "developer" and value is None):
                raise BadRow(f"{name} {value!r} is not text")
    rank = fields["rank"] if is_json else _int(fields["rank"])
    depth = SOURCES[key.source].max_depth
    if not 1 <= rank <= depth:
        raise BadRow(f"rank {rank} is outside 1..{depth} for {key.source}")
    app_id = fields["app_id"]
    if not is_store_id(app_id):
        raise BadRow(
            f"app_id {quoted(app_id)} is not a store id (1 to {STORE_ID_MAX} ASCII digits)"
        )
    # CSV cannot tell an empty developer from none; JSON can, and keeps which it was.
    name, developer = fields["app_name"], fields["developer"]
    if not is_json:
        developer = developer or None
        if not raw:
            name, developer = restore(name), developer and restore(developer)
    # The same rule for stored text as a fetch applies (tracker/text/values.py).
    name = clean_text(name) if needs_cleaning(name) else name
    if developer is not None and needs_cleaning(developer):
        developer = clean_text(developer).strip() or None
    if not name or name.isspace():
        raise BadRow("app_name is empty")
    simulated = fields["simulated"]
    if not is_json:
        if simulated not in ("true", "false"):
            raise BadRow(f"simulated {simulated!r} is not true or false")
        simulated = simulated == "true"
    return ImportRow(line, at, key, rank, app_id, name, developer, simulated)


def _int(text: str) -> int:
    if not text.isdigit() or not text.isascii():
        raise BadRow(f"rank {text!r} is not a whole number")
    return int(text)


def _time(text: str) -> int:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        raise BadKey(f"captured_at {text!r} is not an ISO 8601 time") from None
    if value.tzinfo is None:
        raise BadKey(f"captured_at {text!r} has no UTC offset (export writes ...Z)")
    if value.microsecond:
        raise BadKey(f"captured_at {text!r} has a fraction of a second (times are whole seconds)")
    return to_epoch(value)


def _key(fields: dict[str, Any]) -> ChartKey:
    source = fields["source"]
    if source not in SOURCES:
        raise BadKey(f"source {source!r} is not one of {', '.join(SOURCES)}")
    feed = SOURCES[source]
    country = fields["country"]
    if country not in STOREFRONT_SET:
        raise BadKey(f"country {country!r} is not a lower-case App Store storefront code")
    chart = fields["chart"]
    if chart not in feed.charts:
        raise BadKey(f"chart {chart!r} is not offered by {source} ({', '.join(feed.charts)})")
    try:
        category = normalize_category(fields["category"])
    except ValueError as exc:
        raise BadKey(f"category: {exc}") from None
    if category != fields["category"] or (category != "all" and not feed.supports_categories):
        raise BadKey(f"category {fields['category']!r} is not a category of {source}")
    device = fields["device"]
    if device not in feed.devices:
        raise BadKey(f"device {device!r} is not offered by {source} ({', '.join(feed.devices)})")
    return ChartKey(source, country, chart, category, device)


# Snapshots stored per transaction: one commit per snapshot would dominate a large import.
BATCH_SNAPSHOTS = 200
BATCH_ROWS = 20_000

_EXISTS_SQL = """
SELECT 1 FROM snapshot s JOIN chart c ON c.id = s.chart_id
WHERE c.source = :source AND c.country = :country AND c.kind = :chart
  AND c.category = :category AND c.device = :device AND s.captured_at = :at
"""

_APPS_SQL = """
SELECT store_id, name, developer, bundle_id, icon_url, url, genre, release_date
FROM app WHERE store_id IN :ids
"""


class _Store:
    """Pass two: snapshots in batches through the writer, skipping those already stored."""

    def __init__(self, engine: Engine, dry_run: bool, report: ImportReport) -> None:
        self.engine = engine
        self.writer = SnapshotWriter(engine)
        self.dry_run = dry_run
        self.report = report
        self.pending: list[list[ImportRow]] = []
        self.pending_rows = 0
        self.apps: dict[str, tuple[Any, ...]] = {}  # ChartEntry fields after rank, per app

    def add(self, rows: list[ImportRow]) -> None:
        self.pending.append(rows)
        self.pending_rows += len(rows)
        if len(self.pending) >= BATCH_SNAPSHOTS or self.pending_rows >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Store the pending snapshots in one transaction (all or none)."""
        items = []
        with read_connection(self.engine) as conn:
            for rows in self.pending:
                first = rows[0]
                key = {**asdict(first.key), "at": first.captured_at}
                if conn.execute(sql(_EXISTS_SQL), key).first() is not None:
                    self.report.snapshots_present += 1
                    continue
                self._learn_apps(conn, rows)
                entries = tuple(
                    ChartEntry(r.rank, *self.apps[r.app_id])
                    for r in sorted(rows, key=lambda r: r.rank)
                )
                when = from_epoch(first.captured_at)
                snapshot = ChartSnapshot(
                    ChartRequest(first.key, len(entries)),
                    entries,
                    None,
                    simulated=any(r.simulated for r in rows),  # never passed off as real
                )
                items.append((snapshot, when, Attempt(when, 0, "ok")))
        if items and not self.dry_run:
            self.writer.save_many(items)
        self.report.snapshots_added += len(items)
        self.report.rows_added += sum(len(snapshot.entries) for snapshot, _, _ in items)
        self.pending, self.pending_rows = [], 0

    def _learn_apps(self, conn: Connection, rows: list[ImportRow]) -> None:
        """Stored apps keep their metadata; an unknown app takes its first row's."""
        unknown = [r.app_id for r in rows if r.app_id not in self.apps]
        if not unknown:
            return
        for r in conn.execute(sql(_APPS_SQL, "ids"), {"ids": unknown}):
            released = date.fromisoformat(r.release_date) if r.release_date else None
            self.apps[r.store_id] = (*r[:7], released)
        for row in rows:
            if row.app_id not in self.apps:
                self.apps[row.app_id] = (row.app_id, row.name, row.developer)
