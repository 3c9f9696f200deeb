"""Reads behind `apprank top` and `apprank status`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select, text

from tracker.models import ChartKey
from tracker.store.engine import read_connection
from tracker.store.listings import names_at, read_names
from tracker.store.provenance import Provenance, provenance

# Core views of the tables, not schema.py's models: a reader loads no SQLModel or ORM.
from tracker.store.schema.views import APP, CHART, ENTRY, SNAPSHOT, chart_key
from tracker.store.snapshots import find_chart_ids
from tracker.timeutil import from_epoch, to_epoch


def _dt(value: datetime | int | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return from_epoch(int(value))  # raw SQL aggregates come back as epoch seconds


@dataclass(frozen=True, slots=True)
class TopEntry:
    rank: int
    app_id: str
    name: str
    developer: str | None
    previous_rank: int | None
    change: str  # "new", "=", "+3" (up three places), "-2" (down two)


@dataclass(frozen=True, slots=True)
class TopChart:
    key: ChartKey
    captured_at: datetime
    feed_updated_at: datetime | None
    previous_captured_at: datetime | None
    depth_requested: int
    entries: list[TopEntry]
    # The latest snapshot came from apprank's simulator, not the App Store.
    simulated: bool = False
    # Where the latest snapshot came from (URL, body digest, depths): tracker/store/provenance.py.
    provenance: Provenance | None = None
    # When the chart's next snapshot was taken: read only for a snapshot asked for by time.
    next_captured_at: datetime | None = None


def chart_id_for(engine: Engine, key: ChartKey) -> int | None:
    with read_connection(engine) as conn:
        return conn.execute(
            select(CHART.c.id).where(
                (CHART.c.source == key.source)
                & (CHART.c.country == key.country)
                & (CHART.c.kind == key.chart)
                & (CHART.c.category == key.category)
                & (CHART.c.device == key.device)
            )
        ).scalar()


def latest_chart(
    engine: Engine, key: ChartKey, limit: int | None = None, *, at: datetime | None = None
) -> TopChart | None:
    """The latest stored snapshot of a chart (at or before `at` when given), with each app's
    move since the one before; with `at`, also when the next snapshot after it was taken."""
    chart_id = chart_id_for(engine, key)
    if chart_id is None:
        return None
    with read_connection(engine) as conn:
        snaps = _two_latest(conn, chart_id, at)
        if not snaps:
            return None
        latest = snaps[0]
        query = (
            select(ENTRY.c.rank, APP.c.id, APP.c.store_id, APP.c.name, APP.c.developer)
            .join(APP, APP.c.id == ENTRY.c.app_id)
            .where(ENTRY.c.ranking_id == latest.ranking_id)
            .order_by(ENTRY.c.rank)
        )
        if limit:
            query = query.limit(limit)
        rows = conn.execute(query).all()
        # The names this storefront showed then, not the last ones any storefront showed.
        shown = names_at(
            conn, (key.source, key.country), [row.id for row in rows], to_epoch(latest.captured_at)
        )
        previous: dict[int, int] = {}
        if len(snaps) > 1:
            app_ids = [row.id for row in rows]
            previous = dict(
                conn.execute(
                    select(ENTRY.c.app_id, ENTRY.c.rank).where(
                        (ENTRY.c.ranking_id == snaps[1].ranking_id) & ENTRY.c.app_id.in_(app_ids)
                    )
                ).all()
            )
        source = provenance(conn, [latest.id]).get(latest.id)
        following = None if at is None else _next_after(conn, chart_id, latest.captured_at)
    entries = [_top_entry(row, previous.get(row.id), len(snaps) > 1, shown) for row in rows]
    return TopChart(
        key=key,
        captured_at=latest.captured_at,
        feed_updated_at=latest.feed_updated_at,
        previous_captured_at=snaps[1].captured_at if len(snaps) > 1 else None,
        depth_requested=latest.depth_requested,
        entries=entries,
        simulated=bool(latest.simulated),
        provenance=source,
        next_captured_at=following,
    )


def _two_latest(conn: Connection, chart_id: int, at: datetime | None) -> list[Any]:
    """The chart's latest two snapshots (at or before `at` when given), newest first."""
    where = SNAPSHOT.c.chart_id == chart_id
    if at is not None:
        where = where & (SNAPSHOT.c.captured_at <= at)
    return list(
        conn.execute(
            select(
                SNAPSHOT.c.id,
                SNAPSHOT.c.captured_at,
                SNAPSHOT.c.feed_updated_at,
                SNAPSHOT.c.ranking_id,
                SNAPSHOT.c.depth_requested,
                SNAPSHOT.c.simulated,
            )
            .where(where)
            .order_by(SNAPSHOT.c.captured_at.desc(), SNAPSHOT.c.id.desc())
            .limit(2)
        ).all()
    )


def _next_after(conn: Connection, chart_id: int, when: datetime) -> datetime | None:
    """When the chart's first snapshot after `when` was taken (None: there is none yet)."""
    value = conn.execute(
        select(SNAPSHOT.c.captured_at)
        .where((SNAPSHOT.c.chart_id == chart_id) & (SNAPSHOT.c.captured_at > when))
        .order_by(SNAPSHOT.c.captured_at)
        .limit(1)
    ).scalar()
    return _dt(value)


def _top_entry(
    row: Any, before: int | None, has_previous: bool, shown: Mapping[int, tuple[str, str | None]]
) -> TopEntry:
    if not has_previous:
        change = ""
    elif before is None:
        change = "new"
    elif before == row.rank:
        change = "="
    else:
        change = f"{before - row.rank:+d}"
    name, developer = shown.get(row.id, (row.name, row.developer))
    return TopEntry(row.rank, row.store_id, name, developer, before, change)


@dataclass(frozen=True, slots=True)
class NumberOne:
    """The app at #1 in a chart's latest snapshot."""

    key: ChartKey
    captured_at: datetime
    simulated: bool
    app_id: str
    name: str
    developer: str | None


# Per chart, its latest snapshot by a backward seek on ix_snapshot_chart_time, then rank 1 of
# that ranking: one statement for every chart, however long the history.
_NUMBER_ONES_SQL = """
SELECT c.id AS chart_id, s.captured_at, s.simulated, a.id AS app, a.store_id, a.name,
       a.developer
FROM chart c
JOIN snapshot s ON s.id = (
    SELECT s2.id FROM snapshot s2 WHERE s2.chart_id = c.id {at_clause}
    ORDER BY s2.captured_at DESC, s2.id DESC LIMIT 1)
JOIN ranking_entry e ON e.ranking_id = s.ranking_id AND e.rank = 1
JOIN app a ON a.id = e.app_id
WHERE c.id IN :charts
"""


def number_ones(
    engine: Engine, keys: Sequence[ChartKey], at: datetime | None = None
) -> list[NumberOne]:
    """The #1 of each of `keys` that has a snapshot (its latest at or before `at`, when given),
    in the order of `keys`, named as its storefront lists the app now."""
    with read_connection(engine) as conn:
        ids = find_chart_ids(conn, keys)
        if not ids:
            return []
        at_clause = "" if at is None else "AND s2.captured_at <= :at"
        statement = text(_NUMBER_ONES_SQL.format(at_clause=at_clause)).bindparams(
            bindparam("charts", expanding=True)
        )
        params: dict[str, object] = {"charts": list(ids.values())}
        if at is not None:
            params["at"] = to_epoch(at)
        rows = {r.chart_id: r for r in conn.execute(statement, params)}
        names = read_names(
            conn, [(k.source, k.country) for k in ids], [r.app for r in rows.values()]
        )
    out = []
    for key in keys:
        row = rows.get(ids.get(key, -1))
        if row is None:
            continue
        name, developer = names.latest((key.source, key.country), row.app) or (
            row.name,
            row.developer,
        )
        captured = _dt(row.captured_at)
        assert captured is not None  # a snapshot row always has its time
        out.append(NumberOne(key, captured, bool(row.simulated), row.store_id, name, developer))
    return out


# One probe of the partial index ix_snapshot_simulated per chart (it holds only simulated
# snapshots), so a real history pays nothing for the question.
_SIMULATED_SQL = """
SELECT c.id FROM chart c
WHERE c.id IN ({charts}) AND EXISTS (
  SELECT 1 FROM snapshot s
  WHERE s.chart_id = c.id AND s.simulated AND s.captured_at >= :lo AND s.captured_at <= :hi)
"""


def simulated_charts(conn: Connection, chart_ids: Sequence[int], lo: int, hi: int) -> set[int]:
    """Which of these charts have a simulated snapshot captured in [lo, hi] (epoch seconds)."""
    if not chart_ids:
        return set()
    charts = ", ".join(str(int(c)) for c in chart_ids)
    statement = text(_SIMULATED_SQL.format(charts=charts))
    return {row[0] for row in conn.execute(statement, {"lo": lo, "hi": hi})}


@dataclass(frozen=True, slots=True)
class ChartStatus:
    key: ChartKey
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    failing_since: datetime | None
    snapshots: int
    failures: int = 0  # failed attempts since the last success (every attempt, if none)


# Per chart, each figure by a seek on ix_snapshot_chart_time or ix_fetch_attempt_chart_time:
# one plain statement (no per-chart queries, nothing for SQLAlchemy to compile at start-up).
_STATUS_SQL = """
SELECT t.*,
  (SELECT min(a.started_at) FROM fetch_attempt a
   WHERE a.chart_id = t.id AND a.outcome <> 'ok' AND a.started_at > t.last_ok) AS failing_since,
  (SELECT a.error FROM fetch_attempt a WHERE a.id = t.last_failure) AS last_error,
  (SELECT a.started_at FROM fetch_attempt a WHERE a.id = t.last_failure) AS last_error_at,
  (SELECT count(*) FROM fetch_attempt a WHERE a.chart_id = t.id AND a.outcome <> 'ok'
   AND a.started_at > coalesce(t.last_ok, -1)) AS failures
FROM (
  SELECT c.id, c.source, c.country, c.kind, c.category, c.device,
    (SELECT max(s.captured_at) FROM snapshot s WHERE s.chart_id = c.id) AS last_snapshot,
    (SELECT count(*) FROM snapshot s WHERE s.chart_id = c.id) AS snapshots,
    (SELECT max(a.started_at) FROM fetch_attempt a WHERE a.chart_id = c.id) AS last_attempt,
    (SELECT min(a.started_at) FROM fetch_attempt a WHERE a.chart_id = c.id) AS first_attempt,
    (SELECT max(a.started_at) FROM fetch_attempt a
     WHERE a.chart_id = c.id AND a.outcome = 'ok') AS last_ok,
    (SELECT max(a.id) FROM fetch_attempt a
     WHERE a.chart_id = c.id AND a.outcome <> 'ok') AS last_failure
  FROM chart c
) t
"""


def chart_status(engine: Engine, keys: Sequence[ChartKey]) -> list[ChartStatus]:
    """Per chart: last success, last attempt, last error, failing since, snapshot count."""
    with read_connection(engine) as conn:
        rows = {chart_key(r): r for r in conn.execute(text(_STATUS_SQL))}
    out = []
    for key in keys:
        row = rows.get(key)
        if row is None:
            out.append(ChartStatus(key, None, None, None, None, None, 0))
            continue
        out.append(
            ChartStatus(
                key=key,
                # The wall-clock time of the last successful fetch: a simulator's snapshots
                # carry its clock, which says nothing about whether the daemon is alive.
                last_success_at=_dt(row.last_ok if row.last_ok is not None else row.last_snapshot),
                last_attempt_at=_dt(row.last_attempt),
                last_error=row.last_error,
                last_error_at=_dt(row.last_error_at),
                # Failing since the first failure after the last success; never a success:
                # since the first attempt.
                failing_since=_dt(
                    row.failing_since if row.last_ok is not None else row.first_attempt
                ),
                snapshots=row.snapshots,
                failures=row.failures,
            )
        )
    return out
