"""The write path: snapshots stored exactly, rankings deduplicated, failures never ranks."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.conftest import REAL, real_fixture
from tracker.fetch.sources import SOURCES
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.store.engine import open_engine
from tracker.store.reads import chart_status, latest_chart
from tracker.store.writer import Attempt, SnapshotWriter

T0 = datetime(2025, 1, 27, 12, 0, tzinfo=UTC)
KEY = ChartKey("apple", "us", "top-free")


def snapshot(*ids: str, key: ChartKey = KEY, names: dict[str, str] | None = None) -> ChartSnapshot:
    entries = tuple(
        ChartEntry(rank, app_id, (names or {}).get(app_id, f"App {app_id}"), "Dev")
        for rank, app_id in enumerate(ids, start=1)
    )
    return ChartSnapshot(ChartRequest(key, 100), entries, T0 - timedelta(minutes=5))


def ok(at: datetime = T0) -> Attempt:
    return Attempt(at, 120, "ok", 200, None, "http://feed")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "apprank.db"


@pytest.fixture
def writer(db: Path) -> SnapshotWriter:
    return SnapshotWriter(open_engine(f"sqlite:///{db}"))


def count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.mark.parametrize("name", sorted(p.name for p in REAL.glob("*.json")))
def test_each_real_capture_is_stored_and_read_back_exactly(
    name: str, writer: SnapshotWriter
) -> None:
    source = SOURCES["apple" if name.startswith("v2") else "itunes"]
    country = name.split("-")[1]
    chart = "top-grossing" if "grossing" in name else "top-paid" if "paid" in name else "top-free"
    key = ChartKey(source.name, country, chart)
    parsed = source.parse(ChartRequest(key, 100), real_fixture(name))
    writer.save(parsed, T0, ok())
    stored = latest_chart(writer.engine, key)
    assert stored is not None
    assert [(e.rank, e.app_id, e.name, e.developer) for e in stored.entries] == [
        (e.rank, e.app_id, e.name, e.developer) for e in parsed.entries
    ]
    assert stored.captured_at == T0
    assert stored.feed_updated_at == parsed.feed_updated_at


def test_unchanged_chart_adds_a_snapshot_but_no_rank_rows(writer: SnapshotWriter, db: Path) -> None:
    first = writer.save(snapshot("1", "2", "3"), T0, ok())
    second = writer.save(snapshot("1", "2", "3"), T0 + timedelta(hours=1), ok())
    assert first.new_ranking and not second.new_ranking
    assert first.ranking_id == second.ranking_id
    assert (count(db, "snapshot"), count(db, "ranking"), count(db, "ranking_entry")) == (2, 1, 3)
    writer.save(snapshot("2", "1", "3"), T0 + timedelta(hours=2), ok())
    assert (count(db, "snapshot"), count(db, "ranking"), count(db, "ranking_entry")) == (3, 2, 6)


def test_moves_are_reported_against_the_previous_snapshot(writer: SnapshotWriter) -> None:
    writer.save(snapshot("1", "2", "3"), T0, ok())
    writer.save(snapshot("3", "1", "4"), T0 + timedelta(hours=1), ok())
    top = latest_chart(writer.engine, KEY)
    assert [(e.app_id, e.previous_rank, e.change) for e in top.entries] == [
        ("3", 3, "+2"),
        ("1", 1, "-1"),
        ("4", None, "new"),
    ]
    assert top.previous_captured_at == T0


def test_failed_fetch_is_recorded_and_leaves_stored_ranks_untouched(
    writer: SnapshotWriter, db: Path
) -> None:
    writer.save(snapshot("1", "2"), T0, ok())
    before = sqlite3.connect(db).execute("SELECT * FROM ranking_entry ORDER BY 1, 2").fetchall()
    failed_at = T0 + timedelta(hours=1)
    writer.record_failure(KEY, Attempt(failed_at, 900, "http_error", 503, "HTTP 503 from x", "x"))
    after = sqlite3.connect(db).execute("SELECT * FROM ranking_entry ORDER BY 1, 2").fetchall()
    assert before == after
    assert count(db, "snapshot") == 1
    rows = (
        sqlite3.connect(db)
        .execute("SELECT outcome, http_status, error, snapshot_id FROM fetch_attempt ORDER BY id")
        .fetchall()
    )
    assert rows == [("ok", 200, None, 1), ("http_error", 503, "HTTP 503 from x", None)]
    (status,) = chart_status(writer.engine, [KEY])
    assert status.last_success_at == T0
    assert status.last_attempt_at == failed_at
    assert status.last_error == "HTTP 503 from x"
    assert status.failing_since == failed_at
    assert status.snapshots == 1


def test_recovery_clears_failing_since(writer: SnapshotWriter) -> None:
    writer.record_failure(KEY, Attempt(T0, 1, "timeout", None, "timed out", "x"))
    (status,) = chart_status(writer.engine, [KEY])
    assert (status.failing_since, status.last_success_at) == (T0, None)
    writer.save(snapshot("1"), T0 + timedelta(hours=1), ok(T0 + timedelta(hours=1)))
    (status,) = chart_status(writer.engine, [KEY])
    assert status.failing_since is None
    assert status.last_error == "timed out"


def test_app_metadata_follows_the_latest_feed(writer: SnapshotWriter, db: Path) -> None:
    writer.save(snapshot("7", names={"7": "Old name"}), T0, ok())
    writer.save(snapshot("7", names={"7": "New name"}), T0 + timedelta(hours=1), ok())
    assert sqlite3.connect(db).execute("SELECT store_id, name FROM app").fetchall() == [
        ("7", "New name")
    ]
    # a fresh writer (another process) sees the same app, and adds none
    SnapshotWriter(writer.engine).save(snapshot("7", "8"), T0 + timedelta(hours=2), ok())
    assert count(db, "app") == 2


def test_times_are_stored_as_utc_whatever_the_offset_given(
    writer: SnapshotWriter, db: Path
) -> None:
    tokyo = timezone(timedelta(hours=9))
    writer.save(snapshot("1"), datetime(2025, 1, 27, 21, 0, tzinfo=tokyo), ok())
    (captured,) = sqlite3.connect(db).execute("SELECT captured_at FROM snapshot").fetchone()
    assert captured == int(datetime(2025, 1, 27, 12, 0, tzinfo=UTC).timestamp())
    assert latest_chart(writer.engine, KEY).captured_at == datetime(2025, 1, 27, 12, 0, tzinfo=UTC)


def test_naive_times_are_refused(writer: SnapshotWriter) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        writer.save(snapshot("1"), datetime(2025, 1, 27, 12, 0), ok())


def test_sqlite_runs_in_wal_with_foreign_keys(writer: SnapshotWriter, db: Path) -> None:
    writer.save(snapshot("1"), T0, ok())
    with writer.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_a_failed_transaction_stores_nothing_and_poisons_no_cache(
    writer: SnapshotWriter, db: Path
) -> None:
    writer.save(snapshot("1"), T0, ok())
    bad = ChartSnapshot(
        ChartRequest(KEY, 100), (ChartEntry(1, "2", "X"), ChartEntry(1, "3", "Y")), None
    )
    with pytest.raises(Exception, match=r"database error: UNIQUE constraint failed"):
        writer.save(bad, T0 + timedelta(hours=1), ok())  # two rows at rank 1 violate the key
    assert (count(db, "snapshot"), count(db, "app"), count(db, "ranking_entry")) == (1, 1, 1)
    writer.save(snapshot("2", "3"), T0 + timedelta(hours=2), ok())
    assert count(db, "app") == 3
    with writer.engine.connect() as conn:  # the bulk path's relaxed checks ended with it
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_the_bulk_path_leaves_every_reference_valid(writer: SnapshotWriter, db: Path) -> None:
    # save_many skips SQLite's per-row parent look-ups; the rows must still all have parents.
    other = ChartKey("apple", "gb", "top-free")
    writer.save_many([(snapshot("1", "2"), T0, ok()), (snapshot("2", "3", key=other), T0, ok())])
    writer.save_many([(snapshot("3", "4"), T0 + timedelta(hours=1), ok())])
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute(
            "SELECT e.rank, a.store_id FROM ranking_entry e JOIN app a ON a.id = e.app_id "
            "JOIN snapshot s ON s.ranking_id = e.ranking_id WHERE s.id = 3 ORDER BY e.rank"
        ).fetchall() == [(1, "3"), (2, "4")]


def test_a_database_folder_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    from tests.conftest import run_apprank

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    url = f"sqlite:///{blocker}/sub/a.db"
    result = run_apprank("db", "upgrade", env={"APPRANK_DATABASE_URL": url})  # a writer
    assert result.code == 1
    assert result.stderr.startswith(f"Error: cannot create the folder {blocker}/sub")
    assert len(result.stderr.splitlines()) == 1
