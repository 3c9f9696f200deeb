"""Where an app stands in each country: where it holds #1 (or the top N) now or at a time, which
countries have data then, and when it first reached a rank.

Each is one statement on indexed paths (a chart's latest snapshot by (chart, time), an app's
entries by (app, ranking)); `tracker.query.history` re-exports them with the other queries.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from tracker.config.selection import ChartSelection
from tracker.errors import UsageError
from tracker.query.selection import EVERY_COUNTRY, app_ids_by_store_id, select_charts, sql
from tracker.store.engine import read_connection
from tracker.timeutil import from_epoch, to_epoch

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
    selection: ChartSelection = EVERY_COUNTRY,
    *,
    rank: int = 1,
    at: datetime | None = None,
) -> list[tuple[str, int, datetime]]:
    """(country, rank, captured_at) where the app held rank <= `rank` in the chart's latest
    snapshot at or before `at` (default: each country's latest), in the selection's countries
    (none: every country); best rank first."""
    if rank < 1:
        raise UsageError(f"rank must be at least 1, not {rank}")
    with read_connection(engine) as conn:
        charts = select_charts(conn, selection)
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
    engine: Engine, selection: ChartSelection = EVERY_COUNTRY, *, at: datetime | None = None
) -> list[str]:
    """The selection's countries whose chart has a snapshot at or before `at` (any time when
    None)."""
    with read_connection(engine) as conn:
        charts = select_charts(conn, selection)
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
    engine: Engine, app_id: str, selection: ChartSelection, rank: int = 1
) -> datetime | None:
    """When the app first held rank <= `rank` in the chart of the selection's one country
    (None: never)."""
    with read_connection(engine) as conn:
        country = selection.country  # ValueError unless it names exactly one
        charts = [c for c in select_charts(conn, selection) if c.key.country == country]
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
    return None if value is None else from_epoch(int(value))
