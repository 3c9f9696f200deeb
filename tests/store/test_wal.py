"""The SQLite WAL does not stay grown: after a reader lets go, a checkpoint and the next write
cut it back to the size limit (it grew to 108 MB beside a 30 MB database and never shrank)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from tracker.store import engine as store_engine
from tracker.store.engine import checkpoint, open_engine, write_transaction

LIMIT = 256 * 1024


def wal_size(db: Path) -> int:
    wal = db.with_name(db.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_a_grown_wal_is_cut_back_after_a_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_engine, "WAL_SIZE_LIMIT", LIMIT)
    db = tmp_path / "apprank.db"
    engine = open_engine(f"sqlite:///{db}")

    def write(blobs: int) -> None:
        with write_transaction(engine) as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS filler (x BLOB)"))
            for _ in range(blobs):
                conn.execute(text("INSERT INTO filler VALUES (randomblob(100000))"))

    write(1)
    reader = sqlite3.connect(db, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM filler").fetchone()  # holds its snapshot
    for _ in range(10):
        write(5)  # automatic checkpoints cannot pass the reader: the WAL grows
    grown = wal_size(db)
    assert grown > 4_000_000
    reader.execute("COMMIT")
    reader.close()
    checkpoint(engine)
    write(1)  # the next write starts the WAL over, cut to the limit
    assert wal_size(db) <= LIMIT
    with engine.connect() as conn:  # nothing was lost on the way
        assert conn.execute(text("SELECT count(*) FROM filler")).scalar_one() == 52
    engine.dispose()


def test_checkpoint_is_nothing_on_postgresql(pg_url: str) -> None:
    engine = open_engine(pg_url)
    checkpoint(engine)  # no error, no statement SQLite alone knows
    engine.dispose()
