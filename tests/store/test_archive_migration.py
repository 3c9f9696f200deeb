"""Migration 0006 (the raw archive) on a database with data, on SQLite and PostgreSQL: every
row stays, every stored snapshot and attempt reads "not archived", and new fetches archive."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.store import migrate
from tracker.store.archive import body_of, snapshot_at
from tracker.store.engine import open_engine
from tracker.store.writer import Attempt, SnapshotWriter

KEY = ChartKey("apple", "us", "top-free")
ROWS = (
    "INSERT INTO app (id, store, store_id, name, developer) "
    "VALUES (1, 'apple', '6737597349', 'DeepSeek', 'DeepSeek')",
    "INSERT INTO chart (id, source, country, kind, category, device) "
    "VALUES (1, 'apple', 'us', 'top-free', 'all', 'iphone')",
    "INSERT INTO ranking (id, digest, size) VALUES (1, :digest, 1)",
    "INSERT INTO ranking_entry (ranking_id, rank, app_id) VALUES (1, 1, 1)",
    "INSERT INTO snapshot (id, chart_id, captured_at, feed_updated_at, depth_requested, "
    "depth_returned, ranking_id, slot, simulated) VALUES "
    "(1, 1, 1737975600, NULL, 100, 1, 1, NULL, false), "
    "(2, 1, 1737979200, 1737979000, 100, 1, 1, 1737979200, false)",
    "INSERT INTO fetch_attempt (id, chart_id, started_at, duration_ms, outcome, http_status, "
    "error, url, snapshot_id) VALUES (1, 1, 1737975600, 12, 'ok', 200, NULL, 'u', 1), "
    "(2, 1, 1737979000, 9, 'format', 200, 'bad', 'u', NULL)",
)


def test_0006_keeps_every_row_and_archives_from_then_on(db_url: str) -> None:
    engine = open_engine(db_url, check=False)
    with engine.connect() as conn:
        command.upgrade(migrate.alembic_config(conn), "0005")
        conn.commit()
    with engine.begin() as conn:
        for statement in ROWS:
            conn.execute(text(statement), {"digest": bytes(range(16))})
        if conn.dialect.name == "postgresql":  # the rows above chose their ids
            for table in ("app", "chart", "ranking", "snapshot", "fetch_attempt"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 10)"))
    assert migrate.upgrade(engine) == ("0005", migrate.HEAD)
    with engine.connect() as conn:
        snapshots = conn.execute(
            text("SELECT id, captured_at, slot, payload_id FROM snapshot ORDER BY id")
        ).all()
        assert [tuple(r) for r in snapshots] == [
            (1, 1737975600, None, None),
            (2, 1737979200, 1737979200, None),
        ]
        attempts = conn.execute(
            text("SELECT id, outcome, snapshot_id, payload_id FROM fetch_attempt ORDER BY id")
        ).all()
        assert [tuple(r) for r in attempts] == [(1, "ok", 1, None), (2, "format", None, None)]
        assert conn.execute(text("SELECT count(*) FROM payload")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM ranking_entry")).scalar() == 1
    engine = open_engine(db_url)
    old = snapshot_at(engine, KEY)
    assert old is not None and (old.snapshot_id, old.payload_id) == (2, None)
    # The upgraded database archives what it fetches next, next to the unarchived history.
    at = datetime(2025, 1, 27, 13, tzinfo=UTC)
    snap = ChartSnapshot(ChartRequest(KEY, 100), (ChartEntry(1, "6737597349", "DeepSeek"),), None)
    SnapshotWriter(engine).save(snap, at, Attempt(at, 3, "ok", 200, body=b'{"feed": 1}'))
    new = snapshot_at(engine, KEY)
    assert new is not None and new.payload_id is not None
    assert body_of(engine, new.payload_id) == b'{"feed": 1}'
