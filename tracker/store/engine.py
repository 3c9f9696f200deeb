"""Engines: SQLite with WAL, busy timeout and foreign keys; PostgreSQL through psycopg 3."""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from tracker.errors import StoreError

BUSY_TIMEOUT_MS = 10_000
# One engine per URL per process: pools are shared and the schema is checked once.
_ENGINES: dict[str, Engine] = {}
_CHECKED: set[str] = set()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def open_engine(url: str, *, create: bool = True, check: bool = True) -> Engine:
    """The engine for `url`; the schema is created on first use and checked to be current."""
    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = _new_engine(url, create=create)
    if check and url not in _CHECKED:
        ensure_schema(engine)
        _CHECKED.add(url)
    return engine


def _new_engine(url: str, *, create: bool) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"invalid database URL {url!r}") from None
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            folder = Path(database).expanduser().resolve().parent
            if not folder.is_dir():
                if not create:
                    raise StoreError(f"no database at {database}")
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreError(
                        f"cannot create the folder {folder} for database {database}: {exc.strerror}"
                    ) from None
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000}
    try:
        engine = create_engine(url, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        hint = " (pip install 'apprank[postgres]')" if "postgres" in url else ""
        raise StoreError(f"no driver for database URL {url!r}{hint}: {exc}") from None
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def dispose_all() -> None:
    """Close every pooled connection and forget every engine this process opened."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()
    _CHECKED.clear()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" hook below emit BEGIN itself (pysqlite's legacy mode doesn't).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        with contextlib.suppress(Exception):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the lock up front: a deferred transaction that upgrades to a write fails
        # at once with "database is locked" whatever the busy timeout (reliability.md §2.2).
        immediate = conn.get_execution_options().get("immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextlib.contextmanager
def write_transaction(engine: Engine, *, check_foreign_keys: bool = True) -> Iterator[Connection]:
    """One write transaction (BEGIN IMMEDIATE on SQLite), committed on success.

    `check_foreign_keys=False` is for the bulk writer only, whose rows reference ids it has
    just read or created in the same transaction: SQLite would otherwise look up both parents
    of every rank row, about a sixth of a cycle's ingest time. PostgreSQL always checks.
    """
    with translate_errors(), engine.connect() as conn:
        relaxed = not check_foreign_keys and conn.dialect.name == "sqlite"
        if relaxed:  # a no-op inside a transaction, so it goes before BEGIN
            conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
        try:
            conn = conn.execution_options(immediate=True)
            with conn.begin():
                yield conn
        finally:
            if relaxed:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys = ON")


@contextlib.contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    with translate_errors(), engine.connect() as conn:
        yield conn


def _driver_errors() -> tuple[type[BaseException], ...]:
    # psycopg is looked up, not imported: a process that never loaded it (every SQLite
    # command) cannot have a psycopg error, and importing it costs each command ~0.1 s.
    errors: list[type[BaseException]] = [sqlite3.Error]
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None:
        errors.append(psycopg.Error)
    return tuple(errors)


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    """Database errors, from SQLAlchemy or a raw driver call, become one-line StoreErrors."""
    try:
        yield
    except (SQLAlchemyError, *_driver_errors()) as exc:
        raise StoreError(f"database error: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    lines = str(orig or exc).splitlines()
    return lines[0] if lines else type(exc).__name__


def ensure_schema(engine: Engine) -> None:
    """Create the schema in a new database; refuse an outdated one ("run apprank db upgrade")."""
    from tracker.store.migrate import check_schema

    with translate_errors():
        check_schema(engine)
