"""The writes of `apprank reparse --apply`, one transaction per snapshot: a stored snapshot takes
the ranking its body parses to now (content-addressed by its apps' digest, as the writer stores
rankings: an existing one is reused, the one it leaves is deleted when no snapshot uses it), its
depth and feed time, and its listings (tracker/store/reparse_listings.py); a refused body that
now parses becomes a snapshot, its attempt keeping its record and pointing at it.

Apps a new parse names that the database lacks are inserted with the entry's fields. Apps already
stored keep their `app` row (the latest fields any feed showed, what a storefront without a
listing of the app falls back to): an old snapshot says nothing about the latest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select, update

from tracker.errors import StoreError
from tracker.models import ChartEntry, ChartSnapshot
from tracker.store.bulk import bulk_entries, insert_ids, insert_ignoring_duplicates
from tracker.store.listing_writer import Listing, Storefront, entry_meta, named
from tracker.store.reparse_listings import next_showing, read_histories, refit, store_changes
from tracker.store.writer import APP, ATTEMPT, ENTRY, RANKING, SNAPSHOT, ranking_digest

IN_LIST = 500


@dataclass(frozen=True, slots=True)
class Target:
    """Where a re-parsed body goes: the storefront's charts (for the listings) and the snapshot
    (`snapshot_id` None: to be made from a refused attempt's body)."""

    storefront: Storefront
    chart_ids: Sequence[int]
    chart_id: int
    at: int  # captured_at, epoch s
    snapshot_id: int | None


def app_ids(
    conn: Connection, store: str, entries: Sequence[ChartEntry], known: Mapping[str, int]
) -> dict[str, int]:
    """store id -> app id for every entry, inserting the apps the database lacks (`known`:
    ids read before; an app is never deleted, so they hold)."""
    found = {e.app_id: known[e.app_id] for e in entries if e.app_id in known}
    found.update(_stored_apps(conn, store, [e.app_id for e in entries if e.app_id not in found]))
    missing = [e for e in entries if e.app_id not in found]
    if missing:
        rows = [{"store": store, "store_id": e.app_id, **named(entry_meta(e))} for e in missing]
        conn.execute(insert_ignoring_duplicates(conn, APP, ["store", "store_id"]), rows)
        found.update(_stored_apps(conn, store, [e.app_id for e in missing]))
    return found


def _stored_apps(conn: Connection, store: str, store_ids: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(store_ids), IN_LIST):
        chunk = list(store_ids[start : start + IN_LIST])
        found.update(
            (row.store_id, int(row.id))
            for row in conn.execute(
                select(APP.c.id, APP.c.store_id).where(
                    (APP.c.store == store) & APP.c.store_id.in_(chunk)
                )
            )
        )
    return found


def ranking_id(conn: Connection, entries: Sequence[ChartEntry], ids: dict[str, int]) -> int:
    """The ranking of these entries, stored once by digest as the writer stores them."""
    digest = ranking_digest([e.app_id for e in entries])
    query = select(RANKING.c.id).where(RANKING.c.digest == digest)
    found = conn.execute(query).scalar()
    if found is not None:
        return int(found)
    conn.execute(
        insert_ignoring_duplicates(conn, RANKING, ["digest"]),
        [{"digest": digest, "size": len(entries)}],
    )
    made = int(conn.execute(query).scalar_one())
    # Another daemon (PostgreSQL) may have stored the same ranking meanwhile, rows and all.
    if conn.execute(select(ENTRY.c.rank).where(ENTRY.c.ranking_id == made).limit(1)).first():
        return made
    bulk_entries(conn, ENTRY, [(made, e.rank, ids[e.app_id]) for e in entries])
    return made


def drop_if_unused(conn: Connection, ranking: int) -> None:
    """Delete a ranking and its rank rows when no snapshot points at it any more."""
    if conn.dialect.name == "postgresql":  # a daemon storing a snapshot of it waits, or we do
        conn.execute(select(RANKING.c.id).where(RANKING.c.id == ranking).with_for_update())
    used = select(SNAPSHOT.c.id).where(SNAPSHOT.c.ranking_id == ranking).limit(1)
    if conn.execute(used).first() is None:
        conn.execute(delete(ENTRY).where(ENTRY.c.ranking_id == ranking))
        conn.execute(delete(RANKING).where(RANKING.c.id == ranking))


def replace(
    conn: Connection,
    target: Target,
    parsed: ChartSnapshot,
    was: Sequence[int],
    known: Mapping[str, int],
    store: str,
) -> dict[int, list[Listing]]:
    """Make stored snapshot `target.snapshot_id` what `parsed` says (`was`: the app ids of its
    stored ranking); returns the histories of its apps as they are now."""
    sid = target.snapshot_id
    if sid is None:
        raise StoreError("reparse: no snapshot to replace")
    ids = app_ids(conn, store, parsed.entries, known)
    old = conn.execute(select(SNAPSHOT.c.ranking_id).where(SNAPSHOT.c.id == sid)).scalar()
    if old is None:
        raise StoreError(f"snapshot {sid} is gone (deleted while reparse ran)")
    new = ranking_id(conn, parsed.entries, ids)
    conn.execute(
        update(SNAPSHOT)
        .where(SNAPSHOT.c.id == sid)
        .values(
            ranking_id=new,
            depth_returned=parsed.depth_returned,
            feed_updated_at=parsed.feed_updated_at,
        )
    )
    if new != old:
        drop_if_unused(conn, int(old))
    return _listings(conn, target, sid, parsed.entries, ids, was)


def create(
    conn: Connection,
    target: Target,
    parsed: ChartSnapshot,
    attempt: tuple[int, int],
    simulated: bool,
    known: Mapping[str, int],
    store: str,
) -> tuple[int, dict[int, list[Listing]]]:
    """Store `parsed` as a new snapshot of a refused attempt (`attempt`: its id and payload id),
    which then points at it; returns the snapshot id and its apps' histories as they are now."""
    attempt_id, payload_id = attempt
    ids = app_ids(conn, store, parsed.entries, known)
    row = {
        "chart_id": target.chart_id,
        "captured_at": target.at,
        "feed_updated_at": parsed.feed_updated_at,
        "depth_requested": parsed.request.depth,
        "depth_returned": parsed.depth_returned,
        "ranking_id": ranking_id(conn, parsed.entries, ids),
        "slot": None,
        "simulated": simulated,
        "payload_id": payload_id,
    }
    (sid,) = insert_ids(conn, SNAPSHOT, [row])
    linked = conn.execute(
        update(ATTEMPT)
        .where((ATTEMPT.c.id == attempt_id) & ATTEMPT.c.snapshot_id.is_(None))
        .values(snapshot_id=sid)
    )
    if linked.rowcount != 1:
        raise StoreError(f"fetch attempt {attempt_id} already made a snapshot")
    return sid, _listings(conn, target, sid, parsed.entries, ids, ())


def _listings(
    conn: Connection,
    target: Target,
    sid: int,
    entries: Sequence[ChartEntry],
    ids: dict[str, int],
    was: Sequence[int],
) -> dict[int, list[Listing]]:
    """Refit the histories of the snapshot's apps (now and before), read in this transaction."""
    shown = {ids[e.app_id]: entry_meta(e) for e in entries}
    apps = list(dict.fromkeys([*shown, *was]))
    before = read_histories(conn, target.storefront, apps)
    after = {a: [Listing(r.valid_from, r.meta, r.snapshot_id, r.id) for r in rows]
             for a, rows in before.items()}  # fmt: skip
    find = next_showing(conn, target.chart_ids)
    for app_id in apps:
        refit(after[app_id], app_id, target.at, sid, shown.get(app_id), find)
    store_changes(conn, target.storefront, before, after)
    return after
