"""Per-country statistics of one app in one chart: best rank and when, first and last seen,
hours at #1 and in the top 10.

"Hours at #1" counts the UTC clock hours in which at least one snapshot showed the app at #1:
exactly the hourly buckets where `history --every 1h` shows 1 (likewise for the top 10). Every
number comes out of one grouped SQL statement driven by the (app, ranking) index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from tracker.config.selection import ChartSelection
from tracker.models import ChartKey
from tracker.query.selection import EVERY_COUNTRY, app_ids_by_store_id, select_charts, sql
from tracker.store.engine import read_connection
from tracker.timeutil import from_epoch


@dataclass(frozen=True, slots=True)
class CountryStats:
    """One country. `state`: "ranked" (in the chart at least once), "not_in_chart" (snapshots
    exist, never with the app: counts 0) or "no_data" (no snapshot of that chart: all None)."""

    country: str
    key: ChartKey | None
    state: str
    best_rank: int | None = None
    best_at: datetime | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    hours_at_1: int | None = None
    hours_top_10: int | None = None
    # How many snapshots showed the app.
    snapshots: int | None = None


_STATS_SQL = """
WITH hits AS (
    SELECT s.chart_id, s.captured_at, e.rank
    FROM ranking_entry e
    JOIN snapshot s ON s.ranking_id = e.ranking_id
    WHERE e.app_id = :app AND s.chart_id IN :charts
), agg AS (
    SELECT chart_id, MIN(rank) AS best, MIN(captured_at) AS first_seen,
           MAX(captured_at) AS last_seen, COUNT(*) AS snapshots,
           COUNT(DISTINCT CASE WHEN rank = 1 THEN captured_at / 3600 END) AS hours_1,
           COUNT(DISTINCT CASE WHEN rank <= 10 THEN captured_at / 3600 END) AS hours_10
    FROM hits GROUP BY chart_id
)
SELECT agg.*, (SELECT MIN(h.captured_at) FROM hits h
               WHERE h.chart_id = agg.chart_id AND h.rank = agg.best) AS best_at
FROM agg
"""


def stats(
    engine: Engine,
    app_id: str,
    selection: ChartSelection = EVERY_COUNTRY,
) -> list[CountryStats]:
    """Stats per country: every country asked for (whatever its state), or when none were
    asked for, every country where the app was ever in the chart. Sorted by country."""
    with read_connection(engine) as conn:
        charts = select_charts(conn, selection)
        internal = app_ids_by_store_id(conn, [app_id]).get(app_id)
        rows = {}
        if charts and internal is not None:
            params = {"app": internal[0], "charts": [c.id for c in charts]}
            rows = {r.chart_id: r for r in conn.execute(sql(_STATS_SQL, "charts"), params)}
    out = []
    for stored in charts:
        r = rows.get(stored.id)
        if r is None:
            if selection.countries:
                out.append(
                    CountryStats(
                        stored.key.country,
                        stored.key,
                        "not_in_chart",
                        None,
                        None,
                        None,
                        None,
                        0,
                        0,
                        0,
                    )
                )
            continue
        out.append(
            CountryStats(
                country=stored.key.country,
                key=stored.key,
                state="ranked",
                best_rank=int(r.best),
                # A chart with a best rank has hits, so none of these aggregates is NULL.
                best_at=from_epoch(int(r.best_at)),
                first_seen=from_epoch(int(r.first_seen)),
                last_seen=from_epoch(int(r.last_seen)),
                hours_at_1=int(r.hours_1),
                hours_top_10=int(r.hours_10),
                snapshots=int(r.snapshots),
            )
        )
    have = {s.country for s in out}
    for country in selection.countries:
        if country not in have:
            out.append(CountryStats(country, None, "no_data"))
    out.sort(key=lambda s: s.country)
    return out
