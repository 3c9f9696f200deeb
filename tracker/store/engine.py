"""Engines: SQLite with WAL, busy timeout and foreign keys; PostgreSQL through psycopg 3.

Writers create the database (folder, file, schema) on first use. Readers (`create=False`) never
create anything: a missing database is an error naming its path, and a SQLite file apprank
cannot write (a mounted backup, a read-only bind mount) is opened read-only. A reader that must
never write whatever its rights (`read_only=True`: the web server) opens SQLite files with
`mode=ro` and PostgreSQL sessions as read-only transactions.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

from sqlalchemy import URL, Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from tracker.errors import StoreError
from tracker.text.redact import mask_text, mask_url

BUSY_TIMEOUT_MS = 10_000
# What the WAL is cut back to after a completed checkpoint (see _configure_sqlite).
WAL_SIZE_LIMIT = 16 * 1024 * 1024
MAKE_ONE = "make one with `apprank fetch` or `apprank demo`"
# The schema revision this code's tables match (migrate.HEAD; tests/store/test_migrations.py
# keeps it equal to the newest migration). Here so that checking it loads no migration code.
SCHEMA_HEAD = "0010"
# One engine per URL per process, for writers and for readers (who open it another way): pools
# are shared and the schema is checked once.
_ENGINES: dict[tuple[str, bool, str | None, bool], Engine] = {}
_CHECKED: set[str] = set()
# Engines opened read-only, and why: the commands that care say so once.
_READ_ONLY: dict[Engine, str] = {}


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def open_engine(
    url: str, *, create: bool = True, check: bool = True, read_only: bool = False
) -> Engine:
    """The engine for `url`; the schema is checked to be current.

    `create=True` (writers) creates the folder, file and schema of a new database.
    `create=False` (readers) creates nothing: no database at the URL is a StoreError, and a
    SQLite file that cannot be written is opened read-only (see `read_only_reason`).
    `read_only=True` (implies `create=False`): every connection refuses writes, SQLite's by
    `mode=ro`, PostgreSQL's as read-only transactions.
    """
    create = create and not read_only
    parsed = _parse(url)
    path = _sqlite_path(parsed)
    mode: str | None = None
    if path is not None and create:
        _prepare_folder(path)
    elif path is not None:
        mode = _reader_mode(path)
    unwritable = mode is not None
    if read_only and path is not None and mode is None:
        mode = "mode=ro"
    cached = (url, create, mode, read_only)
    engine = _ENGINES.get(cached)
    if engine is None:
        engine = _ENGINES[cached] = _new_engine(url, parsed, path, mode, create)
        if unwritable:
            _READ_ONLY[engine] = (
                f"the database {path} cannot be written (read-only media?): reading it read-only"
            )
        if read_only and engine.dialect.name == "postgresql":
            _read_only_sessions(engine)
    if check and url not in _CHECKED:
        ensure_schema(engine, create=create)
        _CHECKED.add(url)
    return engine


def describe(url: str | URL) -> str:
    """How messages name a database: a SQLite file's full path, else the URL, password masked."""
    try:
        parsed = url if isinstance(url, URL) else make_url(url)
    except ArgumentError:
        return mask_text(str(url))
    path = _sqlite_path(parsed)
    return str(path) if path is not None else mask_url(parsed.render_as_string(hide_password=False))


def read_only_reason(engine: Engine) -> str | None:
    """Why `engine` was opened read-only, or None when it can write."""
    return _READ_ONLY.get(engine)


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError:
        raise StoreError(f"invalid database URL {describe(url)!r}") from None


def _sqlite_path(parsed: URL) -> Path | None:
    """The file of a SQLite URL; None for other databases, memory and `file:` URIs."""
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser().resolve()


def _prepare_folder(path: Path) -> None:
    folder = path.parent
    if not folder.is_dir():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the folder {folder} for database {path}: {exc.strerror}"
            ) from None


def _reader_mode(path: Path) -> str | None:
    """How a reader opens the file at `path`: None as usual, else the SQLite URI parameters.

    A WAL database is read through its -shm index, which SQLite creates beside it; where it
    cannot (read-only media), `mode=ro` still reads a -shm that exists, and `immutable=1` reads
    the file alone. Immutable ignores the -wal, so a -wal with pages in it is refused rather
    than read without its newest rows.
    """
    if not path.is_file():
        raise StoreError(f"no database at {path}; {MAKE_ONE}")
    folder_writable = os.access(path.parent, os.W_OK)
    if folder_writable and os.access(path, os.W_OK):
        return None
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    if folder_writable or shm.exists():
        return "mode=ro"
    if wal.exists() and wal.stat().st_size > 0:
        raise StoreError(
            f"the database at {path} is read-only and its write-ahead log {wal} cannot be read "
            f"without creating {shm}; copy the folder somewhere writable and read the copy"
        )
    return "mode=ro&immutable=1"


def _new_engine(url: str, parsed: URL, path: Path | None, mode: str | None, writer: bool) -> Engine:
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        timeout = BUSY_TIMEOUT_MS / 1000
        kwargs["connect_args"] = {"timeout": timeout}
        if path is not None and mode is not None:
            uri = f"file:{quote(str(path))}?{mode}"
            kwargs["creator"] = lambda: sqlite3.connect(
                uri, uri=True, timeout=timeout, check_same_thread=False
            )
    try:
        engine = create_engine(url, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        hint = " (pip install 'apprank[postgres]')" if "postgres" in url else ""
        raise StoreError(f"no driver for database URL {describe(parsed)!r}{hint}: {exc}") from None
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, writer=writer)
    return engine


def _read_only_sessions(engine: Engine) -> None:
    """Every PostgreSQL session of `engine` starts its transactions read-only: a write fails
    with "cannot execute ... in a read-only transaction" whatever the role may do."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        cursor.close()
        # Committed: the pool rolls a connection back on return, which would undo the SET.
        dbapi_connection.commit()


def dispose_all() -> None:
    """Close every pooled connection and forget every engine this process opened."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()
    _CHECKED.clear()
    _READ_ONLY.clear()


def _configure_sqlite(engine: Engine, *, writer: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" hook below emit BEGIN itself (pysqlite's legacy mode doesn't).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        if writer:  # the mode is stored in the file: a reader leaves the file as it is
            with contextlib.suppress(Exception):
                cursor.execute("PRAGMA journal_mode = WAL")
            # A reader holding a snapshot stops checkpoints, and the WAL grows meanwhile (108 MB
            # beside a 30 MB database was seen); SQLite never shrinks it unless told to: once
            # a checkpoint completes, the next write cuts it back to this size.
            cursor.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the lock up front: a deferred transaction that upgrades to a write fails
        # at once with "database is locked" whatever the busy timeout, as SQLite does not wait
        # where waiting could deadlock (https://www.sqlite.org/c3ref/busy_handler.html;
        # https://www.sqlite.org/lang_transaction.html on BEGIN IMMEDIATE).
        immediate = conn.get_execution_options().get("immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def checkpoint(engine: Engine) -> None:
    """Copy the WAL into the database file as far as readers allow, without waiting for them
    (SQLite; nothing elsewhere). Called after each daemon cycle, so the WAL is cut back to
    WAL_SIZE_LIMIT by the next write once a checkpoint completes, not only when SQLite's
    automatic one happens to run while nobody reads."""
    if not is_sqlite(engine):
        return
    with translate_errors(engine), engine.connect() as conn:
        _sqlite_driver(conn).execute("PRAGMA wal_checkpoint(PASSIVE)")


@contextlib.contextmanager
def write_transaction(engine: Engine, *, check_foreign_keys: bool = True) -> Iterator[Connection]:
    """One write transaction (BEGIN IMMEDIATE on SQLite), committed on success.

    `check_foreign_keys=False` is for the bulk writer only, whose rows reference ids it has
    just read or created in the same transaction: SQLite would otherwise look up both parents
    of every rank row, about a sixth of a cycle's ingest time. PostgreSQL always checks.
    """
    with translate_errors(engine), engine.connect() as conn:
        relaxed = not check_foreign_keys and conn.dialect.name == "sqlite"
        if relaxed:  # a no-op inside a transaction, so it goes before BEGIN
            _sqlite_driver(conn).execute("PRAGMA foreign_keys = OFF")
        try:
            conn = conn.execution_options(immediate=True)
            with conn.begin():
                yield conn
        finally:
            if relaxed:
                _sqlite_driver(conn).execute("PRAGMA foreign_keys = ON")


def _sqlite_driver(conn: Connection) -> sqlite3.Connection:
    # Pragmas that must run outside a transaction go to the driver: SQLAlchemy would BEGIN first.
    return cast("sqlite3.Connection", conn.connection.driver_connection)


@contextlib.contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    with translate_errors(engine), engine.connect() as conn:
        yield conn


def _database_errors() -> tuple[type[BaseException], ...]:
    # psycopg is looked up, not imported: a process that never loaded it (every SQLite
    # command) cannot have a psycopg error, and importing it costs each command ~0.1 s.
    errors: list[type[BaseException]] = [SQLAlchemyError, sqlite3.Error]
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None:
        errors.append(psycopg.Error)
    return tuple(errors)


@contextlib.contextmanager
def translate_errors(engine: Engine) -> Iterator[None]:
    """Database errors, from SQLAlchemy or a raw driver call, become one-line StoreErrors
    naming the database (its path, or its URL with the password masked)."""
    try:
        yield
    except _database_errors() as exc:
        raise StoreError(
            f"database error: {_first_line(exc)} (database {describe(engine.url)})"
        ) from exc


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    lines = str(orig or exc).splitlines()
    return lines[0] if lines else type(exc).__name__


def ensure_schema(engine: Engine, *, create: bool = True) -> None:
    """Create the schema in a new database (unless `create` is False: readers never do);
    refuse an outdated one ("run apprank db upgrade")."""
    if _at_head(engine):
        return
    # Anything else (new, outdated, unknown) is migrate's, which loads the schema models.
    from tracker.store.migrate import check_schema

    with translate_errors(engine):
        check_schema(engine, create=create)


def _at_head(engine: Engine) -> bool:
    """Whether the database is stamped at SCHEMA_HEAD, by one plain query: the usual case
    loads neither migrate.py nor the models behind it."""
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:  # no such table, or no database yet: migrate says which
        return False
    return [row[0] for row in found] == [SCHEMA_HEAD]
