"""The write path of app listings (tracker/store/schema/listings.py): per snapshot, each entry's
fields against the app's listing valid at that snapshot's time in that storefront, and a row
where they differ.

A cycle stores hundreds of charts whose apps nearly all show what they showed an hour before, so
the common case stays in C: per storefront the writer caches, for each app, the entry fields it
last saw that match the app's latest listing, and a snapshot no older than every cached listing
is filtered against that cache by `dict_items.__contains__`, one hash look-up per entry. What is
left (apps not cached, changed fields, every entry of a snapshot older than the cache: an import,
a catch-up) is decided on the apps' stored histories, read once per storefront and batch.

The history stays true when snapshots come out of order: a change is valid from the first
snapshot that showed it. So a snapshot older than a listing that shows that listing's values
moves the listing back to it, and one that shows something else adds a row at its own time.
A feed that leaves a field out (None: the RSS v2 feed has no genre for ranks 1 to 10) keeps what
the storefront showed before rather than changing the listing back and forth.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress, filterfalse

from sqlalchemy import Connection, bindparam, update

from tracker.models import LISTING_FIELDS, ChartEntry, entry_listing
from tracker.store.bulk import insert_ignoring_duplicates, raw_executemany, raw_select_in
from tracker.store.schema.base import table_of
from tracker.store.schema.listings import AppListing

LISTING = table_of(AppListing)
# The per-entry metadata columns, of `app` and `app_listing` alike: the one list of them that
# the writer, reparse and their reads go by, named and ordered as ChartEntry's fields after its
# rank and id; the last ones (DETAIL_COLUMNS) only Google Play serves.
META_COLUMNS = LISTING_FIELDS
KEY_COLUMNS = ["app_id", "source", "country", "valid_from"]

Meta = tuple[str | int | float | None, ...]  # an entry's META_COLUMNS, in that order
Storefront = tuple[str, str]  # (source, country)
# One snapshot as the cache sees it: its storefront, captured_at (epoch s), entries and their
# store ids.
Shown = tuple[Storefront, int, Sequence[ChartEntry], Sequence[str]]
# Per storefront, the store ids the cache cannot decide (`ListingWriter.undecided`).
Undecided = dict[Storefront, set[str]]
# One snapshot as the write sees it: its storefront, captured_at, id, and its entries of the
# apps the cache could not decide (`undecided_entries`).
Observed = tuple[Storefront, int, int, Sequence[ChartEntry]]

# An entry's META_COLUMNS as a tuple: a slice of it, in C (this runs once per rank row).
entry_meta: Callable[[ChartEntry], Meta] = entry_listing


def named(meta: Meta) -> dict[str, str | int | float | None]:
    """The metadata as column -> value, for statements that take rows as dictionaries."""
    return dict(zip(META_COLUMNS, meta, strict=True))


_HISTORY_SQL = (
    f"SELECT id, app_id, valid_from, snapshot_id, {', '.join(META_COLUMNS)} FROM app_listing "
    "WHERE source = ? AND country = ? AND app_id IN ({}) ORDER BY app_id, valid_from"
)


@dataclass(slots=True)
class Listing:
    """One row of an app's history in a storefront, as the writer works on it."""

    valid_from: int
    meta: Meta
    snapshot_id: int | None
    id: int | None = None  # None: made in this batch, not inserted yet
    moved: bool = False  # a stored row whose valid_from and snapshot_id changed


def merged(raw: Meta, base: Meta | None) -> Meta:
    """The entry's fields, with those it leaves out (None) taken from what was listed before."""
    if base is None or None not in raw:
        return raw
    return tuple(b if r is None else r for r, b in zip(raw, base, strict=True))


def observe(history: list[Listing], at: int, snapshot_id: int, raw: Meta) -> None:
    """Fold one snapshot's entry for the app into its history (sorted by valid_from)."""
    i = bisect_right([listing.valid_from for listing in history], at)
    before = history[i - 1] if i else None
    after = history[i] if i < len(history) else None
    base = before or after
    meta = merged(raw, base.meta if base else None)
    if before is not None and (before.meta == meta or before.valid_from == at):
        # Unchanged; or another chart of the storefront, captured at the same second, showed
        # other values: the first one stored keeps that second (the key is unique).
        return
    if after is not None and after.meta == meta:
        # The values a later snapshot showed first were showing already: valid from here.
        after.valid_from, after.snapshot_id = at, snapshot_id
        after.moved = after.id is not None
        return
    history.insert(i, Listing(at, meta, snapshot_id))


@dataclass(slots=True)
class Learnt:
    """What a batch taught the cache, merged into it once the batch's transaction commits."""

    seen: dict[Storefront, dict[str, Meta]] = field(default_factory=dict)
    forgotten: dict[Storefront, set[str]] = field(default_factory=dict)
    newest: dict[Storefront, int] = field(default_factory=dict)
    rows: int = 0  # listing rows inserted
    # Internal app id -> (valid_from, values) of the latest new row heading one of its
    # storefront histories: what the app changed to, for `app`'s own columns.
    latest: dict[int, tuple[int, Meta]] = field(default_factory=dict)


class ListingWriter:
    """Writes listings for batches of snapshots, with the cache described above."""

    def __init__(self) -> None:
        # Per storefront: store id -> the entry fields last seen, which match its latest listing.
        self._seen: dict[Storefront, dict[str, Meta]] = {}
        # Per storefront: the latest valid_from among the cached apps' latest listings.
        self._newest: dict[Storefront, int] = {}

    def write(
        self,
        conn: Connection,
        observed: Sequence[Observed],
        slow: Undecided,
        app_ids: Mapping[str, int],
        made: Collection[str] = (),
    ) -> Learnt:
        """Insert and move the listing rows the undecided entries (`slow`) call for, inside the
        caller's transaction; returns what to cache once it commits. `made`: store ids of the
        apps this transaction inserted, which have no history to read."""
        learnt = Learnt()
        if not slow:
            return learnt
        histories = {
            sf: _histories(conn, sf, [app_ids[s] for s in ids if s not in made])
            for sf, ids in slow.items()
        }
        last: dict[tuple[Storefront, str], tuple[int, Meta]] = {}
        for sf, at, snapshot_id, entries in observed:
            for entry in entries:
                store_id = entry.app_id
                raw = entry_meta(entry)
                history = histories[sf].setdefault(app_ids[store_id], [])
                observe(history, at, snapshot_id, raw)
                seen_at = last.get((sf, store_id))
                if seen_at is None or seen_at[0] <= at:
                    last[(sf, store_id)] = (at, raw)
        for by_app in histories.values():
            for app_id, history in by_app.items():
                head = history[-1]
                known = learnt.latest.get(app_id)
                if head.id is None and (known is None or known[0] < head.valid_from):
                    learnt.latest[app_id] = (head.valid_from, head.meta)
        learnt.rows = _store(conn, histories)
        for (sf, store_id), (_, raw) in last.items():
            latest = histories[sf][app_ids[store_id]][-1]
            if merged(raw, latest.meta) == latest.meta:
                learnt.seen.setdefault(sf, {})[store_id] = raw
            else:  # the newest entry is older than the latest listing: decide it again next time
                learnt.forgotten.setdefault(sf, set()).add(store_id)
            newest = learnt.newest.get(sf)
            if newest is None or latest.valid_from > newest:
                learnt.newest[sf] = latest.valid_from
        return learnt

    def remember(self, learnt: Learnt) -> None:
        """Cache what a batch whose transaction committed learnt."""
        for sf, seen in learnt.seen.items():
            self._seen.setdefault(sf, {}).update(seen)
        for sf, gone in learnt.forgotten.items():
            cached = self._seen.get(sf, {})
            for store_id in gone:
                cached.pop(store_id, None)
        for sf, newest in learnt.newest.items():
            self._newest[sf] = max(newest, self._newest.get(sf, newest))

    def undecided(self, shown: Sequence[Shown]) -> Undecided:
        """Per storefront, the store ids the cache cannot decide, for every snapshot. An app
        the cache decides is one a committed batch stored: the caller need not look it up."""
        slow: Undecided = {}
        for sf, at, entries, store_ids in shown:
            seen = self._seen.get(sf)
            if seen is None or at < self._newest.get(sf, at):
                slow.setdefault(sf, set()).update(store_ids)
                continue
            pairs = zip(store_ids, map(entry_meta, entries), strict=True)
            changed = [store_id for store_id, _ in filterfalse(seen.items().__contains__, pairs)]
            if changed:
                slow.setdefault(sf, set()).update(changed)
        return slow


def undecided_entries(shown: Sequence[Shown], slow: Undecided) -> list[list[ChartEntry]]:
    """Each snapshot's entries of the apps `slow` names in its storefront, picked out in C:
    most of a cycle's entries are decided by the cache, and nothing else looks at them."""
    return [
        list(compress(entries, map(slow[sf].__contains__, store_ids))) if sf in slow else []
        for sf, _, entries, store_ids in shown
    ]


def _histories(conn: Connection, sf: Storefront, app_ids: list[int]) -> dict[int, list[Listing]]:
    """The stored listing rows of these apps in the storefront, per app in valid_from order."""
    if not app_ids:
        return {}
    if conn.dialect.name == "sqlite":
        rows = raw_select_in(conn, _HISTORY_SQL, list(sf), app_ids)
    else:
        from sqlalchemy import text

        statement = text(
            _HISTORY_SQL.replace("?", ":source", 1)
            .replace("?", ":country", 1)
            .replace("({})", ":apps")
        ).bindparams(bindparam("apps", expanding=True))
        rows = []
        for start in range(0, len(app_ids), 5000):
            chunk = app_ids[start : start + 5000]
            params = {"source": sf[0], "country": sf[1], "apps": chunk}
            rows.extend(tuple(r) for r in conn.execute(statement, params))
    out: dict[int, list[Listing]] = {}
    for row_id, app_id, valid_from, snapshot_id, *meta in rows:
        out.setdefault(app_id, []).append(
            Listing(int(valid_from), tuple(meta), snapshot_id, row_id)
        )
    return out


def _store(conn: Connection, histories: dict[Storefront, dict[int, list[Listing]]]) -> int:
    """Insert the new rows and move the moved ones; returns how many rows were inserted."""
    new: list[tuple[object, ...]] = []
    moved: list[dict[str, object]] = []
    for (source, country), by_app in histories.items():
        for app_id, history in by_app.items():
            for listing in history:
                if listing.id is None:
                    key = (app_id, source, country, listing.valid_from, listing.snapshot_id)
                    new.append((*key, *listing.meta))
                elif listing.moved:
                    moved.append(
                        {"b_id": listing.id, "valid_from": listing.valid_from,
                         "snapshot_id": listing.snapshot_id}
                    )  # fmt: skip
    if moved:
        # Moved back in time, so never onto the second of the row before them (see observe).
        conn.execute(
            update(LISTING)
            .where(LISTING.c.id == bindparam("b_id"))
            .values(valid_from=bindparam("valid_from"), snapshot_id=bindparam("snapshot_id")),
            moved,
        )
    if not new:
        return 0
    columns = [*KEY_COLUMNS, "snapshot_id", *META_COLUMNS]
    if conn.dialect.name == "sqlite":  # the only writer, and the histories were read under its lock
        raw_executemany(conn, LISTING, columns, new)
    else:  # another daemon may be storing the same storefront's change right now
        conn.execute(
            insert_ignoring_duplicates(conn, LISTING, KEY_COLUMNS),
            [dict(zip(columns, row, strict=True)) for row in new],
        )
    return len(new)
