"""Retention of the raw archive (`[archive] keep = "90d"`): bodies nothing recent points at go.

A body is kept while a snapshot or fetch attempt at or after the cutoff points at it. Older
snapshots and attempts lose their reference (`apprank raw` then says the body was not kept),
and a body no row points at any more is deleted, unless it is the newest row of the table
(see `_page`). A body that is the base of one being kept is not left half-decodable: the kept
one is first re-encoded as a plain frame, and the chain counts above it are lowered to match.

Bodies are visited oldest first (ix_payload_stored), a page per transaction, so a writer is
never held up long and a prune with nothing to do is one index probe.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Connection, Engine, bindparam, delete, func, select, update

from tracker.store.archive import read_body
from tracker.store.engine import write_transaction
from tracker.store.frames import PLAIN, compress
from tracker.store.schema.views import ATTEMPT, PAYLOAD, SNAPSHOT
from tracker.timeutil import to_epoch

log = logging.getLogger("apprank.store")

PAGE = 500


def prune_archive(engine: Engine, cutoff: datetime, *, page: int = PAGE) -> int:
    """Delete the bodies only snapshots and attempts older than `cutoff` point at; returns how
    many went."""
    removed = 0
    after = (-1, 0)
    while True:
        with write_transaction(engine) as conn:
            gone, after, more = _page(conn, to_epoch(cutoff), after, page)
        removed += gone
        if not more:
            return removed


def _page(
    conn: Connection, cutoff: int, after: tuple[int, int], size: int
) -> tuple[int, tuple[int, int], bool]:
    """One page of the bodies stored before `cutoff`, oldest first from `after` (stored_at,
    id): (deleted, where the page ended, whether there may be more)."""
    stored, last = after
    rows = conn.execute(
        select(PAYLOAD.c.id, PAYLOAD.c.stored_at)
        .where(
            (PAYLOAD.c.stored_at < cutoff)
            & (
                (PAYLOAD.c.stored_at > stored)
                | ((PAYLOAD.c.stored_at == stored) & (PAYLOAD.c.id > last))
            )
        )
        .order_by(PAYLOAD.c.stored_at, PAYLOAD.c.id)
        .limit(size)
    ).all()
    if not rows:
        return 0, after, False
    old = [int(r.id) for r in rows]
    end = (to_epoch(rows[-1].stored_at), old[-1])
    referring = ((SNAPSHOT, SNAPSHOT.c.captured_at), (ATTEMPT, ATTEMPT.c.started_at))
    for table, time in referring:
        conn.execute(
            update(table)
            .where(table.c.payload_id.in_(old) & (time < cutoff))
            .values(payload_id=None)
        )
    # Still pointed at (the same body served again since): stored_at moves up to the latest
    # row that points at it, out of the way of the next prunes until then.
    used: dict[int, int] = {}
    for table, time in referring:
        for payload_id, latest in conn.execute(
            select(table.c.payload_id, func.max(time))
            .where(table.c.payload_id.in_(old))
            .group_by(table.c.payload_id)
        ):
            used[int(payload_id)] = max(used.get(int(payload_id), 0), _epoch(latest))
    if used:
        conn.execute(
            update(PAYLOAD)
            .where(PAYLOAD.c.id == bindparam("b_id"))
            .values(stored_at=bindparam("at")),
            [{"b_id": i, "at": at} for i, at in used.items()],
        )
    newest = conn.execute(select(func.max(PAYLOAD.c.id))).scalar()
    # The newest row stays: SQLite numbers a new row max(id) + 1, and a writer that remembers
    # the body of a deleted newest id must never meet another body under that id.
    doomed = [i for i in old if i not in used and i != newest]
    if doomed:
        _detach(conn, doomed)
        conn.execute(delete(PAYLOAD).where(PAYLOAD.c.id.in_(doomed)))
    return len(doomed), end, len(rows) == size


def _detach(conn: Connection, doomed: list[int]) -> None:
    """Re-encode, as plain frames, the kept bodies whose base is about to go."""
    gone = set(doomed)
    kept = [
        int(v)
        for v in conn.execute(select(PAYLOAD.c.id).where(PAYLOAD.c.base_id.in_(doomed))).scalars()
        if int(v) not in gone
    ]
    if not kept:
        return
    cache: dict[int, bytes] = {}
    plain = [{"b_id": i, "data": compress(read_body(conn, i, cache))} for i in kept]
    conn.execute(
        update(PAYLOAD)
        .where(PAYLOAD.c.id == bindparam("b_id"))
        .values(codec=PLAIN, base_id=None, chain=0, data=bindparam("data")),
        plain,
    )
    _rechain(conn, {i: 0 for i in kept})
    log.info("archive: %d kept bodies re-encoded as plain frames (their bases expired)", len(kept))


def _rechain(conn: Connection, frontier: dict[int, int]) -> None:
    """Lower the chain count of every body above the re-encoded ones: base's chain + 1."""
    while frontier:
        children = conn.execute(
            select(PAYLOAD.c.id, PAYLOAD.c.base_id).where(PAYLOAD.c.base_id.in_(list(frontier)))
        ).all()
        if not children:
            return
        below = {int(r.id): frontier[int(r.base_id)] + 1 for r in children}
        conn.execute(
            update(PAYLOAD).where(PAYLOAD.c.id == bindparam("b_id")).values(chain=bindparam("c")),
            [{"b_id": i, "c": chain} for i, chain in below.items()],
        )
        frontier = below


def _epoch(value: object) -> int:
    # The view's UTCEpoch column reads back as an aware datetime.
    return to_epoch(value) if isinstance(value, datetime) else int(str(value))
