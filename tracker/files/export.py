"""Export the stored history as long CSV or JSONL, streamed, atomically, formula-safe.

Long format: one row per stored (snapshot, rank), in the order of COLUMNS, sorted by
captured_at, then chart (source, country, chart, category, device), then rank. The database is
read in time windows of about PAGE_ROWS rows, each in its own short read transaction (so a
running daemon's WAL can checkpoint), and written as it is read: memory stays flat.

CSV is RFC 4180 (CRLF line ends, quotes only where needed), UTF-8, with a byte order mark when
written to a file (Excel needs it to read UTF-8) and without one on standard output; import
accepts both. Spreadsheet safety follows OWASP "CSV injection": a text cell (app_name,
developer) that starts with = + - @ tab or carriage return gets a leading apostrophe. So that
import can undo it exactly, a cell that already starts with apostrophes followed by one of
those characters gets one more. `raw=True` writes text as stored. JSONL always carries raw text.
"""

from __future__ import annotations

import contextlib
import csv
import io
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import Connection, Engine

from tracker.atomic import atomic_file
from tracker.config.selection import ChartSelection, SelectionError
from tracker.errors import UsageError
from tracker.files.export_sql import CHARTS_SQL, ENTRIES_SQL, NEXT_SQL, SIZE_SQL, SNAPSHOTS_SQL
from tracker.query.params import selection_param
from tracker.query.selection import StoredChart, app_ids_by_store_id, sql
from tracker.store.engine import read_connection
from tracker.store.listings import Details, NameCache, Names
from tracker.store.provenance import Provenance, provenance
from tracker.store.schema.views import chart_key
from tracker.store.snapshots import time_bounds
from tracker.text.cells import neutralise
from tracker.timeutil import from_epoch, isoformat_z, to_epoch

COLUMNS = (
    "captured_at",
    "source",
    "country",
    "chart",
    "category",
    "device",
    "rank",
    "app_id",
    "app_name",
    "developer",
    "simulated",
)
BOM = "\ufeff"
PAGE_ROWS = 50_000

# captured_at (epoch s), source, country, chart, category, device, rank, app_id, name, developer,
# simulated
Row = tuple[int, str, str, str, str, str, int, str, str, str | None, bool]


@dataclass(frozen=True, slots=True)
class Selection:
    """Which rows to export; None or empty means no restriction ("all" among the countries
    too). Each chart kind, source and country is checked as every command checks it
    (`ChartSelection.of`); unlike a ChartSelection, an export spans kinds, sources, genres and
    devices."""

    app_ids: Sequence[str] = ()
    countries: Sequence[str] = ()
    charts: Sequence[str] = ()
    sources: Sequence[str] = ()
    since: datetime | None = None
    until: datetime | None = None

    def checked(self) -> Selection:
        """This selection with its countries lower-cased ("all": none); UsageError for a
        chart kind, source or country that does not exist, or a range that ends before it
        starts."""
        try:
            for chart in self.charts:
                ChartSelection.of(chart)
            for source in self.sources:
                ChartSelection.of(source=source)
            countries = ChartSelection.of(countries=self.countries).countries
        except SelectionError as exc:
            raise UsageError(str(exc), param=selection_param(exc.field)) from None
        if self.since and self.until and self.since > self.until:
            raise UsageError("--since is after --until", param="since")
        return replace(self, countries=countries)

    def one_chart(self) -> ChartSelection:
        """The one chart a wide export reads: --chart (default top-free), --source and the
        countries; UsageError for a value a source does not offer."""
        if len(self.charts) > 1 or len(self.sources) > 1:
            raise UsageError("--wide reads one chart: give at most one --chart and one --source")
        try:
            return ChartSelection.of(
                self.charts[0] if self.charts else "top-free",
                source=self.sources[0] if self.sources else None,
                countries=self.countries,
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None


def selected_charts(conn: Connection, selection: Selection) -> list[StoredChart]:
    """The charts with data that the (checked) selection covers (the chart table is small)."""
    countries = set(selection.countries)
    out = []
    for r in conn.execute(sql(CHARTS_SQL)):
        if (
            (not countries or r.country in countries)
            and (not selection.charts or r.kind in selection.charts)
            and (not selection.sources or r.source in selection.sources)
        ):
            out.append(StoredChart(r.id, chart_key(r)))
    return out


@dataclass(frozen=True, slots=True)
class Plan:
    """What an export will read: chart ids, internal app ids (None: all), epoch range."""

    charts: list[int]
    apps: list[int] | None
    lo: int
    hi: int


def plan(engine: Engine, selection: Selection) -> Plan | None:
    """Resolve a selection to ids and a time range; None when nothing matches."""
    selection = selection.checked()
    with read_connection(engine) as conn:
        charts = [c.id for c in selected_charts(conn, selection)]
        apps = None
        if selection.app_ids:
            found = app_ids_by_store_id(conn, selection.app_ids)
            apps = [v[0] for v in found.values()]
            if not apps:
                return None
        if not charts:
            return None
        bounds = time_bounds(conn, charts)
    if bounds is None:  # the charts' snapshots were deleted since they were selected
        return None
    first, last = bounds
    lo = max(first, to_epoch(selection.since)) if selection.since else first
    hi = min(last, to_epoch(selection.until)) if selection.until else last
    return Plan(charts, apps, lo, hi) if lo <= hi else None


def estimate_rows(engine: Engine, p: Plan) -> int | None:
    """The row count of an unfiltered export (for progress); None with an app filter."""
    if p.apps is not None:
        return None
    with read_connection(engine) as conn:
        params = {"charts": p.charts, "lo": p.lo, "hi": p.hi}
        return int(conn.execute(sql(SIZE_SQL, "charts"), params).scalar() or 0)


# The entries of at most this many rows (or rankings) are held at once.
CHUNK_ROWS = 20_000
CHUNK_RANKINGS = 500

# captured_at, source, country, chart, category, device, simulated, provenance (None: not read)
# ... and the Google Play details each app's listing held then (app id -> price_micros, currency,
# rating, installs where not NULL; None: no app of the snapshot has any, as on the App Store)
Head = tuple[int, str, str, str, str, str, bool, Provenance | None, dict[str, Details] | None]
Entry = tuple[int, str, str, str | None]  # rank, app_id, app_name, developer


def iter_snapshots(
    engine: Engine, p: Plan, *, page_rows: int = PAGE_ROWS, with_provenance: bool = False
) -> Iterator[tuple[Head, list[Entry]]]:
    """Each selected snapshot in export order with its (selected) entries in rank order (and
    its provenance, `with_provenance`), read in time windows of about `page_rows` rows, each
    window in one short read transaction."""
    apps = "AND e.app_id IN :apps" if p.apps is not None else ""
    entries_sql = sql(ENTRIES_SQL.format(apps=apps), "rankings", *(["apps"] * bool(apps)))
    snapshots_sql = sql(SNAPSHOTS_SQL, "charts")
    window, start, listed = 3600, p.lo, NameCache()
    while start <= p.hi:
        end = min(start + window, p.hi + 1)
        with read_connection(engine) as conn:
            params = {"charts": p.charts, "lo": start, "hi": end}
            snapshots = conn.execute(snapshots_sql, params).all()
            for chunk in _chunks(snapshots):
                rankings = sorted({s.ranking_id for s in chunk})
                found: dict[int, list[Any]] = {r: [] for r in rankings}
                query = {"rankings": rankings, **({"apps": p.apps} if apps else {})}
                rows = conn.execute(entries_sql, query).all()  # <= CHUNK_ROWS rows
                for row in rows:
                    found[row[0]].append(row)
                # Each row carries the name its storefront showed at that snapshot's time.
                fronts = {(s.source, s.country) for s in chunk}
                names = listed.read(conn, fronts, {r[5] for r in rows})
                came = provenance(conn, [s.id for s in chunk]) if with_provenance else {}
                for s in chunk:
                    if selected := found[s.ranking_id]:
                        front, at = (s.source, s.country), s.captured_at
                        one, named = names.single(front), names.at
                        entries = [
                            (r[1], r[2], *(one.get(r[5]) or named(front, r[5], at) or r[3:5]))
                            for r in selected
                        ]
                        held = _details(names, front, at, selected)
                        yield (*s[:6], bool(s.simulated), came.get(s.id), held), entries
            if not snapshots and end <= p.hi:
                # Jump over a gap in one step instead of crawling through empty windows.
                nxt = conn.execute(sql(NEXT_SQL, "charts"), {"t": end, "charts": p.charts})
                following = nxt.scalar()
                end = p.hi + 1 if following is None else int(following)
        count = sum(s.depth_returned for s in snapshots)
        if count:
            # Aim the next window at about page_rows rows, growing at most 8x at a time.
            span = end - start
            window = max(1, min(span * 8, span * page_rows // count))
        start = end


def _details(
    names: Names, front: tuple[str, str], at: int, rows: Sequence[Any]
) -> dict[str, Details] | None:
    """app id -> the details its listing held at `at`, for the rows' apps that have any."""
    if front not in names.details:  # an App Store storefront: nothing to look up per row
        return None
    found = ((r[2], names.details_at(front, r[5], at)) for r in rows)
    return {app_id: held for app_id, held in found if held} or None


def _chunks(snapshots: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """Consecutive runs of snapshots holding at most CHUNK_ROWS rows and CHUNK_RANKINGS rankings
    (one snapshot always fits, however deep)."""
    first, rows = 0, 0
    for i, s in enumerate(snapshots):
        if i > first and (rows + s.depth_returned > CHUNK_ROWS or i - first >= CHUNK_RANKINGS):
            yield snapshots[first:i]
            first, rows = i, 0
        rows += s.depth_returned
    if first < len(snapshots):
        yield snapshots[first:]


def iter_rows(engine: Engine, p: Plan, *, page_rows: int = PAGE_ROWS) -> Iterator[Row]:
    """Every selected row in export order (see `iter_snapshots`)."""
    for head, entries in iter_snapshots(engine, p, page_rows=page_rows):
        for entry in entries:
            yield (*head[:6], *entry, head[6])


class _CsvLine:
    """One CSV record as text, escaped exactly as the csv module does (RFC 4180, CRLF)."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def __call__(self, cells: Sequence[Any]) -> str:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerow(cells)
        return self.buffer.getvalue()


def write_csv(
    snapshots: Iterator[tuple[Head, list[Entry]]],
    out: IO[bytes],
    *,
    raw: bool = False,
    bom: bool = False,
    on_rows: Callable[[int], None] | None = None,
) -> int:
    """Write the header and every row as CSV to a binary stream; returns the row count.

    Fast path: a snapshot's six leading cells and its `simulated` cell are escaped once, and each
    app's three cells once per export (apps repeat in every snapshot), so a row costs one
    f-string.
    """
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
    line = _CsvLine()
    guard = (lambda cell: cell) if raw else neutralise
    tails: dict[tuple[str, str, str | None], str] = {}
    count = reported = 0
    try:
        text.write((BOM if bom else "") + line(COLUMNS))
        for head, entries in snapshots:
            prefix = line([isoformat_z(from_epoch(head[0])), *head[1:6]])[:-2] + ","
            suffix = ",true\r\n" if head[6] else ",false\r\n"
            parts = []
            for rank, app_id, name, developer in entries:
                tail = tails.get((app_id, name, developer))
                if tail is None:
                    if len(tails) > 200_000:
                        tails.clear()  # keep memory flat on catalogues beyond any real chart
                    tail = line([app_id, guard(name), guard(developer or "")])[:-2]
                    tails[(app_id, name, developer)] = tail
                parts.append(f"{prefix}{rank},{tail}{suffix}")
            text.write("".join(parts))
            count += len(parts)
            if on_rows is not None and count - reported >= 10_000:
                on_rows(reported := count)
        text.flush()
    finally:
        text.detach()
    return count


def write_jsonl(
    snapshots: Iterator[tuple[Head, list[Entry]]],
    out: IO[bytes],
    *,
    on_rows: Callable[[int], None] | None = None,
) -> int:
    """Write one JSON object per row (the CSV's fields, raw text, rank as a number), with its
    snapshot's `provenance` when it was read (tracker/store/provenance.py; CSV has none), and
    the Google Play fields its listing held (`price_micros`, `currency`, `rating`, `installs`,
    each where not null; CSV keeps its columns: the App Store's rows would leave them empty)."""
    count = reported = 0
    for head, entries in snapshots:
        start = dict(zip(COLUMNS, (isoformat_z(from_epoch(head[0])), *head[1:6]), strict=False))
        tail: dict[str, object] = {"simulated": head[6]}
        if head[7] is not None:
            tail["provenance"] = head[7].to_json()
        held = head[8] or {}
        rows = (
            {
                **start,
                "rank": rank,
                "app_id": app_id,
                "app_name": name,
                "developer": dev,
                **held.get(app_id, {}),
                **tail,
            }
            for rank, app_id, name, dev in entries
        )
        out.write(b"".join(orjson.dumps(row) + b"\n" for row in rows))
        count += len(entries)
        if on_rows is not None and count - reported >= 10_000:
            on_rows(reported := count)
    return count


@contextlib.contextmanager
def open_output(path: str | Path) -> Iterator[IO[bytes]]:
    """ "-" is standard output; a file is written atomically (see `tracker.atomic`)."""
    if str(path) == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    with atomic_file(path) as handle:
        yield handle


def write_wide(lines: Iterator[list[Any]], out: IO[bytes], *, fmt: str, bom: bool = False) -> int:
    """Write pivoted rows as CSV (empty cell: no data) or JSONL (null: no data); returns the
    number of data rows."""
    header = next(lines, None)
    if header is None:
        return 0
    count = 0
    if fmt == "jsonl":
        for cells in lines:
            out.write(orjson.dumps(dict(zip(header, cells, strict=True))) + b"\n")
            count += 1
        return count
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
    try:
        if bom:
            text.write(BOM)
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(header)
        flagged = header[-1] == "simulated"  # spelt as the long export spells it
        for cells in lines:
            if flagged:
                cells = [*cells[:-1], "true" if cells[-1] else "false"]
            writer.writerow(cells)
            count += 1
        text.flush()
    finally:
        text.detach()
    return count
