"""Schema versions: migrations match the tables, and old databases upgrade without loss."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from tests.conftest import run_apprank
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.store import migrate
from tracker.store.engine import open_engine
from tracker.store.writer import Attempt, SnapshotWriter

T0 = datetime(2025, 1, 27, tzinfo=UTC)


def test_code_head_is_the_newest_migration() -> None:
    assert migrate.script_head() == migrate.HEAD


def test_migrations_build_exactly_the_tables_the_code_uses(db_url: str) -> None:
    engine = open_engine(db_url, check=False)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}),
            migrate.target_metadata(),
        )
    assert diff == []


def test_a_new_database_is_created_at_head(db_url: str) -> None:
    engine = open_engine(db_url)
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.HEAD


def _history(engine, hours: int = 5) -> None:
    writer = SnapshotWriter(engine)
    key = ChartKey("apple", "us", "top-free")
    for hour in range(hours):
        ids = [str(1000 + (hour + i) % 7) for i in range(5)]
        entries = tuple(ChartEntry(r, a, f"App {a}", "Dev") for r, a in enumerate(ids, 1))
        at = T0 + timedelta(hours=hour)
        writer.save(ChartSnapshot(ChartRequest(key, 5), entries, at), at, Attempt(at, 5, "ok", 200))


def test_database_at_the_first_migration_upgrades_without_loss(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    url = f"sqlite:///{db}"
    engine = create_engine(url)
    with engine.connect() as conn:
        command.upgrade(migrate.alembic_config(conn), "0001")
        conn.commit()
    # Fill it through the first schema's tables, as apprank 0001 would have.
    with sqlite3.connect(db) as raw:
        raw.execute(
            "INSERT INTO app VALUES (1, 'apple', '6737597349', 'DeepSeek', 'DeepSeek', "
            "NULL, NULL, NULL, NULL, NULL)"
        )
        raw.execute("INSERT INTO chart VALUES (1, 'apple', 'us', 'top-free', 'all', 'iphone')")
        raw.execute("INSERT INTO ranking VALUES (1, x'00112233445566778899aabbccddeeff', 1)")
        raw.execute("INSERT INTO ranking_entry VALUES (1, 1, 1)")
        raw.execute("INSERT INTO snapshot VALUES (1, 1, 1737975600, NULL, 100, 1, 1, NULL)")
        raw.execute(
            "INSERT INTO fetch_attempt VALUES (1, 1, 1737975600, 12, 'ok', 200, NULL, 'u', 1)"
        )
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{url}"\n[[track]]\ncountries = ["us"]\n')

    refused = run_apprank("top", "-c", config)
    assert refused.code == 2
    assert refused.stderr == (
        f"Error: the database at {db} is at schema revision 0001, this apprank needs "
        f"{migrate.HEAD}: run `apprank db upgrade`\n"
    )
    assert run_apprank("db", "current", "-c", config).stdout == (
        f"0001 (this apprank needs {migrate.HEAD}: run `apprank db upgrade`)\n"
    )
    upgraded = run_apprank("db", "upgrade", "-c", config)
    assert (upgraded.code, upgraded.stdout) == (0, f"upgraded from 0001 to {migrate.HEAD}\n")
    assert run_apprank("db", "upgrade", "-c", config).stdout == f"already at {migrate.HEAD}\n"
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT * FROM app").fetchall() == [
            # 0009: no price, currency, rating or install count (the App Store serves none)
            (1, "apple", "6737597349", "DeepSeek", "DeepSeek", *[None] * 9)
        ]
        assert raw.execute("SELECT * FROM snapshot").fetchall() == [
            (1, 1, 1737975600, None, 100, 1, 1, None, 0, None)  # 0005: real; 0006: no payload
        ]
        assert raw.execute("SELECT * FROM ranking_entry").fetchall() == [(1, 1, 1)]
        assert raw.execute("SELECT count(*) FROM fetch_attempt").fetchone() == (1,)
    top = run_apprank("top", "-c", config, "--csv")
    assert top.code == 0
    assert top.stdout.splitlines()[:2] == [
        "rank,previous_rank,change,app_id,name,developer",
        "1,,,6737597349,DeepSeek,DeepSeek",  # the only snapshot: no previous rank, no change
    ]


def test_a_schema_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    engine = open_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    config = tmp_path / "c.toml"
    config.write_text(f'[database]\nurl = "{url}"\n')
    result = run_apprank("status", "-c", config)
    assert result.code == 1
    assert "revision 9999, unknown to this apprank" in result.stderr
