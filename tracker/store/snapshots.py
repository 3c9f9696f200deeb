"""Per-chart reads of the snapshot table, each an index seek, never a scan of the table:

- which charts already have a snapshot for a daemon slot (uq_snapshot_slot: chart, slot);
- each chart's latest snapshot time (ix_snapshot_chart_time, read backwards, one row);
- the first and last snapshot time over some charts (the same index, one row each way);
- for the alert rules: snapshots by id, the one before a snapshot in its chart, and the ranks
  of some apps in two rankings.

The snapshot table grows by a row per chart per fetch, for as long as apprank runs, so a GROUP
BY over it would make the daemon's start slower every month; tests/store/test_snapshots.py
checks SQLite's plan for each. Through the Core views: the readers that ask for the bounds load
no ORM.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select, text

from tracker.models import ChartKey
from tracker.store.engine import read_connection
from tracker.store.schema.views import CHART, ENTRY, SNAPSHOT, chart_key

# The chart table's natural key, in ChartKey's order (its `kind` is ChartKey's `chart`).
CHART_COLUMNS = ("source", "country", "kind", "category", "device")
IN_LIST = 500  # ids per IN (...): under SQLite's old limit of 999 parameters


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), IN_LIST):
        yield list(ids[start : start + IN_LIST])


def find_chart_ids(conn: Connection, keys: Sequence[ChartKey]) -> dict[ChartKey, int]:
    """The ids of those of `keys` that the chart table holds. That table is small (one row per
    chart ever fetched): its rows of the keys' countries are read and matched here."""
    if not keys:
        return {}
    wanted = set(keys)
    rows = conn.execute(
        select(CHART.c.id, *[CHART.c[c] for c in CHART_COLUMNS]).where(
            CHART.c.country.in_(sorted({k.country for k in keys}))
        )
    )
    found = {}
    for row in rows:
        key = chart_key(row)
        if key in wanted:
            found[key] = row.id
    return found


def stored_for_slot(engine: Engine, keys: Sequence[ChartKey], slot: int) -> set[ChartKey]:
    """The charts among `keys` that already have a snapshot for `slot` (epoch seconds)."""
    with read_connection(engine) as conn:
        ids = find_chart_ids(conn, keys)
        by_id = {chart_id: key for key, chart_id in ids.items()}
        found: set[ChartKey] = set()
        for chunk in _chunks(list(by_id)):
            found.update(
                by_id[chart_id]
                for chart_id in conn.execute(
                    select(SNAPSHOT.c.chart_id).where(
                        SNAPSHOT.c.chart_id.in_(chunk) & (SNAPSHOT.c.slot == slot)
                    )
                ).scalars()
            )
    return found


def latest_captured_at(conn: Connection, chart_ids: Sequence[int]) -> dict[int, datetime]:
    """chart id -> its latest snapshot's captured_at, for the charts among `chart_ids` with one.

    One backward seek on ix_snapshot_chart_time per chart (a correlated subquery with LIMIT 1).
    """
    latest = (
        select(SNAPSHOT.c.captured_at)
        .where(SNAPSHOT.c.chart_id == CHART.c.id)
        .order_by(SNAPSHOT.c.captured_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    out: dict[int, datetime] = {}
    for chunk in _chunks(chart_ids):
        for chart_id, last in conn.execute(select(CHART.c.id, latest).where(CHART.c.id.in_(chunk))):
            if last is not None:
                out[chart_id] = last
    return out


def last_snapshot_at(engine: Engine, keys: Sequence[ChartKey]) -> dict[ChartKey, datetime]:
    """The latest snapshot time of each chart in `keys` that has one."""
    with read_connection(engine) as conn:
        ids = find_chart_ids(conn, keys)
        latest = latest_captured_at(conn, list(ids.values()))
    return {key: latest[chart_id] for key, chart_id in ids.items() if chart_id in latest}


# Per chart, the first and the last captured_at by one seek each way on ix_snapshot_chart_time.
# Plain text: the history and export commands ask this at start, with nothing to compile.
_BOUNDS_SQL = """
SELECT MIN((SELECT s.captured_at FROM snapshot s WHERE s.chart_id = c.id
            ORDER BY s.captured_at LIMIT 1)),
       MAX((SELECT s.captured_at FROM snapshot s WHERE s.chart_id = c.id
            ORDER BY s.captured_at DESC LIMIT 1))
FROM chart c WHERE c.id IN :ids
"""


def time_bounds(conn: Connection, chart_ids: Sequence[int]) -> tuple[int, int] | None:
    """First and last captured_at (epoch seconds) over the charts; None if none has data."""
    statement = text(_BOUNDS_SQL).bindparams(bindparam("ids", expanding=True))
    first, last = conn.execute(statement, {"ids": list(chart_ids)}).one()
    if first is None:
        return None
    return int(first), int(last)


@dataclass(frozen=True, slots=True)
class StoredSnapshot:
    """A snapshot as the alert rules compare two: which chart, when, its ranking and depth."""

    id: int
    chart_id: int
    captured_at: datetime
    ranking_id: int
    depth: int  # the rows the feed returned


def _snapshot_columns() -> tuple[Any, ...]:
    s = SNAPSHOT.c
    return s.id, s.chart_id, s.captured_at, s.ranking_id, s.depth_returned


def snapshots_by_id(conn: Connection, ids: Sequence[int]) -> dict[int, StoredSnapshot]:
    """The snapshots among `ids` that exist, by id (primary key look-ups)."""
    found: dict[int, StoredSnapshot] = {}
    for chunk in _chunks(ids):
        for row in conn.execute(select(*_snapshot_columns()).where(SNAPSHOT.c.id.in_(chunk))):
            found[row.id] = StoredSnapshot(*row)
    return found


def previous_snapshot(conn: Connection, snap: StoredSnapshot) -> StoredSnapshot | None:
    """The chart's latest snapshot before `snap` (by capture time, then id for equal times):
    one backward seek on ix_snapshot_chart_time."""
    row = conn.execute(
        select(*_snapshot_columns())
        .where(
            (SNAPSHOT.c.chart_id == snap.chart_id)
            & (
                (SNAPSHOT.c.captured_at < snap.captured_at)
                | ((SNAPSHOT.c.captured_at == snap.captured_at) & (SNAPSHOT.c.id < snap.id))
            )
        )
        .order_by(SNAPSHOT.c.captured_at.desc(), SNAPSHOT.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else StoredSnapshot(*row)


def ranks_in(
    conn: Connection, ranking_ids: Sequence[int], app_ids: Sequence[int]
) -> dict[tuple[int, int], int]:
    """(ranking id, internal app id) -> rank, for the apps among `app_ids` those rankings hold
    (seeks on ix_ranking_entry_app)."""
    if not ranking_ids or not app_ids:
        return {}
    ranks: dict[tuple[int, int], int] = {}
    for chunk in _chunks(app_ids):
        for ranking_id, app_id, rank in conn.execute(
            select(ENTRY.c.ranking_id, ENTRY.c.app_id, ENTRY.c.rank).where(
                ENTRY.c.ranking_id.in_(list(ranking_ids)) & ENTRY.c.app_id.in_(chunk)
            )
        ):
            ranks[(ranking_id, app_id)] = rank
    return ranks
