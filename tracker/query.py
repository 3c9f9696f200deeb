"""Questions asked of the stored charts: history, leaders, first time at a rank.

`movers`, `compare` and `stats` live in `query_movers.py`, `query_compare.py` and
`query_stats.py` and are re-exported here, so callers import every query from one place.

Every query pushes its work into SQL on indexed paths (snapshot by (chart, time), ranking_entry by
(app, ranking)) and reads only what it returns; none loads a table into Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import Connection, Engine

from tracker.errors import UsageError
from tracker.query_charts import (
    StoredChart,
    app_ids_by_store_id,
    epoch_to_dt,
    select_charts,
    sql,
    time_bounds,
)
from tracker.query_compare import Comparison, Overtake, compare
from tracker.query_movers import Move, Movers, movers
from tracker.query_stats import CountryStats, stats
from tracker.series import NO_DATA, NOT_IN_CHART, RankSeries
from tracker.store.engine import read_connection
from tracker.timeutil import from_epoch, to_epoch

# A grid longer than this per series is a mistake (e.g. --every 1s over a year), not a request.
MAX_BUCKETS = 2_000_000

# The history statements hold only integers we made (ids, epoch seconds, the bucket size),
# inlined so they run on the driver's own cursor: its plain tuples go straight into numpy.
_PRESENCE_SQL = """
SELECT chart_id, captured_at / {step} AS b, MAX(depth_returned) AS depth
FROM snapshot
WHERE chart_id IN ({charts}) AND captured_at >= {lo} AND captured_at <= {hi}
GROUP BY chart_id, captured_at / {step}
"""

_RANKS_SQL = """
SELECT s.chart_id, e.app_id, s.captured_at / {step} AS b, MIN(e.rank) AS best
FROM snapshot s
JOIN ranking_entry e ON e.ranking_id = s.ranking_id
WHERE s.chart_id IN ({charts}) AND e.app_id IN ({apps})
  AND s.captured_at >= {lo} AND s.captured_at <= {hi}
GROUP BY s.chart_id, e.app_id, s.captured_at / {step}
"""


def history(
    engine: Engine,
    app_ids: Sequence[str],
    *,
    countries: Sequence[str] | None = None,
    chart: str = "top-free",
    source: str | None = None,
    category: str = "all",
    device: str = "iphone",
    since: datetime | None = None,
    until: datetime | None = None,
    every: timedelta = timedelta(hours=1),
) -> list[RankSeries]:
    """Each app's rank over time in each selected chart, on one grid of `every`-long buckets.

    One RankSeries per (app, chart with a snapshot in the range), sorted by (app as given,
    country). A bucket holds the best rank among the chart's snapshots in it, NOT_IN_CHART when
    the chart has snapshots there without the app, NO_DATA when it has none. Buckets start at
    multiples of `every` in epoch seconds; the grid runs from the bucket holding `since`
    (default: the first snapshot) to the one holding `until` (default: the last), and those
    buckets are read whole.
    """
    step = _step_seconds(every)
    with read_connection(engine) as conn:
        charts = select_charts(
            conn,
            chart=chart,
            source=source,
            category=category,
            device=device,
            countries=countries,
        )
        if not charts or not app_ids:
            return []
        chart_ids = [c.id for c in charts]
        lo, hi = _range(conn, chart_ids, since, until)
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
        values = {
            "step": step,
            "charts": _ints(chart_ids),
            "lo": start,
            "hi": (hi // step + 1) * step - 1,
        }
        presence = _int_rows(conn, _PRESENCE_SQL.format(**values), 3)
        apps = app_ids_by_store_id(conn, app_ids)
        internal = [apps[a][0] for a in app_ids if a in apps]
        ranks = _int_rows(conn, _RANKS_SQL.format(apps=_ints(internal), **values), 4)
    first_bucket = start // step
    starts = np.arange(start, start + count * step, step, dtype=np.int64)
    starts.flags.writeable = False  # shared by every series of the call
    grids: dict[int, tuple[np.ndarray, int]] = {}  # chart id -> (grid without the app, depth)
    for chart_id in np.unique(presence[:, 0]).tolist():
        rows = presence[presence[:, 0] == chart_id]
        grid = np.full(count, NO_DATA, dtype=np.int16)
        grid[rows[:, 1] - first_bucket] = NOT_IN_CHART
        grids[chart_id] = grid, int(rows[:, 2].max())
    by_chart = sorted((c for c in charts if c.id in grids), key=lambda c: (c.key.country, c.id))
    out: list[RankSeries] = []
    for app_id in dict.fromkeys(app_ids):
        internal_id, name, developer = apps.get(app_id, (-1, app_id, None))
        mine = ranks[ranks[:, 1] == internal_id]
        for stored in by_chart:
            grid, depth = grids[stored.id]
            values = grid.copy()
            points = mine[mine[:, 0] == stored.id]
            values[points[:, 2] - first_bucket] = points[:, 3]
            out.append(
                RankSeries(
                    app_id=app_id,
                    app_name=name,
                    developer=developer,
                    key=stored.key,
                    bucket=timedelta(seconds=step),
                    starts=starts,
                    ranks=values,
                    depth=depth,
                )
            )
    return out


def _ints(values: Sequence[int]) -> str:
    """A SQL list of integers (never empty: -1 matches no id)."""
    return ",".join(str(int(v)) for v in values) or "-1"


def _int_rows(conn: Connection, statement: str, width: int) -> np.ndarray:
    """The rows of an all-integer statement as an (n, width) int64 array, via the driver."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(statement)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return np.array(rows, dtype=np.int64).reshape(len(rows), width)


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
        raise UsageError("the start of the range is after its end (--since is after --until)")
    if lo is None or hi is None:
        bounds = time_bounds(conn, chart_ids)
        if bounds is None:
            return None, None
        lo = bounds[0] if lo is None else lo
        hi = bounds[1] if hi is None else hi
    if lo > hi:
        return None, None
    return lo, hi


_LEADERS_SQL = """
SELECT c.country, e.rank, s.captured_at
FROM chart c
JOIN snapshot s ON s.id = (
    SELECT s2.id FROM snapshot s2
    WHERE s2.chart_id = c.id {at_clause}
    ORDER BY s2.captured_at DESC, s2.id DESC LIMIT 1)
JOIN ranking_entry e ON e.ranking_id = s.ranking_id AND e.app_id = :app
WHERE c.id IN :charts AND e.rank <= :rank
ORDER BY e.rank, c.country
"""


def leaders(
    engine: Engine,
    app_id: str,
    *,
    rank: int = 1,
    at: datetime | None = None,
    chart: str = "top-free",
    source: str | None = None,
    category: str = "all",
    device: str = "iphone",
) -> list[tuple[str, int, datetime]]:
    """(country, rank, captured_at) where the app held rank <= `rank` in the chart's latest
    snapshot at or before `at` (default: each country's latest); best rank first."""
    if rank < 1:
        raise UsageError(f"rank must be at least 1, not {rank}")
    with read_connection(engine) as conn:
        charts = _charts(conn, chart, source, category, device)
        internal = app_ids_by_store_id(conn, [app_id]).get(app_id)
        if not charts or internal is None:
            return []
        at_clause = "AND s2.captured_at <= :at" if at is not None else ""
        params: dict[str, object] = {
            "app": internal[0],
            "charts": [c.id for c in charts],
            "rank": rank,
        }
        if at is not None:
            params["at"] = to_epoch(at)
        rows = conn.execute(sql(_LEADERS_SQL.format(at_clause=at_clause), "charts"), params).all()
    return [(r.country, int(r.rank), from_epoch(int(r.captured_at))) for r in rows]


def countries_with_data(
    engine: Engine,
    *,
    at: datetime | None = None,
    chart: str = "top-free",
    source: str | None = None,
    category: str = "all",
    device: str = "iphone",
) -> list[str]:
    """The countries whose chart has a snapshot at or before `at` (any time when None)."""
    with read_connection(engine) as conn:
        charts = _charts(conn, chart, source, category, device)
        if not charts or at is None:
            return [c.key.country for c in charts]
        rows = conn.execute(
            sql(
                """
                SELECT c.country FROM chart c WHERE c.id IN :charts AND EXISTS (
                    SELECT 1 FROM snapshot s WHERE s.chart_id = c.id AND s.captured_at <= :at)
                ORDER BY c.country
                """,
                "charts",
            ),
            {"charts": [c.id for c in charts], "at": to_epoch(at)},
        ).all()
    return [r.country for r in rows]


def first_time_at_rank(
    engine: Engine,
    app_id: str,
    country: str,
    chart: str,
    rank: int = 1,
    *,
    source: str | None = None,
    category: str = "all",
    device: str = "iphone",
) -> datetime | None:
    """When the app first held rank <= `rank` in the chart of that country (None: never)."""
    with read_connection(engine) as conn:
        charts = select_charts(
            conn,
            chart=chart,
            source=source,
            category=category,
            device=device,
            countries=[country],
        )
        internal = app_ids_by_store_id(conn, [app_id]).get(app_id)
        if not charts or internal is None:
            return None
        value = conn.execute(
            sql(
                """
                SELECT MIN(s.captured_at) FROM ranking_entry e
                JOIN snapshot s ON s.ranking_id = e.ranking_id
                WHERE e.app_id = :app AND e.rank <= :rank AND s.chart_id = :chart
                """
            ),
            {"app": internal[0], "rank": rank, "chart": charts[0].id},
        ).scalar()
    return epoch_to_dt(value)


def _charts(
    conn: Connection, chart: str, source: str | None, category: str, device: str
) -> list[StoredChart]:
    return select_charts(
        conn,
        chart=chart,
        source=source,
        category=category,
        device=device,
        countries=None,
    )


__all__ = [
    "Comparison",
    "CountryStats",
    "Move",
    "Movers",
    "Overtake",
    "compare",
    "countries_with_data",
    "first_time_at_rank",
    "history",
    "leaders",
    "movers",
    "stats",
]
