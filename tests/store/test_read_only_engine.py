"""`open_engine(url, read_only=True)`: the web server's engine reads and can never write, on a
file it could write (SQLite `mode=ro`) and on PostgreSQL (read-only transactions), beside the
daemon's writing engine on the same database."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.query.story import CHATGPT, build_story
from tracker.errors import StoreError
from tracker.store.engine import open_engine, read_connection, read_only_reason, write_transaction

COUNT = "SELECT count(*) FROM snapshot"
WRITE = "UPDATE app SET name = 'changed' WHERE store_id = :id"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_read_only_sqlite_engine_reads_and_refuses_every_write(tmp_path: Path) -> None:
    db = tmp_path / "apprank.db"
    url = f"sqlite:///{db}"
    build_story(open_engine(url))
    before = digest(db)
    reader = open_engine(url, read_only=True)
    with read_connection(reader) as conn:
        assert conn.execute(text(COUNT)).scalar() == 10
    refused = pytest.raises(StoreError, match=r"attempt to write a readonly database \(database ")
    with refused, write_transaction(reader) as conn:
        conn.execute(text(WRITE), {"id": CHATGPT})
    # Not a read-only medium: no "cannot be written" note for the commands that print one.
    assert read_only_reason(reader) is None
    assert digest(db) == before
    # The writer's engine on the same URL is another engine, and still writes.
    with write_transaction(open_engine(url)) as conn:
        assert conn.execute(text(WRITE), {"id": CHATGPT}).rowcount == 1


def test_a_read_only_engine_never_creates_a_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"^no database at .*missing\.db; make one"):
        open_engine(f"sqlite:///{tmp_path / 'missing.db'}", read_only=True)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.postgres
def test_a_read_only_postgresql_engine_refuses_writes(pg_url: str) -> None:
    build_story(open_engine(pg_url))
    reader = open_engine(pg_url, read_only=True)
    for _ in range(2):  # a pooled connection handed out again is still read-only
        with read_connection(reader) as conn:
            assert conn.execute(text(COUNT)).scalar() == 10
        refused = pytest.raises(StoreError, match="read-only transaction")
        with refused, write_transaction(reader) as conn:
            conn.execute(text(WRITE), {"id": CHATGPT})
    with write_transaction(open_engine(pg_url)) as conn:
        assert conn.execute(text(WRITE), {"id": CHATGPT}).rowcount == 1
