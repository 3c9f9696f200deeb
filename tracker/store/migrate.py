"""Schema versions: Alembic migrations for SQLite and PostgreSQL alike.

A new database gets the current tables and is stamped at the head revision. A database at an
older revision is refused with "run apprank db upgrade" (exit 2) until it is upgraded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, MetaData, inspect, text

from tracker.errors import SchemaOutdated, StoreError
from tracker.store.bulk import driver
from tracker.store.engine import MAKE_ONE, SCHEMA_HEAD, describe

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).parent / "migrations"
# The revision this code's tables match; tests/store/test_migrations.py keeps it equal to the
# newest migration, so start-up never has to parse the migration scripts.
HEAD = SCHEMA_HEAD


def target_metadata() -> MetaData:
    """Every table (tracker/store/schema/), as migrations and new databases see them."""
    import tracker.store.schema.alerts
    import tracker.store.schema.archive
    import tracker.store.schema.daemon
    import tracker.store.schema.listings  # noqa: F401
    from tracker.store.schema import charts
    from tracker.store.schema.base import metadata

    charts.with_simulated_index()
    return metadata


# Alembic is imported only where it is used: its import logs and costs on every command.


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    """The Alembic configuration of apprank's migrations; with `connection`, the one they run
    on (migrations/env.py reads it from the attributes)."""
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def script_head() -> str | None:
    return _scripts().get_current_head()


def current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def known_revisions() -> set[str]:
    return {script.revision for script in _scripts().walk_revisions()}


def check_schema(engine: Engine, *, create: bool = True) -> None:
    """Create the schema in an empty database (unless `create` is False); refuse an outdated or
    unknown one. Every refusal names the database."""
    with engine.connect() as conn:
        revision = current_revision(conn)
        if revision == HEAD:
            return
        has_tables = inspect(conn).has_table("snapshot")
    where = describe(engine.url)
    if revision is None and not has_tables:
        if not create:
            raise StoreError(f"no apprank tables in the database at {where}; {MAKE_ONE}")
        _create(engine)
        return
    if revision is None:
        raise SchemaOutdated(
            f"the database at {where} has apprank tables but no schema version; "
            "run `apprank db upgrade`"
        )
    if revision in known_revisions():
        raise SchemaOutdated(
            f"the database at {where} is at schema revision {revision}, this apprank needs "
            f"{HEAD}: run `apprank db upgrade`"
        )
    raise StoreError(
        f"the database at {where} is at schema revision {revision}, unknown to this apprank "
        f"(it knows up to {HEAD}); upgrade apprank"
    )


def _create(engine: Engine) -> None:
    with engine.connect() as conn:
        conn = conn.execution_options(immediate=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                # Daemons starting together on a new database: one creates, the others wait
                # (SQLite's BEGIN IMMEDIATE already serialises this).
                conn.execute(text("SELECT pg_advisory_xact_lock(7245117)"))
            # Someone else may have created it since we looked.
            if current_revision(conn) is not None:
                return
            target_metadata().create_all(conn)
            conn.execute(
                text(
                    "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                    "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
                )
            )
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": HEAD})


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Apply migrations up to `revision`; returns (before, after)."""
    with engine.connect() as conn, _foreign_keys_off(conn):
        before = current_revision(conn)
        if before is None and inspect(conn).has_table("snapshot"):
            raise StoreError(
                f"the database at {describe(engine.url)} has apprank tables without a schema "
                "version; cannot upgrade safely"
            )
        from alembic import command

        command.upgrade(alembic_config(conn), revision)
        _check_foreign_keys(conn, engine)
        conn.commit()
        after = current_revision(conn)
    return before, after


@contextlib.contextmanager
def _foreign_keys_off(conn: Connection) -> Iterator[None]:
    """SQLite's foreign keys off while migrations run, on again after (not SQLite: nothing).

    A batch migration copies a table, drops the original and renames the copy; dropping a table
    other rows reference fails while foreign keys are enforced, and deferring them does not help
    (the violations the drop counts stay counted). SQLite's procedure for such changes turns
    them off outside the transaction and checks them before committing
    (https://www.sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema Changes").
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = driver(conn)
    raw.execute("PRAGMA foreign_keys = OFF")  # before the first BEGIN: inside one it does nothing
    try:
        yield
    finally:
        conn.rollback()  # ends the transaction the last read began, so the next line takes effect
        raw.execute("PRAGMA foreign_keys = ON")  # the pooled connection goes back as it came


def _check_foreign_keys(conn: Connection, engine: Engine) -> None:
    if conn.dialect.name != "sqlite":
        return
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
    if broken is not None:
        conn.rollback()
        raise StoreError(
            f"the upgrade of the database at {describe(engine.url)} would leave a row of "
            f"{broken[0]} pointing at a missing row of {broken[2]}; nothing was changed"
        )
