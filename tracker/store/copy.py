"""Copy a whole history from one database to another (e.g. SQLite to PostgreSQL).

Tables are copied parent first, ids kept, in batches of one transaction each, so an interrupted
copy resumes where it stopped: each table continues after the largest id the destination holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Column, Connection, Engine, Table, func, insert, select, text

from tracker.errors import StoreError
from tracker.store.engine import read_connection, translate_errors, write_transaction
from tracker.store.migrate import target_metadata

# Parents before children. Tables keyed by their parent resume by parent id, the others by id.
TABLES = (
    "app",
    "chart",
    "ranking",
    "ranking_entry",
    "snapshot",
    "fetch_attempt",
    "alert_event",
    "alert_delivery",
)
BATCH = 20_000
# table -> (column naming the parent, parent table)
CHILD_OF = {
    "ranking_entry": ("ranking_id", "ranking"),
    "alert_delivery": ("alert_id", "alert_event"),
}

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class TableCopy:
    table: str
    source_rows: int
    copied: int
    destination_rows: int


def _table(name: str) -> Table:
    return target_metadata().tables[name]


def _key_column(table: Table) -> Column[int]:
    return table.c[CHILD_OF[table.name][0]] if table.name in CHILD_OF else table.c.id


def _count(conn: Connection, table: Table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def copy_history(
    source: Engine, destination: Engine, *, progress: Progress | None = None, batch: int = BATCH
) -> list[TableCopy]:
    """Copy every table; returns per-table counts. Raises StoreError if counts differ at the end."""
    results = []
    for name in TABLES:
        table = _table(name)
        key = _key_column(table)
        with read_connection(source) as conn:
            total = _count(conn, table)
        with write_transaction(destination) as conn:
            last = conn.execute(select(func.max(key))).scalar()
            if name in CHILD_OF and last is not None:
                # The last parent's rows may have been cut mid-way: copy them again whole.
                conn.execute(table.delete().where(key == last))
                last -= 1
        copied = 0
        for rows in _batches(source, table, -1 if last is None else last, batch):
            with write_transaction(destination) as conn:
                _insert(conn, table, rows)
            copied += len(rows)
            if progress:
                progress(name, copied, total)
        with read_connection(destination) as conn:
            final = _count(conn, table)
        results.append(TableCopy(name, total, copied, final))
    _reset_sequences(destination)
    mismatched = [r for r in results if r.destination_rows < r.source_rows]
    if mismatched:
        detail = ", ".join(f"{r.table} {r.destination_rows}/{r.source_rows}" for r in mismatched)
        raise StoreError(f"copy incomplete: {detail} rows; run the same command again to resume")
    return results


def _batches(engine: Engine, table: Table, after: int, size: int) -> Iterator[list[dict]]:
    key = _key_column(table)
    parent = _table(CHILD_OF[table.name][1]) if table.name in CHILD_OF else None
    while True:
        with read_connection(engine) as conn:
            if parent is not None:
                # Whole parents per batch, so resuming by parent id never skips a row.
                ids = (
                    conn.execute(
                        select(parent.c.id)
                        .where(parent.c.id > after)
                        .order_by(parent.c.id)
                        .limit(max(1, size // 100))
                    )
                    .scalars()
                    .all()
                )
                if not ids:
                    return
                query = select(table).where(key.between(ids[0], ids[-1]))
                after = ids[-1]
            else:
                query = select(table).where(key > after).order_by(key).limit(size)
            rows = [dict(row._mapping) for row in conn.execute(query)]
        if parent is None:
            if not rows:
                return
            after = rows[-1][key.name]
        if rows:
            yield rows


def _insert(conn: Connection, table: Table, rows: list[dict]) -> None:
    if conn.dialect.name == "postgresql":
        columns = list(rows[0])
        raw = conn.connection.dbapi_connection
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row([_plain(row[c]) for c in columns])
        return
    conn.execute(insert(table), rows)


def _plain(value: object) -> object:
    if hasattr(value, "timestamp"):
        return int(value.timestamp())  # type: ignore[union-attr]
    return value


def _reset_sequences(engine: Engine) -> None:
    """After inserting explicit ids, PostgreSQL's sequences must start past them."""
    if engine.dialect.name != "postgresql":
        return
    with translate_errors(), engine.begin() as conn:
        for name in TABLES:
            if "id" in _table(name).c and _table(name).c.id.primary_key:
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"COALESCE((SELECT max(id) FROM {name}), 0) + 1, false)"
                    )
                )
