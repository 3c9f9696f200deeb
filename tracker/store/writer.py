"""The write path: a batch of snapshots per transaction, bulk inserts, attempts recorded."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import chain, repeat
from operator import attrgetter

from sqlalchemy import Connection, Engine, insert, select

# Attempt and Saved are the fetch layer's records, re-exported: callers import them from here.
from tracker.fetch.sink import Attempt as Attempt
from tracker.fetch.sink import Saved as Saved
from tracker.metrics import RANK_ROWS, SNAPSHOTS, count
from tracker.models import ChartEntry, ChartKey, ChartSnapshot, entry_app_id, entry_rank
from tracker.runtime import collector_paused
from tracker.store.app_writer import APP as APP
from tracker.store.app_writer import AppCache, AppWriter, store_of
from tracker.store.archive import Archiver
from tracker.store.bulk import bulk_entries, insert_ids, insert_ignoring_duplicates, insert_rows
from tracker.store.engine import write_transaction
from tracker.store.listing_writer import (
    Learnt,
    ListingWriter,
    Observed,
    Undecided,
    undecided_entries,
)
from tracker.store.schema.base import table_of
from tracker.store.schema.charts import Chart, FetchAttempt, Ranking, RankingEntry, Snapshot
from tracker.store.snapshots import CHART_COLUMNS, find_chart_ids
from tracker.timeutil import to_epoch

CHART = table_of(Chart)
RANKING = table_of(Ranking)
ENTRY = table_of(RankingEntry)
SNAPSHOT = table_of(Snapshot)
ATTEMPT = table_of(FetchAttempt)


def ranking_digest(store_ids: Sequence[str]) -> bytes:
    """A ranking's content address: its apps' store ids in rank order. Without the store: an
    App Store ranking and a Google Play one never share a digest, since their ids never share
    a format (digits against dotted package names), and Apple's digests stay what they were."""
    return hashlib.blake2b(",".join(store_ids).encode(), digest_size=16).digest()


class SnapshotWriter:
    """Stores snapshots and attempts. Caches chart and app ids (they never change once made)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._charts: dict[ChartKey, int] = {}
        self._apps = AppWriter()  # each app under its chart's store (tracker/store/app_writer.py)
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

        The hot path of a cycle: bulk statements for apps (one per store), rankings, snapshots
        and attempts, and the driver's fastest bulk path for rank rows (executemany on SQLite,
        COPY on PostgreSQL). Each app is stored under its chart's store, so one batch may mix
        App Store and Google Play charts.
        """
        if not items:
            return []
        slots = list(slots) if slots is not None else [None] * len(items)
        stores = [store_of(snap.request.key.source) for snap, _, _ in items]
        # Each snapshot's store ids, read off its entries once: rankings and the listings'
        # cache go by them, and this is one of the few passes over every rank row.
        ids = [tuple(map(entry_app_id, snap.entries)) for snap, _, _ in items]
        shown = [
            (_storefront(snap.request.key), to_epoch(at), snap.entries, store_ids)
            for (snap, at, _), store_ids in zip(items, ids, strict=True)
        ]
        with (
            self._lock,
            write_transaction(self.engine, check_foreign_keys=False) as conn,
            collector_paused(),  # not while waiting for the write lock
        ):
            # The entries the listings' cache cannot decide: the only ones that may be of apps
            # never stored (an app it decides was stored by a committed batch) or may change
            # a listing. Most of a cycle is decided here, one hash look-up per entry.
            slow = self._listings.undecided(shown)
            undecided = undecided_entries(shown, slow)
            chart_ids = self.chart_ids(conn, [snap.request.key for snap, _, _ in items])
            bodies = [(cid, a.body, at) for (_, at, a), cid in zip(items, chart_ids, strict=True)]
            compressing = self._archive.start(bodies)  # on workers, while the ranks go in
            new_charts = {
                snap.request.key: cid for (snap, _, _), cid in zip(items, chart_ids, strict=True)
            }
            new_apps = self._upsert_apps(conn, undecided, stores)
            ranking_ids, fresh = self._rankings(
                conn, [snap.entries for snap, _, _ in items], ids, stores, new_apps
            )
            archived = self._archive.archive(conn, bodies, compressing)
            snapshot_ids = _insert_snapshots(
                conn, items, chart_ids, ranking_ids, slots, archived.payload_ids
            )
            # What each storefront showed for its apps, valid from these snapshots.
            observed: list[Observed] = [
                (sf, at, snapshot_id, entries)
                for (sf, at, _, _), snapshot_id, entries in zip(
                    shown, snapshot_ids, undecided, strict=True
                )
            ]
            listings = self._write_listings(conn, observed, slow, stores, new_apps)
        # Only remember ids once the transaction that made them committed.
        self._charts.update(new_charts)
        for new in new_apps.values():
            self._apps.remember(new)
        self._archive.remember(archived.latest)
        for learnt in listings:
            self._listings.remember(learnt)
        # Counted once committed; a new ranking is the only one that wrote rank rows.
        count(SNAPSHOTS, amount=len(snapshot_ids))
        rows = sum(len(s.entries) for (s, _, _), new in zip(items, fresh, strict=True) if new)
        count(RANK_ROWS, amount=rows)
        return [
            Saved(snapshot_id, ranking_id, is_new)
            for snapshot_id, ranking_id, is_new in zip(
                snapshot_ids, ranking_ids, fresh, strict=True
            )
        ]

    def record_failure(self, key: ChartKey, attempt: Attempt) -> None:
        """Store a failed attempt (never a rank), with the body it refused if any."""
        with self._lock, write_transaction(self.engine) as conn:
            chart_id = self.chart_id(conn, key)
            archived = self._archive.archive(conn, [(chart_id, attempt.body, attempt.started_at)])
            row = _attempt_row(chart_id, attempt, None, archived.payload_ids[0])
            conn.execute(insert(ATTEMPT).values(row))
        self._charts[key] = chart_id
        self._archive.remember(archived.latest)

    def _upsert_apps(
        self,
        conn: Connection,
        undecided: list[list[ChartEntry]],
        stores: list[str],
    ) -> dict[str, AppCache]:
        """Insert the apps never seen, one statement per store, among the entries the listings'
        cache left undecided; the ids learnt, per store (every store of the batch)."""
        entries: dict[str, list[ChartEntry]] = {store: [] for store in stores}
        for group, store in zip(undecided, stores, strict=True):
            entries[store].extend(group)
        return {store: self._apps.upsert(conn, store, group) for store, group in entries.items()}

    def _write_listings(
        self,
        conn: Connection,
        observed: list[Observed],
        slow: Undecided,
        stores: list[str],
        new_apps: dict[str, AppCache],
    ) -> list[Learnt]:
        """The listings of each store's snapshots (a storefront is one store's), and `app`'s
        own columns following them; what each store's part learnt."""
        by_store: dict[str, list[Observed]] = {}
        for seen, store in zip(observed, stores, strict=True):
            by_store.setdefault(store, []).append(seen)
        learnt = []
        for store, group in by_store.items():
            new = new_apps[store]
            mine = {sf: slow[sf] for sf, _, _, _ in group if sf in slow}
            got = self._listings.write(conn, group, mine, self._apps.with_new(new), new.unread)
            self._apps.follow_listings(conn, got, new)
            learnt.append(got)
        return learnt

    def _rankings(
        self,
        conn: Connection,
        rankings: list[tuple[ChartEntry, ...]],
        ids: list[tuple[str, ...]],
        stores: list[str],
        new_apps: dict[str, AppCache],
    ) -> tuple[list[int], list[bool]]:
        """Ranking ids for each list of entries (its store ids and store beside it), storing
        the rankings not seen before."""
        digests = list(map(ranking_digest, ids))
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
            d: (entries, store_ids, store)
            for d, entries, store_ids, store in zip(digests, rankings, ids, stores, strict=True)
            if d not in known
        }
        if missing:
            order = list(missing)
            made = insert_ids(
                conn, RANKING, [{"digest": d, "size": len(missing[d][0])} for d in order]
            )
            known.update(zip(order, made, strict=True))
            lookups = {store: self._apps.merged(new) for store, new in new_apps.items()}
            # Built by C iterators: one tuple per rank row, no Python frame per row.
            rows = list(
                chain.from_iterable(
                    zip(
                        repeat(known[d]),
                        map(entry_rank, entries),
                        map(lookups[store].__getitem__, s),
                    )
                    for d, (entries, s, store) in missing.items()
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


def _insert_snapshots(
    conn: Connection,
    items: Sequence[tuple[ChartSnapshot, datetime, Attempt]],
    chart_ids: list[int],
    ranking_ids: list[int],
    slots: list[int | None],
    payload_ids: list[int | None],
) -> list[int]:
    """The snapshot rows and their successful attempts' rows; the snapshots' ids, in order."""
    snapshot_ids = insert_ids(
        conn,
        SNAPSHOT,
        [
            _snapshot_row(snap, captured_at, chart_id, ranking_id, slot, payload_id)
            for (snap, captured_at, _), chart_id, ranking_id, slot, payload_id in zip(
                items, chart_ids, ranking_ids, slots, payload_ids, strict=True
            )
        ],
    )
    insert_rows(
        conn,
        ATTEMPT,
        [
            _attempt_row(chart_id, attempt, snapshot_id, payload_id)
            for (_, _, attempt), chart_id, snapshot_id, payload_id in zip(
                items, chart_ids, snapshot_ids, payload_ids, strict=True
            )
        ],
    )
    return snapshot_ids


def _snapshot_row(
    snap: ChartSnapshot,
    captured_at: datetime,
    chart_id: int,
    ranking_id: int,
    slot: int | None,
    payload_id: int | None,
) -> dict[str, object]:
    return {
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
