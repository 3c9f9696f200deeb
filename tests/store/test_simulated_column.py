"""Migration 0005 and the write path of `snapshot.simulated`, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.store import migrate
from tracker.store.engine import open_engine
from tracker.store.reads import latest_chart, simulated_charts
from tracker.store.writer import Attempt, SnapshotWriter

T0 = datetime(2025, 1, 27, tzinfo=UTC)
KEY = ChartKey("apple", "us", "top-free")


def _snapshot(simulated: bool, app: str = "6737597349") -> ChartSnapshot:
    entries = (ChartEntry(1, app, "DeepSeek", "DeepSeek"),)
    return ChartSnapshot(ChartRequest(KEY, 100), entries, None, simulated=simulated)


def test_0005_keeps_every_stored_snapshot_and_marks_it_real(db_url: str) -> None:
    engine = open_engine(db_url, check=False)
    with engine.connect() as conn:
        command.upgrade(migrate.alembic_config(conn), "0004")
        conn.commit()
    with engine.begin() as conn:
        for statement in (
            "INSERT INTO app (id, store, store_id, name, developer) "
            "VALUES (1, 'apple', '6737597349', 'DeepSeek', 'DeepSeek')",
            "INSERT INTO chart (id, source, country, kind, category, device) "
            "VALUES (1, 'apple', 'us', 'top-free', 'all', 'iphone')",
            "INSERT INTO ranking (id, digest, size) VALUES (1, :digest, 1)",
            "INSERT INTO ranking_entry (ranking_id, rank, app_id) VALUES (1, 1, 1)",
            "INSERT INTO snapshot (id, chart_id, captured_at, feed_updated_at, depth_requested, "
            "depth_returned, ranking_id, slot) VALUES (1, 1, 1737975600, NULL, 100, 1, 1, NULL), "
            "(2, 1, 1737979200, 1737979000, 100, 1, 1, 1737979200)",
        ):
            conn.execute(text(statement), {"digest": bytes(range(16))})
        if conn.dialect.name == "postgresql":  # the rows above chose their ids
            for table in ("app", "chart", "ranking", "snapshot"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 10)"))
    assert migrate.upgrade(engine) == ("0004", migrate.HEAD)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, chart_id, captured_at, feed_updated_at, depth_requested, "
                "depth_returned, ranking_id, slot, simulated FROM snapshot ORDER BY id"
            )
        ).all()
        assert [tuple(r) for r in rows] == [
            (1, 1, 1737975600, None, 100, 1, 1, None, False),
            (2, 1, 1737979200, 1737979000, 100, 1, 1, 1737979200, False),
        ]
        assert conn.execute(text("SELECT count(*) FROM ranking_entry")).scalar() == 1
    # The upgraded database takes simulated snapshots next to the real ones.
    writer = SnapshotWriter(open_engine(db_url))
    at = datetime(2025, 1, 27, 13, tzinfo=UTC)  # after the stored two (11:00 and 12:00)
    writer.save(_snapshot(True), at, Attempt(at, 3, "ok", 200))
    with engine.connect() as conn:
        flags = conn.execute(text("SELECT id, simulated FROM snapshot ORDER BY id")).all()
        assert [tuple(r)[1] for r in flags] == [False, False, True]
        assert simulated_charts(conn, [1], 1737975600, 1737979200) == set()
        assert simulated_charts(conn, [1], 1737975600, int(at.timestamp())) == {1}
    top = latest_chart(engine, KEY)
    assert top is not None and top.simulated is True
    migrate.upgrade(engine, "0004")  # and back down, without losing a snapshot
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM snapshot")).scalar() == 3


def test_the_flag_is_one_value_per_snapshot_on_both_write_paths(db_url: str) -> None:
    writer = SnapshotWriter(open_engine(db_url))
    at = [datetime.fromtimestamp(int(T0.timestamp()) + 3600 * h, UTC) for h in range(3)]
    # One batch mixing both kinds, then one alone: the bulk and the single path.
    writer.save_many(
        [
            (_snapshot(False), at[0], Attempt(at[0], 3, "ok", 200)),
            (_snapshot(True, "6448311069"), at[1], Attempt(at[1], 3, "ok", 200)),
        ]
    )
    writer.save(_snapshot(False), at[2], Attempt(at[2], 3, "ok", 200))
    with writer.engine.connect() as conn:
        rows = conn.execute(text("SELECT captured_at, simulated FROM snapshot ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [
        (int(at[0].timestamp()), False),
        (int(at[1].timestamp()), True),
        (int(at[2].timestamp()), False),
    ]
    top = latest_chart(writer.engine, KEY)
    assert top is not None and top.simulated is False


def test_db_copy_keeps_the_flag(tmp_path, db_url: str) -> None:
    from tracker.store.copy import copy_history

    source = open_engine(f"sqlite:///{tmp_path / 'source.db'}")
    writer = SnapshotWriter(source)
    for hour, simulated in ((0, False), (1, True)):
        at = datetime.fromtimestamp(int(T0.timestamp()) + 3600 * hour, UTC)
        writer.save(_snapshot(simulated), at, Attempt(at, 3, "ok", 200))
    copy_history(source, open_engine(db_url))
    with open_engine(db_url).connect() as conn:
        rows = conn.execute(text("SELECT captured_at, simulated FROM snapshot ORDER BY 1")).all()
    assert [tuple(r) for r in rows] == [(1737936000, False), (1737939600, True)]
