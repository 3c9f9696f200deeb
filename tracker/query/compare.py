"""Compare two apps, country by country: who is ahead now, and every time the lead changed.

"Ahead" in a snapshot: the better rank; an app in the chart is ahead of one that is not; when
neither is in the chart nobody is ahead and the previous leader keeps the lead. An overtake is a
snapshot whose leader differs from the leader of the one before (found with LAG in SQL, so only
the changes leave the database).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from tracker.config.selection import ChartSelection
from tracker.errors import UsageError
from tracker.models import ChartKey
from tracker.query.selection import EVERY_COUNTRY, app_ids_by_store_id, select_charts, sql
from tracker.store.engine import read_connection
from tracker.timeutil import from_epoch


@dataclass(frozen=True, slots=True)
class Overtake:
    """At `at`, `leader` (an app id) went ahead; the ranks then (None: not in chart)."""

    at: datetime
    leader: str
    rank_a: int | None
    rank_b: int | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """One country: the latest snapshot's ranks, who leads there, and the lead changes."""

    key: ChartKey
    at: datetime
    rank_a: int | None
    rank_b: int | None
    leader: str | None
    overtakes: list[Overtake]


# Both apps' rank in every snapshot where at least one of them is in the chart.
_LEAD_SQL = """
WITH ranked AS (
    SELECT s.chart_id, s.captured_at, s.id, ea.rank AS ra, eb.rank AS rb
    FROM snapshot s
    LEFT JOIN ranking_entry ea ON ea.ranking_id = s.ranking_id AND ea.app_id = :a
    LEFT JOIN ranking_entry eb ON eb.ranking_id = s.ranking_id AND eb.app_id = :b
    WHERE s.chart_id IN :charts AND (ea.rank IS NOT NULL OR eb.rank IS NOT NULL)
), led AS (
    SELECT chart_id, captured_at, ra, rb,
           CASE WHEN ra IS NOT NULL AND (rb IS NULL OR ra < rb) THEN 1 ELSE 2 END AS leader,
           LAG(CASE WHEN ra IS NOT NULL AND (rb IS NULL OR ra < rb) THEN 1 ELSE 2 END)
               OVER (PARTITION BY chart_id ORDER BY captured_at, id) AS previous
    FROM ranked
)
SELECT chart_id, captured_at, ra, rb, leader FROM led
WHERE previous IS NOT NULL AND previous <> leader
ORDER BY chart_id, captured_at
"""

_NOW_SQL = """
SELECT c.id AS chart_id, s.captured_at, ea.rank AS ra, eb.rank AS rb
FROM chart c
JOIN snapshot s ON s.id = (
    SELECT s2.id FROM snapshot s2 WHERE s2.chart_id = c.id
    ORDER BY s2.captured_at DESC, s2.id DESC LIMIT 1)
LEFT JOIN ranking_entry ea ON ea.ranking_id = s.ranking_id AND ea.app_id = :a
LEFT JOIN ranking_entry eb ON eb.ranking_id = s.ranking_id AND eb.app_id = :b
WHERE c.id IN :charts
"""


def compare(
    engine: Engine,
    app_a: str,
    app_b: str,
    selection: ChartSelection = EVERY_COUNTRY,
) -> list[Comparison]:
    """Per country with data (sorted by country): who leads now and every lead change."""
    if app_a == app_b:
        raise UsageError(f"compare needs two different apps (both are {app_a})")
    with read_connection(engine) as conn:
        charts = select_charts(conn, selection)
        if not charts:
            return []
        apps = app_ids_by_store_id(conn, [app_a, app_b])
        # An app never stored is simply never in the chart; -1 matches no entry.
        params = {
            "a": apps[app_a][0] if app_a in apps else -1,
            "b": apps[app_b][0] if app_b in apps else -1,
            "charts": [c.id for c in charts],
        }
        now = {r.chart_id: r for r in conn.execute(sql(_NOW_SQL, "charts"), params)}
        changes: dict[int, list[Overtake]] = {}
        for r in conn.execute(sql(_LEAD_SQL, "charts"), params):
            changes.setdefault(r.chart_id, []).append(
                Overtake(
                    at=from_epoch(int(r.captured_at)),
                    leader=app_a if r.leader == 1 else app_b,
                    rank_a=r.ra,
                    rank_b=r.rb,
                )
            )
    out = []
    for stored in charts:
        latest = now[stored.id]
        out.append(
            Comparison(
                key=stored.key,
                at=from_epoch(int(latest.captured_at)),
                rank_a=latest.ra,
                rank_b=latest.rb,
                leader=_leader(app_a, app_b, latest.ra, latest.rb),
                overtakes=changes.get(stored.id, []),
            )
        )
    return out


def _leader(app_a: str, app_b: str, rank_a: int | None, rank_b: int | None) -> str | None:
    if rank_a is None and rank_b is None:
        return None
    if rank_a is not None and (rank_b is None or rank_a < rank_b):
        return app_a
    return app_b
