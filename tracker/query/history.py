"""Questions asked of the stored charts: here, history (each app's rank over time).

`movers`, `compare`, `stats` and `leaders` (with `countries_with_data` and
`first_time_at_rank`) live in movers.py, compare.py, stats.py and leaders.py of this package
and are re-exported here, so callers import every query from one place.

Every query pushes its work into SQL on indexed paths (snapshot by (chart, time), ranking_entry by
(app, ranking)) and reads only what it returns; none loads a table into Python.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine

from tracker.config.selection import ChartSelection
from tracker.errors import UsageError
from tracker.models import NO_DATA, NOT_IN_CHART, RankSeries
from tracker.query.compare import Comparison, Overtake, compare
from tracker.query.leaders import countries_with_data, first_time_at_rank, leaders
from tracker.query.movers import Move, Movers, movers
from tracker.query.selection import (
    EVERY_COUNTRY,
    StoredApp,
    StoredChart,
    app_ids_by_store_id,
    select_charts,
)
from tracker.query.stats import CountryStats, stats
from tracker.store.bulk import driver
from tracker.store.engine import read_connection
from tracker.store.listings import Names, read_names
from tracker.store.reads import simulated_charts
from tracker.store.snapshots import time_bounds
from tracker.timeutil import to_epoch

if TYPE_CHECKING:
    import numpy as np

# A grid longer than this per series is a mistake (e.g. --every 1s over a year), not a request.
MAX_BUCKETS = 2_000_000

# The history statements hold only integers we made (ids, epoch seconds, the bucket size),
# inlined so they run on the driver's own cursor: its plain tuples go straight into numpy.
_SNAPSHOTS_SQL = """
SELECT chart_id, captured_at, ranking_id, depth_returned
FROM snapshot
WHERE chart_id IN ({charts}) AND captured_at >= {lo} AND captured_at <= {hi}
"""

_PROBE_SQL = """
SELECT count(*) FROM (SELECT 1 FROM ranking_entry WHERE app_id = {app} LIMIT {limit}) AS probe
"""

_APP_ENTRIES_SQL = "SELECT ranking_id, rank FROM ranking_entry WHERE app_id = {app}"

_APP_ENTRIES_IN_RANGE_SQL = """
SELECT ranking_id, rank FROM ranking_entry
WHERE app_id = {app} AND ranking_id IN (
  SELECT ranking_id FROM snapshot
  WHERE chart_id IN ({charts}) AND captured_at >= {lo} AND captured_at <= {hi})
"""

# An app in fewer rankings than this, or than this many per snapshot asked about, is read whole
# by its index; see _app_entries.
ENTRY_SCAN_LIMIT = 10_000
ENTRY_SCAN_PER_SNAPSHOT = 2

# Up to this many rows read (snapshots plus each app's (ranking, rank) pairs), history joins
# in plain Python; above it, in NumPy (tracker/query/arrays.py). Importing NumPy costs a command
# ~70 ms, which a join of this size does not make up; `python -m bench history` decides larger.
SMALL_JOIN = 200_000

Rows = list[tuple[int, ...]]


def history(
    engine: Engine,
    app_ids: Sequence[str],
    selection: ChartSelection = EVERY_COUNTRY,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    every: timedelta = timedelta(hours=1),
) -> list[RankSeries]:
    """Each app's rank over time in each chart of `selection` (default: top free iPhone apps in
    every country with data), on one grid of `every`-long buckets.

    One RankSeries per (app, chart with a snapshot in the range), sorted by (app as given,
    country). A bucket holds the best rank among the chart's snapshots in it, NOT_IN_CHART when
    the chart has snapshots there without the app, NO_DATA when it has none. Buckets start at
    multiples of `every` in epoch seconds; the grid runs from the bucket holding `since`
    (default: the first snapshot) to the one holding `until` (default: the last), and those
    buckets are read whole.
    """
    return history_across(engine, [(selection, app_ids)], since=since, until=until, every=every)


def history_across(
    engine: Engine,
    parts: Sequence[tuple[ChartSelection, Sequence[str]]],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    every: timedelta = timedelta(hours=1),
) -> list[RankSeries]:
    """`history` of several (selection, app ids) at once: one selection per source, each with
    the apps of its source's store (`--source apple,googleplay`), all on one grid of buckets
    (the range runs over every part's charts), so their series can share a table or a chart.
    Series in `parts` order, each part's as `history` orders them."""
    step = _step_seconds(every)
    with read_connection(engine) as conn:
        chosen = [(select_charts(conn, selection), ids) for selection, ids in parts]
        chosen = [(charts, ids) for charts, ids in chosen if charts and ids]
        if not chosen:
            return []
        lo, hi = _range(conn, [c.id for charts, _ in chosen for c in charts], since, until)
        if lo is None or hi is None:
            return []
        start, count = lo // step * step, hi // step - lo // step + 1
        if count > MAX_BUCKETS:
            raise UsageError(
                f"{count} buckets of {every} between the first and last time; "
                "use a larger --every or a shorter range"
            )
        # Buckets overlapping the range are read whole, so the first and last are no partial
        # days (with --every 1d) and each bucket means the same whatever the range.
        end = (hi // step + 1) * step - 1
        reads = [
            (charts, ids, _read_history(conn, [c.id for c in charts], ids, start, end))
            for charts, ids in chosen
        ]
        storefronts = [(c.key.source, c.key.country) for charts, _ in chosen for c in charts]
        internal = [found[0] for _, _, read in reads for found in read.apps.values()]
        names = read_names(conn, list(dict.fromkeys(storefronts)), internal)
    out: list[RankSeries] = []
    for charts, ids, read in reads:
        if read.small:
            grids: Any = _PythonGrids(read.snaps, start, step, count)  # type: ignore[arg-type]
        else:
            from tracker.query import arrays as query_numpy

            grids = query_numpy.Grids(query_numpy.as_rows(read.snaps, 4), start, step, count)
        out += _series(ids, charts, read, grids, step, names)
    return out


@dataclass(frozen=True, slots=True)
class _HistoryRows:
    """What history reads, all in one transaction: the snapshots in the range (a list of
    tuples, or an array when large), the charts with simulated ones among them, the apps known
    (store id -> (internal id, name, developer)) and each one's (ranking id, rank) rows."""

    snaps: Rows | np.ndarray
    simulated: set[int]
    apps: dict[str, StoredApp]
    entries: dict[int, Any]
    small: bool  # joined in plain Python (see SMALL_JOIN)


def _read_history(
    conn: Connection, chart_ids: list[int], app_ids: Sequence[str], lo: int, hi: int
) -> _HistoryRows:
    bounds = {"charts": _ints(chart_ids), "lo": lo, "hi": hi}
    budget = SMALL_JOIN if not _numpy_loaded() else 0
    snaps: Rows | np.ndarray = _read(conn, _SNAPSHOTS_SQL.format(**bounds), 4, budget)
    simulated = simulated_charts(conn, chart_ids, lo, hi)
    apps = app_ids_by_store_id(conn, app_ids)
    wanted = [apps[a][0] for a in dict.fromkeys(app_ids) if a in apps]
    statements = {internal: _app_entries(conn, internal, bounds, len(snaps)) for internal in wanted}
    # Each app is in a ranking at most once: an in-range read is at most one row a snapshot.
    pairs = sum(n if n is not None else len(snaps) for _, n in statements.values())
    small = isinstance(snaps, list) and len(snaps) + pairs <= budget
    entries: dict[int, Any] = {
        internal: _read(conn, statement, 2, None if small else 0)
        for internal, (statement, _) in statements.items()
    }
    return _HistoryRows(snaps, simulated, apps, entries, small)


def _series(
    app_ids: Sequence[str],
    charts: list[StoredChart],
    read: _HistoryRows,
    grids: Any,
    step: int,
    names: Names,
) -> list[RankSeries]:
    """One RankSeries per (app as given, chart with a snapshot in the range, by country), each
    named as its chart's storefront last listed the app."""
    by_chart = sorted(
        (c for c in charts if c.id in grids.charts), key=lambda c: (c.key.country, c.id)
    )
    out: list[RankSeries] = []
    for app_id in dict.fromkeys(app_ids):
        internal_id, name, developer = read.apps.get(app_id, (-1, app_id, None))
        ranks = grids.app(read.entries.get(internal_id))
        for stored in by_chart:
            storefront = (stored.key.source, stored.key.country)
            shown, shown_by = names.latest(storefront, internal_id) or (name, developer)
            out.append(
                RankSeries(
                    app_id=app_id,
                    app_name=shown,
                    developer=shown_by,
                    key=stored.key,
                    bucket=timedelta(seconds=step),
                    starts=grids.starts,
                    ranks=ranks[stored.id],
                    depth=grids.charts[stored.id][1],
                    simulated=stored.id in read.simulated,
                )
            )
    return out


def _app_entries(
    conn: Connection, app: int, bounds: dict[str, object], snapshots: int
) -> tuple[str, int | None]:
    """The statement reading (ranking id, rank) of every ranking that shows `app`, and how many
    rows it returns (None: at most one per selected snapshot).

    Read whole by the (app, ranking) index when the app is in fewer rankings than about
    twice the selected snapshots; a global hit (thousands of charts for years) is read only
    at the rankings those snapshots show, one index probe each. Counting stops at the limit,
    so the choice costs at most that many index entries.
    """
    limit = max(ENTRY_SCAN_LIMIT, ENTRY_SCAN_PER_SNAPSHOT * snapshots)
    [(probe,)] = _read(conn, _PROBE_SQL.format(app=app, limit=limit), 1, None)
    if probe < limit:
        return _APP_ENTRIES_SQL.format(app=app, **bounds), int(probe)
    return _APP_ENTRIES_IN_RANGE_SQL.format(app=app, **bounds), None


class _PythonGrids:
    """query_numpy.Grids in plain Python, for small selections: the same buckets and ranks."""

    def __init__(self, snaps: Rows, start: int, step: int, count: int) -> None:
        self.count = count
        self.starts = array("q", range(start, start + count * step, step))
        first = start // step
        self.charts: dict[int, tuple[array[int], int]] = {}
        self._shown: dict[int, list[tuple[int, int]]] = {}  # ranking id -> (chart, bucket)
        depths: dict[int, int] = {}
        grids: dict[int, list[int]] = {}
        shown = self._shown
        for chart_id, captured_at, ranking_id, depth in snaps:  # the hot loop: no calls in it
            bucket = captured_at // step - first
            grid = grids.get(chart_id)
            if grid is None:
                grid = grids[chart_id] = [NO_DATA] * count
                depths[chart_id] = depth
            elif depth > depths[chart_id]:
                depths[chart_id] = depth
            grid[bucket] = NOT_IN_CHART
            where = shown.get(ranking_id)
            if where is None:
                shown[ranking_id] = [(chart_id, bucket)]
            else:
                where.append((chart_id, bucket))
        for chart_id in sorted(grids):
            self.charts[chart_id] = array("h", grids[chart_id]), depths[chart_id]

    def app(self, entries: Rows | None) -> dict[int, array[int]]:
        """Chart id -> this app's grid, from its (ranking id, rank) rows."""
        best: dict[int, dict[int, int]] = {chart_id: {} for chart_id in self.charts}
        shown = self._shown
        for ranking_id, rank in entries or ():
            for chart_id, bucket in shown.get(ranking_id, ()):
                ranks = best[chart_id]
                if bucket not in ranks or rank < ranks[bucket]:
                    ranks[bucket] = rank
        out = {}
        for chart_id, (grid, _) in self.charts.items():
            values = array("h", grid)
            for bucket, rank in best[chart_id].items():
                values[bucket] = rank
            out[chart_id] = values
        return out


def _numpy_loaded() -> bool:
    """SMALL_JOIN only spares a command NumPy's import. Once it is loaded (`apprank serve`
    loads it at start) NumPy joins faster at every size that costs anything: a year of 10
    charts, 87,600 snapshots, in 65 ms rather than 115 (bench/web.py's history)."""
    return sys.modules.get("numpy") is not None


def _ints(values: Sequence[int]) -> str:
    """A SQL list of integers (never empty: -1 matches no id)."""
    return ",".join(str(int(v)) for v in values) or "-1"


def _read(conn: Connection, statement: str, width: int, budget: int | None) -> Any:
    """The rows of an all-integer statement, via the driver: a list of tuples when there are at
    most `budget` of them (None: any number), else an (n, width) int64 NumPy array, streamed
    from the cursor (no list of the rest is built)."""
    cursor = driver(conn).cursor()
    try:
        cursor.execute(statement)
        if budget is None:
            return cursor.fetchall()
        head = cursor.fetchmany(budget + 1)
        if len(head) <= budget:
            return head
        from itertools import chain

        from tracker.query import arrays as query_numpy

        return query_numpy.int_rows(chain(head, cursor), width)
    finally:
        cursor.close()


def _step_seconds(every: timedelta) -> int:
    step = int(every.total_seconds())
    if step < 1 or timedelta(seconds=step) != every:
        raise UsageError(f"bucket size must be a whole number of seconds, at least 1s: {every}")
    return step


def _range(
    conn: Connection, chart_ids: list[int], since: datetime | None, until: datetime | None
) -> tuple[int | None, int | None]:
    lo = to_epoch(since) if since is not None else None
    hi = to_epoch(until) if until is not None else None
    if lo is not None and hi is not None and lo > hi:
        raise UsageError(
            "the start of the range is after its end (--since is after --until)", param="since"
        )
    if lo is None or hi is None:
        bounds = time_bounds(conn, chart_ids)
        if bounds is None:
            return None, None
        lo = bounds[0] if lo is None else lo
        hi = bounds[1] if hi is None else hi
    if lo > hi:
        return None, None
    return lo, hi


__all__ = [
    "EVERY_COUNTRY",
    "ChartSelection",
    "Comparison",
    "CountryStats",
    "Move",
    "Movers",
    "Overtake",
    "compare",
    "countries_with_data",
    "first_time_at_rank",
    "history",
    "history_across",
    "leaders",
    "movers",
    "stats",
]
