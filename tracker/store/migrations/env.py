"""Alembic environment: runs on the connection apprank hands it (see tracker/store/migrate.py)."""

from __future__ import annotations

from alembic import context

from tracker.store.migrate import target_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=target_metadata(),
    # SQLite can't ALTER much: batch mode moves and copies tables instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
