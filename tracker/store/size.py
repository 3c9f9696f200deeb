"""How many bytes the database takes (`apprank_database_size_bytes` on the daemon's /metrics)."""

from __future__ import annotations

from sqlalchemy import Engine, text

from tracker.store.engine import read_connection


def database_size(engine: Engine) -> int:
    """The database's size in bytes: SQLite's pages in use plus free ones (the main file; the
    WAL is kept small, docs/architecture.md), PostgreSQL's `pg_database_size`. StoreError when
    it cannot be read."""
    with read_connection(engine) as conn:
        if engine.dialect.name == "sqlite":
            pages = conn.execute(text("PRAGMA page_count")).scalar_one()
            size = conn.execute(text("PRAGMA page_size")).scalar_one()
            return int(pages) * int(size)
        return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
