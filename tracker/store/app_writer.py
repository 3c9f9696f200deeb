"""The `app` rows of the write path: each app stored once per store, keyed by (store, store id).

An app's store is the one its chart's source lists (`SourceFacts.store`): both Apple sources list
the App Store's apps, whose ids are the same in each, and Google Play lists its own. The writer
caches app ids per store, so an App Store id and a Google Play package never stand for each
other's app (nor could they by format: ids of digits against dotted package names).

A cycle's entries are nearly all of apps stored long ago: the writer hands `upsert` only the
entries the listings' cache could not decide (an app it decides was stored by a committed batch),
and those are filtered against the cached ids in C, one hash look-up each.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import compress, filterfalse

from sqlalchemy import Connection, bindparam, func, select, update

from tracker.config.facts import SOURCE_FACTS
from tracker.errors import StoreError
from tracker.models import ChartEntry, entry_app_id
from tracker.store.bulk import insert_ignoring_duplicates, next_ids, raw_executemany, raw_select_in
from tracker.store.listing_writer import META_COLUMNS, Learnt, Meta, entry_meta, named
from tracker.store.schema.base import table_of
from tracker.store.schema.charts import App

APP = table_of(App)


def store_of(source: str) -> str:
    """The store whose apps a source's charts list (`app.store`)."""
    facts = SOURCE_FACTS.get(source)
    if facts is None:
        raise StoreError(f"unknown source {source!r}: no store to keep its apps under")
    return facts.store


@dataclass(slots=True)
class AppCache:
    """One store's app ids learnt in one transaction, merged into the cache on commit."""

    store: str
    ids: dict[str, int]
    inserted: frozenset[str] = frozenset()  # store ids of the apps this transaction made
    # Whether no other writer can have stored anything of `inserted` (SQLite's one writer).
    alone: bool = False

    @property
    def unread(self) -> frozenset[str]:
        """Apps whose listings need not be read: made here, by the only writer."""
        return self.inserted if self.alone else frozenset()


class AppWriter:
    """Inserts apps never seen and keeps `app`'s own columns following their listings."""

    def __init__(self) -> None:
        self._ids: dict[str, dict[str, int]] = {}  # store -> store id -> app id

    def known(self, store: str) -> dict[str, int]:
        """The cached ids of a store's apps (committed ones only)."""
        return self._ids.setdefault(store, {})

    def with_new(self, new: AppCache) -> Mapping[str, int]:
        """Store id -> app id, the cache's and this transaction's (without copying the cache)."""
        return ChainMap(new.ids, self.known(new.store))

    def merged(self, new: AppCache) -> dict[str, int]:
        """`with_new` as one dict, whose look-ups run in C (rank rows look up every entry)."""
        known = self.known(new.store)
        return known | new.ids if new.ids else known

    def remember(self, new: AppCache) -> None:
        """Cache ids learnt in a transaction that has committed."""
        self.known(new.store).update(new.ids)

    def upsert(self, conn: Connection, store: str, entries: Sequence[ChartEntry]) -> AppCache:
        """Insert the store's apps never seen (one statement) among `entries`; returns the ids
        learnt.

        An app's metadata columns follow its listings (`follow_listings`), not every entry.
        """
        ids = self.known(store)
        unknown = list(dict.fromkeys(filterfalse(ids.__contains__, map(entry_app_id, entries))))
        if not unknown:
            return AppCache(store, {})
        fresh_ids = _read(conn, store, unknown)
        wanted = set(unknown) - fresh_ids.keys()
        # The entries of the new apps (the last one of each wins), picked out in C.
        chosen = compress(entries, map(wanted.__contains__, map(entry_app_id, entries)))
        new = {entry.app_id: entry_meta(entry) for entry in chosen}
        inserted: frozenset[str] = frozenset()
        if new:
            made, inserted = _insert(conn, store, new)
            fresh_ids.update(made)
        return AppCache(store, fresh_ids, inserted, conn.dialect.name == "sqlite")

    def follow_listings(self, conn: Connection, listings: Learnt, new: AppCache) -> None:
        """`app`'s own columns: the latest listing any storefront changed to (apps made in this
        batch hold their entry's already); a field the listing lacks keeps the app's value."""
        made = {new.ids[sid] for sid in new.inserted}
        changed = [(i, meta) for i, (_, meta) in listings.latest.items() if i not in made]
        if changed:
            conn.execute(
                update(APP)
                .where(APP.c.id == bindparam("b_id"))
                .values({c: func.coalesce(bindparam(c), APP.c[c]) for c in META_COLUMNS}),
                [{"b_id": app_id, **named(meta)} for app_id, meta in changed],
            )


def _read(conn: Connection, store: str, store_ids: list[str]) -> dict[str, int]:
    """The ids of those of the store's `store_ids` already in the database."""
    if not store_ids:
        return {}
    if conn.dialect.name == "sqlite":
        sql = "SELECT id, store_id FROM app WHERE store = ? AND store_id IN ({})"
        rows = raw_select_in(conn, sql, [store], store_ids)
    else:
        rows = []
        for start in range(0, len(store_ids), 1000):
            chunk = store_ids[start : start + 1000]
            query = select(APP.c.id, APP.c.store_id).where(
                (APP.c.store == store) & APP.c.store_id.in_(chunk)
            )
            rows.extend(conn.execute(query))
    return {r[1]: r[0] for r in rows}


def _insert(
    conn: Connection, store: str, new: dict[str, Meta]
) -> tuple[dict[str, int], frozenset[str]]:
    """Insert apps not in the database; returns their ids, and which this call inserted."""
    if conn.dialect.name == "sqlite":  # the only writer: nobody can insert them meanwhile
        made = dict(zip(new, next_ids(conn, APP, len(new)), strict=True))
        raw_executemany(
            conn,
            APP,
            ["id", "store", "store_id", *META_COLUMNS],
            ((made[sid], store, sid, *meta) for sid, meta in new.items()),
        )
        return made, frozenset(made)
    rows = [{"store": store, "store_id": sid, **named(meta)} for sid, meta in new.items()]
    statement = insert_ignoring_duplicates(conn, APP, ["store", "store_id"])
    result = conn.execute(statement.returning(APP.c.id, APP.c.store_id), rows)
    made = {store_id: app_id for app_id, store_id in result}
    inserted = frozenset(made)
    lost = [sid for sid in new if sid not in made]
    if lost:  # inserted meanwhile by another daemon sharing the database
        made.update(_read(conn, store, lost))
    return made, inserted
