"""The write path: a batch of snapshots per transaction, bulk inserts, attempts recorded."""

from __future__ import annotations

import hashlib
import threading
from collections import ChainMap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain, compress, filterfalse, repeat
from operator import attrgetter

from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update

# Attempt and Saved are the fetch layer's records, re-exported: callers import them from here.
from tracker.fetch.sink import Attempt as Attempt
from tracker.fetch.sink import Saved as Saved
from tracker.models import ChartEntry, ChartKey, ChartSnapshot
from tracker.runtime import collector_paused
from tracker.store.archive import Archiver
from tracker.store.bulk import (
    bulk_entries,
    insert_ids,
    insert_ignoring_duplicates,
    insert_rows,
    next_ids,
    raw_executemany,
    raw_select_in,
)
from tracker.store.engine import write_transaction
from tracker.store.listing_writer import Learnt, ListingWriter, Meta, Observed
from tracker.store.schema.base import table_of
from tracker.store.schema.charts import App, Chart, FetchAttempt, Ranking, RankingEntry, Snapshot
from tracker.store.snapshots import CHART_COLUMNS, find_chart_ids
from tracker.timeutil import to_epoch

APP = table_of(App)
CHART = table_of(Chart)
RANKING = table_of(Ranking)
ENTRY = table_of(RankingEntry)
SNAPSHOT = table_of(Snapshot)
ATTEMPT = table_of(FetchAttempt)

_AppMeta = Meta  # an entry's metadata columns, in _META_COLUMNS' order


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
    """App ids learnt in one transaction, merged into the cache on commit."""

    ids: dict[str, int]
    inserted: frozenset[str] = frozenset()  # store ids of the apps this transaction made
    # Whether no other writer can have stored anything of `inserted` (SQLite's one writer).
    alone: bool = False

    @property
    def unread(self) -> frozenset[str]:
        """Apps whose listings need not be read: made here, by the only writer."""
        return self.inserted if self.alone else frozenset()


class SnapshotWriter:
    """Stores snapshots and attempts. Caches chart and app ids (they never change once made)."""

    def __init__(self, engine: Engine, store: str = "apple") -> None:
        self.engine = engine
        self.store = store
        self._charts: dict[ChartKey, int] = {}
        self._app_ids: dict[str, int] = {}
        self._archive = Archiver()
        self._listings = ListingWriter()
        self._lock = threading.Lock()

    def chart_id(self, conn: Connection, key: ChartKey) -> int:
        return self.chart_ids(conn, [key])[0]

    def chart_ids(self, conn: Connection, keys: Sequence[ChartKey]) -> list[int]:
        """The id of each chart, made if new; one statement for all the uncached ones.

        Ids read or made here are cached by the caller once its transaction commits.
        """
        known = self._charts
        missing = list(dict.fromkeys(k for k in keys if k not in known))
        if not missing:
            return [known[k] for k in keys]
        found = find_chart_ids(conn, missing)
        new = [k for k in missing if k not in found]
        if new:
            # Another daemon may be adding the same charts right now: the unique key decides.
            conn.execute(
                insert_ignoring_duplicates(conn, CHART, list(CHART_COLUMNS)),
                [dict(zip(CHART_COLUMNS, _chart_values(key), strict=True)) for key in new],
            )
            found.update(find_chart_ids(conn, new))
        return [known.get(k) or found[k] for k in keys]

    def begin(self, key: ChartKey, body: bytes) -> None:
        """Start archiving work on a body as it arrives (see `Archiver.begin`); a chart this
        writer has not stored yet is left to `save_many`, which learns its id."""
        chart_id = self._charts.get(key)
        if chart_id is not None:
            self._archive.begin(chart_id, body)

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
            write_transaction(self.engine, check_foreign_keys=False) as conn,
            collector_paused(),  # not while waiting for the write lock
        ):
            chart_ids = self.chart_ids(conn, [snap.request.key for snap, _, _ in items])
            bodies = [(cid, a.body, at) for (_, at, a), cid in zip(items, chart_ids, strict=True)]
            compressing = self._archive.start(bodies)  # on workers, while the ranks go in
            new_charts = {
                snap.request.key: cid for (snap, _, _), cid in zip(items, chart_ids, strict=True)
            }
            new_apps = self._upsert_apps(conn, [e for snap, _, _ in items for e in snap.entries])
            ranking_ids, fresh = self._rankings(
                conn, [snap.entries for snap, _, _ in items], new_apps
            )
            archived = self._archive.archive(conn, bodies, compressing)
            snapshot_ids = insert_ids(
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
                        "simulated": snap.simulated,
                        "payload_id": payload_id,
                    }
                    for (snap, captured_at, _), chart_id, ranking_id, slot, payload_id in zip(
                        items, chart_ids, ranking_ids, slots, archived.payload_ids, strict=True
                    )
                ],
            )
            insert_rows(
                conn,
                ATTEMPT,
                [
                    _attempt_row(chart_id, attempt, snapshot_id, payload_id)
                    for (_, _, attempt), chart_id, snapshot_id, payload_id in zip(
                        items, chart_ids, snapshot_ids, archived.payload_ids, strict=True
                    )
                ],
            )
            # What each storefront showed for its apps, valid from these snapshots.
            listings = self._listings.write(
                conn, _observed(items, snapshot_ids), self._ids_with(new_apps), new_apps.unread
            )
            self._follow_listings(conn, listings, new_apps)
        # Only remember ids once the transaction that made them committed.
        self._charts.update(new_charts)
        self._app_ids.update(new_apps.ids)
        self._archive.remember(archived.latest)
        self._listings.remember(listings)
        return [
            Saved(snapshot_id, ranking_id, is_new)
            for snapshot_id, ranking_id, is_new in zip(
                snapshot_ids, ranking_ids, fresh, strict=True
            )
        ]

    def _ids_with(self, new_apps: AppCache) -> Mapping[str, int]:
        """Store id -> app id, the cache's and this transaction's (without copying the cache)."""
        return ChainMap(new_apps.ids, self._app_ids)

    def record_failure(self, key: ChartKey, attempt: Attempt) -> None:
        """Store a failed attempt (never a rank), with the body it refused if any."""
        with self._lock, write_transaction(self.engine) as conn:
            chart_id = self.chart_id(conn, key)
            archived = self._archive.archive(conn, [(chart_id, attempt.body, attempt.started_at)])
            row = _attempt_row(chart_id, attempt, None, archived.payload_ids[0])
            conn.execute(insert(ATTEMPT).values(row))
        self._charts[key] = chart_id
        self._archive.remember(archived.latest)

    def _upsert_apps(self, conn: Connection, entries: list[ChartEntry]) -> AppCache:
        """Insert the apps never seen; returns the ids learnt.

        This runs over every rank row of a cycle, so the common case (every app known) stays
        in C: the batch's store ids are filtered against the cached ids, one hash look-up each.
        An app's metadata columns follow its listings (`_follow_listings`), not every entry.
        """
        ids = self._app_ids
        unknown = list(dict.fromkeys(filterfalse(ids.__contains__, map(_store_id, entries))))
        if not unknown:
            return AppCache({})
        fresh_ids = self._read_apps(conn, unknown)
        wanted = set(unknown) - fresh_ids.keys()
        # The entries of the new apps (the last one of each wins), picked out in C.
        chosen = compress(entries, map(wanted.__contains__, map(_store_id, entries)))
        new = {entry.app_id: _meta(entry) for entry in chosen}
        inserted: frozenset[str] = frozenset()
        if new:
            made, inserted = self._insert_apps(conn, new)
            fresh_ids.update(made)
        return AppCache(fresh_ids, inserted, conn.dialect.name == "sqlite")

    def _follow_listings(self, conn: Connection, listings: Learnt, new_apps: AppCache) -> None:
        """`app`'s own columns: the latest listing any storefront changed to (apps made in this
        batch hold their entry's already); a field the listing lacks keeps the app's value."""
        made = {new_apps.ids[sid] for sid in new_apps.inserted}
        changed = [(i, meta) for i, (_, meta) in listings.latest.items() if i not in made]
        if changed:
            conn.execute(
                update(APP)
                .where(APP.c.id == bindparam("b_id"))
                .values({c: func.coalesce(bindparam(c), APP.c[c]) for c in _META_COLUMNS}),
                [{"b_id": app_id, **_named(meta)} for app_id, meta in changed],
            )

    def _read_apps(self, conn: Connection, store_ids: list[str]) -> dict[str, int]:
        """The ids of those of `store_ids` already in the database."""
        if not store_ids:
            return {}
        if conn.dialect.name == "sqlite":
            rows = raw_select_in(
                conn,
                "SELECT id, store_id FROM app WHERE store = ? AND store_id IN ({})",
                [self.store],
                store_ids,
            )
        else:
            rows = []
            for start in range(0, len(store_ids), 1000):
                rows.extend(
                    conn.execute(
                        select(APP.c.id, APP.c.store_id).where(
                            (APP.c.store == self.store)
                            & APP.c.store_id.in_(store_ids[start : start + 1000])
                        )
                    )
                )
        return {r[1]: r[0] for r in rows}

    def _insert_apps(
        self, conn: Connection, new: dict[str, _AppMeta]
    ) -> tuple[dict[str, int], frozenset[str]]:
        """Insert apps not in the database; returns their ids, and which this call inserted."""
        if conn.dialect.name == "sqlite":  # the only writer: nobody can insert them meanwhile
            made = dict(zip(new, next_ids(conn, APP, len(new)), strict=True))
            raw_executemany(
                conn,
                APP,
                ["id", "store", "store_id", *_META_COLUMNS],
                ((made[sid], self.store, sid, *meta) for sid, meta in new.items()),
            )
            return made, frozenset(made)
        rows = [{"store": self.store, "store_id": sid, **_named(meta)} for sid, meta in new.items()]
        statement = insert_ignoring_duplicates(conn, APP, ["store", "store_id"])
        result = conn.execute(statement.returning(APP.c.id, APP.c.store_id), rows)
        made = {store_id: app_id for app_id, store_id in result}
        inserted = frozenset(made)
        lost = [sid for sid in new if sid not in made]
        if lost:  # inserted meanwhile by another daemon sharing the database
            made.update(self._read_apps(conn, lost))
        return made, inserted

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
            app_ids = self._app_ids | new_apps.ids if new_apps.ids else self._app_ids
            # Built by C iterators: one tuple per rank row, no Python frame per row.
            rows = list(
                chain.from_iterable(
                    zip(
                        repeat(known[d]),
                        map(_rank, missing[d]),
                        map(app_ids.__getitem__, map(_store_id, missing[d])),
                    )
                    for d in order
                )
            )
            if rows:
                bulk_entries(conn, ENTRY, rows)
        seen: set[bytes] = set()
        fresh = []
        for d in digests:
            fresh.append(d in missing and d not in seen)
            seen.add(d)
        return [known[d] for d in digests], fresh


_chart_values: Callable[[ChartKey], tuple[str, ...]] = attrgetter(
    "source", "country", "chart", "category", "device"
)
# A chart's storefront, as the listings key it: (source, country).
_storefront: Callable[[ChartKey], tuple[str, str]] = attrgetter("source", "country")


def _observed(
    items: Sequence[tuple[ChartSnapshot, datetime, Attempt]], snapshot_ids: list[int]
) -> list[Observed]:
    return [
        (_storefront(snap.request.key), to_epoch(at), snapshot_id, snap.entries)
        for (snap, at, _), snapshot_id in zip(items, snapshot_ids, strict=True)
    ]


def _attempt_row(
    chart_id: int, attempt: Attempt, snapshot_id: int | None, payload_id: int | None = None
) -> dict[str, object]:
    return {
        "chart_id": chart_id,
        "started_at": attempt.started_at,
        "duration_ms": attempt.duration_ms,
        "outcome": attempt.outcome,
        "http_status": attempt.http_status,
        "error": attempt.error,
        "url": attempt.url,
        "snapshot_id": snapshot_id,
        "payload_id": payload_id,
    }
