"""Bulk statements for the write path, in each dialect's fastest form.

On SQLite the writer holds the only write lock (BEGIN IMMEDIATE), so it may hand out ids
itself (max + 1, as SQLite would) and go through the raw driver's `executemany`, skipping
SQLAlchemy's per-row parameter handling and RETURNING rounds. PostgreSQL gets portable
statements with RETURNING and ON CONFLICT (other daemons may be writing), and COPY for rank
rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Insert, Table, insert

from tracker.errors import StoreError
from tracker.timeutil import to_epoch

# SQLite's default limit on bound parameters per statement was 999 before 3.32.
SQLITE_PARAMETERS = 999


def insert_ignoring_duplicates(conn: Connection, table: Table, keys: list[str]) -> Insert:
    """INSERT ... ON CONFLICT (keys) DO NOTHING, in the connection's dialect."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table).on_conflict_do_nothing(index_elements=keys)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing(index_elements=keys)


def driver(conn: Connection) -> Any:
    """The driver's own connection under `conn`: sqlite3's or psycopg's, whose cursor APIs
    differ (Any: naming psycopg's type here would import it for every SQLite command)."""
    raw = conn.connection.driver_connection
    if raw is None:  # only a closed or invalidated connection has none
        raise StoreError("the database connection is closed")
    return raw


def insert_ids(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows and return their new ids, in order."""
    if conn.dialect.name != "sqlite":
        result = conn.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
        )
        return list(result.scalars())
    ids = next_ids(conn, table, len(rows))
    raw_executemany(
        conn,
        table,
        ["id", *rows[0]],
        [(i, *map(_plain, r.values())) for i, r in zip(ids, rows, strict=True)],
    )
    return ids


def next_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """The next `count` ids of `table` (SQLite, under the write lock only)."""
    first = int(
        conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) + 1 FROM {table.name}").scalar_one()
    )
    return list(range(first, first + count))


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), rows)
        return
    raw_executemany(conn, table, list(rows[0]), [tuple(map(_plain, r.values())) for r in rows])


def raw_executemany(
    conn: Connection, table: Table, columns: list[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """INSERT through the raw driver; the values must be plain already (see `_plain`)."""
    marks = ", ".join("?" * len(columns))
    cursor = driver(conn).cursor()
    try:
        cursor.executemany(
            f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", rows
        )
    finally:
        cursor.close()


def raw_select_in(
    conn: Connection, sql: str, fixed: Sequence[Any], values: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """Run `sql`, whose last condition is `IN ({})`, over `values` in chunks (SQLite)."""
    cursor = driver(conn).cursor()
    size = SQLITE_PARAMETERS - len(fixed)
    rows: list[tuple[Any, ...]] = []
    try:
        for start in range(0, len(values), size):
            chunk = values[start : start + size]
            cursor.execute(sql.format(", ".join("?" * len(chunk))), (*fixed, *chunk))
            rows.extend(cursor.fetchall())
    finally:
        cursor.close()
    return rows


def bulk_entries(conn: Connection, table: Table, rows: list[tuple[int, int, int]]) -> None:
    """Rank rows through the driver's fastest bulk path, inside the current transaction."""
    raw = driver(conn)
    if conn.dialect.name == "postgresql":
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table.name} (ranking_id, rank, app_id) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    if conn.dialect.name == "sqlite":
        cursor = raw.cursor()
        try:
            cursor.executemany(
                f"INSERT INTO {table.name} (ranking_id, rank, app_id) VALUES (?, ?, ?)", rows
            )
        finally:
            cursor.close()
        return
    conn.execute(insert(table), [{"ranking_id": r, "rank": k, "app_id": a} for r, k, a in rows])


def _plain(value: object) -> object:
    """A value as the raw driver stores it: datetimes as epoch seconds, as `UTCEpoch` does."""
    return to_epoch(value) if isinstance(value, datetime) else value
