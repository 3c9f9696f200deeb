"""tracker/store/snapshots.py: each chart's latest snapshot, the charts a slot has, the time
bounds; their values on SQLite and PostgreSQL, and on a SQLite file, plans that seek an index
and never scan the snapshot table."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, text

from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.store.engine import open_engine, read_connection
from tracker.store.schema.views import SNAPSHOT
from tracker.store.snapshots import (
    StoredSnapshot,
    find_chart_ids,
    last_snapshot_at,
    previous_snapshot,
    ranks_in,
    snapshots_by_id,
    stored_for_slot,
    time_bounds,
)
from tracker.store.writer import Attempt, SnapshotWriter
from tracker.timeutil import to_epoch

US, GB, JP = (ChartKey("apple", cc, "top-free") for cc in ("us", "gb", "jp"))
US_PAID = ChartKey("apple", "us", "top-paid")
T = datetime(2025, 1, 27, tzinfo=UTC)
HOUR = 3600


def at(hours: float) -> datetime:
    return T + timedelta(hours=hours)


def history(engine: Engine, extra_hours: int = 0) -> SnapshotWriter:
    """US at hours 0..2 (written out of order), GB at hour 1 only, JP failed only; each snapshot
    in the daemon slot of its hour. `extra_hours` more US/GB snapshots before hour 0."""
    writer = SnapshotWriter(engine)

    def snap(key: ChartKey, hours: float) -> tuple[ChartSnapshot, datetime, Attempt]:
        entries = (ChartEntry(1, f"{key.country}1", "A"), ChartEntry(2, f"{key.country}2", "B"))
        when = at(hours)
        return ChartSnapshot(ChartRequest(key, 2), entries, when), when, Attempt(when, 5, "ok")

    older = [snap(k, -h) for h in range(extra_hours, 0, -1) for k in (US, GB)]
    items = [*older, snap(US, 2), snap(US, 0), snap(GB, 1), snap(US, 1)]
    writer.save_many(items, slots=[to_epoch(when) for _, when, _ in items])
    writer.record_failure(JP, Attempt(at(2), 5, "timeout", None, "timed out"))
    return writer


def test_latest_slot_and_bounds_per_chart(db_url: str) -> None:
    engine = open_engine(db_url)
    history(engine)
    keys = [US, GB, JP, US_PAID]
    # JP has a chart row but no snapshot; US_PAID is not in the database at all.
    assert last_snapshot_at(engine, keys) == {US: at(2), GB: at(1)}
    assert last_snapshot_at(engine, []) == {}
    assert stored_for_slot(engine, keys, to_epoch(at(1))) == {US, GB}
    assert stored_for_slot(engine, keys, to_epoch(at(2))) == {US}
    assert stored_for_slot(engine, [GB], to_epoch(at(2))) == set()
    with read_connection(engine) as conn:
        ids = find_chart_ids(conn, keys)
        assert sorted(ids, key=lambda k: k.country) == [GB, JP, US]
        assert time_bounds(conn, [ids[US], ids[GB]]) == (to_epoch(at(0)), to_epoch(at(2)))
        assert time_bounds(conn, [ids[GB]]) == (to_epoch(at(1)),) * 2
        assert time_bounds(conn, [ids[JP]]) is None
    engine.dispose()


def test_the_snapshot_before_and_the_ranks_the_alert_rules_compare(db_url: str) -> None:
    engine = open_engine(db_url)
    history(engine)
    with read_connection(engine) as conn:
        us = find_chart_ids(conn, [US])[US]
        snaps = snapshots_by_id(conn, [1, 2, 3, 4, 99])
        assert sorted(snaps) == [1, 2, 3, 4]  # 99 does not exist
        latest = snaps[1]  # written first: US at hour 2
        assert (latest.chart_id, latest.captured_at, latest.depth) == (us, at(2), 2)
        before = previous_snapshot(conn, latest)
        assert before is not None and (before.id, before.captured_at) == (4, at(1))
        first = snaps[2]
        assert previous_snapshot(conn, first) is None  # US at hour 0: the chart's first
        # At an equal time the lower id counts as the earlier snapshot.
        tie = StoredSnapshot(999, us, at(1), before.ranking_id, 2)
        assert previous_snapshot(conn, tie) == before
        ids = dict(conn.execute(select(SNAPSHOT.c.id, SNAPSHOT.c.ranking_id)).all())
        app = {r.store_id: r.id for r in conn.execute(text("SELECT id, store_id FROM app"))}
        ranks = ranks_in(conn, [ids[1], ids[3]], [app["us2"], app["gb1"]])
        assert ranks == {(ids[1], app["us2"]): 2, (ids[3], app["gb1"]): 1}
        assert ranks_in(conn, [ids[3]], [app["us1"]]) == {}  # not in GB's chart
        assert ranks_in(conn, [], [app["us1"]]) == {}
    engine.dispose()


def test_the_latest_time_is_an_aware_datetime_after_more_snapshots(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'a.db'}")
    writer = history(engine, extra_hours=30)
    entries = (ChartEntry(1, "x", "X"),)
    writer.save(ChartSnapshot(ChartRequest(GB, 1), entries, at(5)), at(5), Attempt(at(5), 5, "ok"))
    latest = last_snapshot_at(engine, [US, GB])
    assert latest == {US: at(2), GB: at(5)}
    assert all(value.tzinfo is UTC for value in latest.values())
    engine.dispose()


def plans(path: Path, statements: list[tuple[str, Any]]) -> Iterator[list[str]]:
    """SQLite's EXPLAIN QUERY PLAN of each statement (its details, one line per step)."""
    conn = sqlite3.connect(path)
    try:
        for sql, params in statements:
            rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
            yield [row[-1] for row in rows]
    finally:
        conn.close()


def captured(engine: Engine, run: Any) -> list[tuple[str, Any]]:
    """The statements (with their parameters) that reading through `run()` sends SQLite."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        if "snapshot" in sql:
            seen.append((sql, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


SCAN = re.compile(r"\bSCAN (snapshot|s)\b")


def test_each_read_seeks_an_index_of_snapshot_never_scans_it(tmp_path: Path) -> None:
    path = tmp_path / "plans.db"
    engine = open_engine(f"sqlite:///{path}")
    history(engine, extra_hours=50)
    keys = [US, GB, JP]
    with read_connection(engine) as conn:
        ids = list(find_chart_ids(conn, keys).values())

    def bounds() -> None:
        with read_connection(engine) as conn:
            time_bounds(conn, ids)

    statements = [
        *captured(engine, lambda: last_snapshot_at(engine, keys)),
        *captured(engine, lambda: stored_for_slot(engine, keys, to_epoch(at(1)))),
        *captured(engine, bounds),
    ]

    def previous() -> None:
        with read_connection(engine) as conn:
            [latest] = snapshots_by_id(conn, [1]).values()
            previous_snapshot(conn, latest)

    statements += captured(engine, previous)[1:]  # the look-up by id is by primary key
    assert len(statements) == 4
    for (sql, _), plan in zip(statements, plans(path, statements), strict=True):
        on_snapshot = [step for step in plan if re.search(r"\b(snapshot|s)\b", step)]
        assert on_snapshot, (sql, plan)
        assert not [step for step in plan if SCAN.search(step)], (sql, plan)
        for step in on_snapshot:
            assert step.startswith("SEARCH") and "INDEX" in step, (sql, plan)
    engine.dispose()


def test_the_plan_check_sees_a_scan(tmp_path: Path) -> None:
    # What last_snapshot_at used to run: one GROUP BY over the whole snapshot table.
    path = tmp_path / "scan.db"
    engine = open_engine(f"sqlite:///{path}")
    history(engine)
    grouped = select(SNAPSHOT.c.chart_id, func.max(SNAPSHOT.c.captured_at)).group_by(
        SNAPSHOT.c.chart_id
    )

    def read() -> None:
        with read_connection(engine) as conn:
            conn.execute(grouped).all()

    statements = captured(engine, read)
    engine.dispose()
    [plan] = plans(path, statements)
    assert [step for step in plan if SCAN.search(step)], plan


@pytest.mark.parametrize("count", [0, 1, 501, 1200])
def test_many_charts_are_read_in_chunks(tmp_path: Path, count: int) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'many.db'}")
    writer = SnapshotWriter(engine)
    keys = [ChartKey("apple", "us", f"kind-{i}") for i in range(count)]
    entries = (ChartEntry(1, "a", "A"),)
    items = [
        (ChartSnapshot(ChartRequest(k, 1), entries, at(i % 7)), at(i % 7), Attempt(at(0), 1, "ok"))
        for i, k in enumerate(keys)
    ]
    writer.save_many(items, slots=[i for i in range(count)])
    assert last_snapshot_at(engine, keys) == {k: at(i % 7) for i, k in enumerate(keys)}
    assert stored_for_slot(engine, keys, count - 1) == ({keys[-1]} if keys else set())
    engine.dispose()
