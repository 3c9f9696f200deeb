"""`apprank db copy`: a whole history moved between databases, resumable, counts verified."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from tests.conftest import run_apprank
from tracker.sources import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.store import Attempt, SnapshotWriter, open_engine
from tracker.store.copy import TABLES, copy_history
from tracker.store.migrate import target_metadata
from tracker.store.reads import latest_chart

T0 = datetime(2025, 1, 20, tzinfo=UTC)


def build_history(url: str, hours: int = 30) -> SnapshotWriter:
    writer = SnapshotWriter(open_engine(url))
    for hour in range(hours):
        at = T0 + timedelta(hours=hour)
        for country in ("us", "gb", "jp"):
            key = ChartKey("apple", country, "top-free")
            ids = [str(6000000000 + (hour // 3 + i * 7) % 40) for i in range(25)]
            entries = tuple(
                ChartEntry(r, a, f'App, "{a}"\n=名前', "Dev") for r, a in enumerate(ids, 1)
            )
            snap = ChartSnapshot(ChartRequest(key, 25), entries, at - timedelta(minutes=3))
            writer.save(snap, at, Attempt(at, 40, "ok", 200, None, "u"))
        writer.record_failure(key, Attempt(at, 9, "timeout", None, "timed out", "u"))
    return writer


def counts(url: str) -> dict[str, int]:
    engine = open_engine(url)
    with engine.connect() as conn:
        return {
            name: conn.execute(
                select(func.count()).select_from(target_metadata().tables[name])
            ).scalar()
            for name in TABLES
        }


def dump(url: str) -> dict[str, list[tuple]]:
    engine = open_engine(url)
    out = {}
    with engine.connect() as conn:
        for name in TABLES:
            table = target_metadata().tables[name]
            out[name] = [
                tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))
            ]
    return out


def test_sqlite_to_postgresql_copies_everything_exactly(tmp_path: Path, pg_url: str) -> None:
    source = f"sqlite:///{tmp_path / 'a.db'}"
    build_history(source)
    results = copy_history(open_engine(source), open_engine(pg_url), batch=50)
    assert {r.table: (r.source_rows, r.destination_rows) for r in results} == {
        name: (n, n) for name, n in counts(source).items()
    }
    assert dump(pg_url) == dump(source)
    # new writes on PostgreSQL get fresh ids after the copied ones
    writer = SnapshotWriter(open_engine(pg_url))
    at = T0 + timedelta(days=5)
    snap = ChartSnapshot(
        ChartRequest(ChartKey("apple", "us", "top-free"), 2), (ChartEntry(1, "99", "New"),), None
    )
    saved = writer.save(snap, at, Attempt(at, 1, "ok", 200))
    assert saved.snapshot_id == counts(source)["snapshot"] + 1
    assert latest_chart(writer.engine, ChartKey("apple", "us", "top-free")).entries[0].name == "New"


def test_interrupted_copy_resumes_without_duplicates(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'a.db'}"
    target = f"sqlite:///{tmp_path / 'b.db'}"
    build_history(source, hours=12)
    destination = open_engine(target)
    copy_history(open_engine(source), destination, batch=40)
    # simulate an interruption: drop the tail of three tables
    with destination.begin() as conn:
        conn.execute(text("DELETE FROM fetch_attempt WHERE id > 10"))
        conn.execute(
            text(
                "DELETE FROM snapshot WHERE id > 20 AND id NOT IN "
                "(SELECT snapshot_id FROM fetch_attempt WHERE snapshot_id IS NOT NULL)"
            )
        )
        conn.execute(
            text(
                "DELETE FROM ranking_entry WHERE rank > 3 AND "
                "ranking_id = (SELECT max(ranking_id) FROM ranking_entry)"
            )
        )
    config = tmp_path / "c.toml"
    config.write_text(f'[database]\nurl = "{source}"\n')
    result = run_apprank("db", "copy", "-c", config, "--to", target, "--json")
    assert result.code == 0, result.stderr
    report = {r["table"]: r for r in json.loads(result.stdout)}
    assert report["fetch_attempt"]["copied"] == counts(source)["fetch_attempt"] - 10
    assert all(r["destination_rows"] == r["source_rows"] for r in report.values())
    assert dump(target) == dump(source)


def test_copy_to_an_unreachable_database_fails_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "a.db"}"\n')
    result = run_apprank(
        "db", "copy", "-c", config, "--to", "postgresql+psycopg://nobody@127.0.0.1:1/x"
    )
    assert result.code == 1
    assert result.stderr.startswith("Error: database error: ")
    assert len(result.stderr.splitlines()) == 1
