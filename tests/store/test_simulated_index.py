"""The partial index ix_snapshot_simulated exists in new and upgraded databases alike.

It is not declared on the model (its `postgresql_where` would load the PostgreSQL dialect in
every process) but added by schema.with_simulated_index() for create_all and migrations.
"""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, text

from tracker.store import migrate
from tracker.store.engine import open_engine

INDEX_SQL = {
    "sqlite": "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name",
    "postgresql": "SELECT indexdef FROM pg_indexes WHERE indexname = :name",
}


def _definition(engine: Engine) -> str | None:
    with engine.connect() as conn:
        found = conn.execute(
            text(INDEX_SQL[engine.dialect.name]), {"name": "ix_snapshot_simulated"}
        ).scalar()
    return None if found is None else " ".join(str(found).split())


def _expected(engine: Engine) -> str:
    if engine.dialect.name == "postgresql":
        return (
            "CREATE INDEX ix_snapshot_simulated ON public.snapshot USING btree "
            "(chart_id, captured_at) WHERE simulated"
        )
    return "CREATE INDEX ix_snapshot_simulated ON snapshot (chart_id, captured_at) WHERE simulated"


def test_a_new_database_has_the_partial_index(db_url: str) -> None:
    engine = open_engine(db_url)
    assert _definition(engine) == _expected(engine)


def test_db_upgrade_from_0004_adds_the_partial_index(db_url: str) -> None:
    engine = open_engine(db_url, check=False)
    with engine.connect() as conn:
        command.upgrade(migrate.alembic_config(conn), "0004")
        conn.commit()
    assert _definition(engine) is None
    assert migrate.upgrade(engine) == ("0004", migrate.HEAD)
    assert _definition(engine) == _expected(engine)
