"""Schema versions: migrations match the tables, and old databases upgrade without loss."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, text

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


# A database at 0008 with every table that 0009 touches or that points at them holding rows.
_AT_0008 = (
    "INSERT INTO app (id, store, store_id, name, developer) "
    "VALUES (1, 'apple', '6737597349', 'DeepSeek', 'DeepSeek'), (2, 'apple', '1', 'One', NULL)",
    "INSERT INTO chart (id, source, country, kind, category, device) "
    "VALUES (1, 'apple', 'us', 'top-free', 'all', 'iphone')",
    "INSERT INTO ranking (id, digest, size) VALUES (1, :digest, 2)",
    "INSERT INTO ranking_entry (ranking_id, rank, app_id) VALUES (1, 1, 1), (1, 2, 2)",
    "INSERT INTO snapshot (id, chart_id, captured_at, depth_requested, depth_returned, "
    "ranking_id, simulated) VALUES (1, 1, 1737975600, 100, 2, 1, false)",
    "INSERT INTO fetch_attempt (id, chart_id, started_at, duration_ms, outcome, snapshot_id) "
    "VALUES (1, 1, 1737975600, 12, 'ok', 1)",
    "INSERT INTO app_listing (id, app_id, source, country, valid_from, snapshot_id, name, "
    "developer) VALUES (1, 1, 'apple', 'us', 1737975600, 1, 'DeepSeek', 'DeepSeek'), "
    "(2, 2, 'apple', 'us', 1737975600, 1, 'One', NULL)",
)
_TABLES_0009 = ("app", "chart", "ranking_entry", "snapshot", "fetch_attempt", "app_listing")


def _every_row(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1, 2"))]
            for t in _TABLES_0009
        }


def test_0009_keeps_every_row_and_stores_play_apps_from_then_on(db_url: str) -> None:
    engine = open_engine(db_url, check=False)
    with engine.connect() as conn:
        command.upgrade(migrate.alembic_config(conn), "0008")
        conn.commit()
    with engine.begin() as conn:
        for statement in _AT_0008:
            conn.execute(text(statement), {"digest": bytes(range(16))})
        if conn.dialect.name == "postgresql":  # the rows above chose their ids
            for table in ("app", "chart", "ranking", "snapshot", "fetch_attempt", "app_listing"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 10)"))
    before = _every_row(engine)
    assert migrate.upgrade(engine) == ("0008", migrate.HEAD)
    after = _every_row(engine)
    unpriced = (None, None, None, None)  # price_micros, currency, rating, installs
    assert after == {
        **before,
        "app": [(*row, *unpriced) for row in before["app"]],
        "app_listing": [(*row, *unpriced) for row in before["app_listing"]],
    }
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":  # the copy of `app` left every reference whole
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    at = T0 + timedelta(days=1)
    apple = ChartSnapshot(
        ChartRequest(ChartKey("apple", "us", "top-free"), 100),
        (ChartEntry(1, "6737597349", "DeepSeek", "DeepSeek"), ChartEntry(2, "1", "One")),
        None,
    )
    longest = "com." + "a" * 146  # Google Play takes package names of up to 150 characters
    play = ChartSnapshot(
        ChartRequest(ChartKey("googleplay", "us", "top-paid", "all", "phone"), 100),
        (ChartEntry(1, longest, "Long", "Dev", price_micros=990_000, currency="USD"),),
        None,
    )
    writer.save_many([(apple, at, Attempt(at, 5, "ok", 200)), (play, at, Attempt(at, 5, "ok"))])
    rows = _every_row(engine)
    assert rows["app"][2][1:4] == ("googleplay", longest, "Long")
    assert rows["app"][2][-4:] == (990_000, "USD", None, None)
    # The Apple apps showed what their listings say: no row for them; one for the new app.
    assert rows["app_listing"][:2] == after["app_listing"]
    assert len(rows["app_listing"]) == 3


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
