"""The write path: one transaction per snapshot, bulk inserts, attempts recorded."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain, filterfalse, repeat
from operator import attrgetter
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, insert, select, update

from tracker.sources.base import ChartEntry, ChartKey, ChartSnapshot
from tracker.store.engine import write_transaction
from tracker.store.schema import App, Chart, FetchAttempt, Ranking, RankingEntry, Snapshot
from tracker.timeutil import as_utc

APP = App.__table__
CHART = Chart.__table__
RANKING = Ranking.__table__
ENTRY = RankingEntry.__table__
SNAPSHOT = Snapshot.__table__
ATTEMPT = FetchAttempt.__table__

_AppMeta = tuple[str, str | None, str | None, str | None, str | None, str | None, str | None]


@dataclass(frozen=True, slots=True)
class Attempt:
    """How one fetch went, for the `fetch_attempt` table."""

    started_at: datetime
    duration_ms: int
    outcome: str
    http_status: int | None = None
    error: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Saved:
    snapshot_id: int
    ranking_id: int
    new_ranking: bool


def ranking_digest(store_ids: list[str]) -> bytes:
    return hashlib.blake2b(",".join(store_ids).encode(), digest_size=16).digest()


_META_COLUMNS = ("name", "developer", "bundle_id", "icon_url", "url", "genre", "release_date")
# An entry's app metadata as a tuple, built in C: this runs once per rank row.
_meta: Callable[[ChartEntry], _AppMeta] = attrgetter(*_META_COLUMNS)
_store_id: Callable[[ChartEntry], str] = attrgetter("app_id")
_rank: Callable[[ChartEntry], int] = attrgetter("rank")


def _named(meta: _AppMeta) -> dict[str, str | None]:
    return dict(zip(_META_COLUMNS, meta, strict=True))


@dataclass(slots=True)
class AppCache:
    """App ids and metadata learnt in one transaction, merged into the cache on commit."""

    ids: dict[str, int]
    metas: dict[str, _AppMeta]


class SnapshotWriter:
    """Stores snapshots and attempts. Caches chart and app ids (they never change once made)."""

    def __init__(self, engine: Engine, store: str = "apple") -> None:
        self.engine = engine
        self.store = store
        self._charts: dict[ChartKey, int] = {}
        self._app_ids: dict[str, int] = {}
        self._app_metas: dict[str, _AppMeta] = {}
        self._lock = threading.Lock()

    def chart_id(self, conn: Connection, key: ChartKey) -> int:
        cached = self._charts.get(key)
        if cached is not None:
            return cached
        where = (
            (CHART.c.source == key.source)
            & (CHART.c.country == key.country)
            & (CHART.c.kind == key.chart)
            & (CHART.c.category == key.category)
            & (CHART.c.device == key.device)
        )
        chart_id = conn.execute(select(CHART.c.id).where(where)).scalar()
        if chart_id is None:
            # Another daemon may be adding the same chart right now: let the unique key decide.
            conn.execute(
                _insert_ignoring_duplicates(
                    conn, CHART, ["source", "country", "kind", "category", "device"]
                ),
                {
                    "source": key.source,
                    "country": key.country,
                    "kind": key.chart,
                    "category": key.category,
                    "device": key.device,
                },
            )
            chart_id = conn.execute(select(CHART.c.id).where(where)).scalar_one()
        return chart_id

    def remember_charts(self, ids: dict[ChartKey, int]) -> None:
        """Cache chart ids made or read in a transaction that has committed."""
        self._charts.update(ids)

    def save(
        self,
        snapshot: ChartSnapshot,
        captured_at: datetime,
        attempt: Attempt,
        *,
        slot: int | None = None,
    ) -> Saved:
        """Store a snapshot and its successful attempt in one transaction."""
        return self.save_many([(snapshot, captured_at, attempt)], slots=[slot])[0]

    def save_many(
        self,
        items: Sequence[tuple[ChartSnapshot, datetime, Attempt]],
        *,
        slots: Sequence[int | None] | None = None,
    ) -> list[Saved]:
        """Store several snapshots and their attempts in one transaction (all or none).

        The hot path of a cycle: bulk statements for apps, rankings, snapshots and attempts,
        and the driver's fastest bulk path for rank rows (executemany on SQLite, COPY on
        PostgreSQL).
        """
        if not items:
            return []
        slots = list(slots) if slots is not None else [None] * len(items)
        with (
            self._lock,
            _collector_paused(),
            write_transaction(self.engine, check_foreign_keys=False) as conn,
        ):
            chart_ids = [self.chart_id(conn, snap.request.key) for snap, _, _ in items]
            new_charts = {
                snap.request.key: cid for (snap, _, _), cid in zip(items, chart_ids, strict=True)
            }
            new_apps = self._upsert_apps(conn, [e for snap, _, _ in items for e in snap.entries])
            ranking_ids, fresh = self._rankings(
                conn, [snap.entries for snap, _, _ in items], new_apps
            )
            snapshot_ids = _insert_ids(
                conn,
                SNAPSHOT,
                [
                    {
                        "chart_id": chart_id,
                        "captured_at": captured_at,
                        "feed_updated_at": snap.feed_updated_at,
                        "depth_requested": snap.request.depth,
                        "depth_returned": snap.depth_returned,
                        "ranking_id": ranking_id,
                        "slot": slot,
                    }
                    for (snap, captured_at, _), chart_id, ranking_id, slot in zip(
                        items, chart_ids, ranking_ids, slots, strict=True
                    )
                ],
            )
            _insert_rows(
                conn,
                ATTEMPT,
                [
                    _attempt_row(chart_id, attempt, snapshot_id)
                    for (_, _, attempt), chart_id, snapshot_id in zip(
                        items, chart_ids, snapshot_ids, strict=True
                    )
                ],
            )
        # Only remember ids once the transaction that made them committed.
        self._charts.update(new_charts)
        self._app_ids.update(new_apps.ids)
        self._app_metas.update(new_apps.metas)
        return [
            Saved(snapshot_id, ranking_id, is_new)
            for snapshot_id, ranking_id, is_new in zip(
                snapshot_ids, ranking_ids, fresh, strict=True
            )
        ]

    def record_failure(self, key: ChartKey, attempt: Attempt) -> None:
        """Store a failed attempt (never a rank)."""
        with self._lock, write_transaction(self.engine) as conn:
            chart_id = self.chart_id(conn, key)
            self._insert_attempt(conn, chart_id, attempt, None)
        self._charts[key] = chart_id

    def _insert_attempt(
        self, conn: Connection, chart_id: int, attempt: Attempt, snapshot_id: int | None
    ) -> None:
        conn.execute(insert(ATTEMPT).values(_attempt_row(chart_id, attempt, snapshot_id)))

    def _upsert_apps(self, conn: Connection, entries: list[ChartEntry]) -> AppCache:
        """Insert unseen apps and update changed metadata; returns the ids and cache additions.

        This runs over every rank row of a cycle, so the common case (every app known, nothing
        changed) stays in C: the batch's (store id, metadata) pairs are filtered against the
        cache's items by `dict_items.__contains__`, one hash look-up each.
        """
        ids, metas = self._app_ids, self._app_metas
        batch = dict(zip(map(_store_id, entries), map(_meta, entries), strict=True))
        latest = dict(filterfalse(metas.items().__contains__, batch.items()))
        fresh_ids: dict[str, int] = {}
        fresh_metas: dict[str, _AppMeta] = {}
        if not latest:
            return AppCache(fresh_ids, fresh_metas)
        unknown = [sid for sid in latest if sid not in ids]
        for start in range(0, len(unknown), 500):
            chunk = unknown[start : start + 500]
            for row in conn.execute(
                select(APP.c.id, APP.c.store_id, *[APP.c[c] for c in _META_COLUMNS]).where(
                    (APP.c.store == self.store) & APP.c.store_id.in_(chunk)
                )
            ):
                fresh_ids[row[1]] = row[0]
                fresh_metas[row[1]] = tuple(row[2:])  # type: ignore[assignment]
        inserts, updates = [], []
        for sid, meta in latest.items():
            app_id = ids.get(sid) or fresh_ids.get(sid)
            if app_id is None:
                inserts.append({"store": self.store, "store_id": sid, **_named(meta)})
            elif (fresh_metas.get(sid) or metas.get(sid)) != meta:
                updates.append({"b_id": app_id, **_named(meta)})
            fresh_metas[sid] = meta
        if inserts:
            statement = _insert_ignoring_duplicates(conn, APP, ["store", "store_id"])
            result = conn.execute(statement.returning(APP.c.id, APP.c.store_id), inserts)
            fresh_ids.update((store_id, app_id) for app_id, store_id in result)
            lost = [r["store_id"] for r in inserts if r["store_id"] not in fresh_ids]
            if lost:  # inserted meanwhile by another daemon sharing the database
                fresh_ids.update(
                    (row.store_id, row.id)
                    for row in conn.execute(
                        select(APP.c.id, APP.c.store_id).where(
                            (APP.c.store == self.store) & APP.c.store_id.in_(lost)
                        )
                    )
                )
        if updates:
            conn.execute(
                update(APP)
                .where(APP.c.id == bindparam("b_id"))
                .values({c: bindparam(c) for c in _META_COLUMNS}),
                updates,
            )
        return AppCache(fresh_ids, fresh_metas)

    def _rankings(
        self,
        conn: Connection,
        rankings: list[tuple[ChartEntry, ...]],
        new_apps: AppCache,
    ) -> tuple[list[int], list[bool]]:
        """Ranking ids for each list of entries, storing the rankings not seen before."""
        digests = [ranking_digest(list(map(_store_id, entries))) for entries in rankings]
        known: dict[bytes, int] = {}
        unique = list(dict.fromkeys(digests))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            known.update(
                (row.digest, row.id)
                for row in conn.execute(
                    select(RANKING.c.digest, RANKING.c.id).where(RANKING.c.digest.in_(chunk))
                )
            )
        missing = {
            d: entries for d, entries in zip(digests, rankings, strict=True) if d not in known
        }
        if missing:
            order = list(missing)
            ids = (
                conn.execute(
                    insert(RANKING).returning(RANKING.c.id, sort_by_parameter_order=True),
                    [{"digest": d, "size": len(missing[d])} for d in order],
                )
                .scalars()
                .all()
            )
            known.update(zip(order, ids, strict=True))
            ids = self._app_ids | new_apps.ids if new_apps.ids else self._app_ids
            # Built by C iterators: one tuple per rank row, no Python frame per row.
            rows = list(
                chain.from_iterable(
                    zip(
                        repeat(known[d]),
                        map(_rank, missing[d]),
                        map(ids.__getitem__, map(_store_id, missing[d])),
                    )
                    for d in order
                )
            )
            if rows:
                _bulk_entries(conn, rows)
        seen: set[bytes] = set()
        fresh = []
        for d in digests:
            fresh.append(d in missing and d not in seen)
            seen.add(d)
        return [known[d] for d in digests], fresh


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a cycle's rows are built.

    save_many allocates a few hundred thousand tuples and makes no reference cycles; each
    allocation burst otherwise triggers collections that walk the long-lived caches.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _attempt_row(chart_id: int, attempt: Attempt, snapshot_id: int | None) -> dict[str, object]:
    return {
        "chart_id": chart_id,
        "started_at": attempt.started_at,
        "duration_ms": attempt.duration_ms,
        "outcome": attempt.outcome,
        "http_status": attempt.http_status,
        "error": attempt.error,
        "url": attempt.url,
        "snapshot_id": snapshot_id,
    }


def _insert_ignoring_duplicates(conn: Connection, table: Table, keys: list[str]) -> Any:
    """INSERT ... ON CONFLICT (keys) DO NOTHING, in the connection's dialect."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(table).on_conflict_do_nothing(index_elements=keys)


def _plain(value: object) -> object:
    return int(as_utc(value).timestamp()) if isinstance(value, datetime) else value


def _insert_ids(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows and return their new ids, in order."""
    if conn.dialect.name != "sqlite":
        result = conn.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
        )
        return list(result.scalars())
    # Under BEGIN IMMEDIATE this connection is SQLite's only writer, so it may hand out the
    # ids itself, as SQLite would (max + 1), and skip a round of RETURNING statements.
    first = conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) + 1 FROM {table.name}").scalar()
    ids = list(range(first, first + len(rows)))
    _raw_executemany(
        conn, table, ["id", *rows[0]], [(i, *r.values()) for i, r in zip(ids, rows, strict=True)]
    )
    return ids


def _insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), rows)
        return
    _raw_executemany(conn, table, list(rows[0]), [tuple(r.values()) for r in rows])


def _raw_executemany(
    conn: Connection, table: Table, columns: list[str], rows: list[tuple[Any, ...]]
) -> None:
    marks = ", ".join("?" * len(columns))
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.executemany(
            f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})",
            [tuple(map(_plain, row)) for row in rows],
        )
    finally:
        cursor.close()


def _bulk_entries(conn: Connection, rows: list[tuple[int, int, int]]) -> None:
    """Rank rows through the driver's fastest bulk path, inside the current transaction."""
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with (
            raw.cursor() as cursor,
            cursor.copy("COPY ranking_entry (ranking_id, rank, app_id) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    if conn.dialect.name == "sqlite":
        cursor = raw.cursor()
        try:
            cursor.executemany(
                "INSERT INTO ranking_entry (ranking_id, rank, app_id) VALUES (?, ?, ?)", rows
            )
        finally:
            cursor.close()
        return
    conn.execute(insert(ENTRY), [{"ranking_id": r, "rank": k, "app_id": a} for r, k, a in rows])
