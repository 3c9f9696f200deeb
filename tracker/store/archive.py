"""The raw archive: every response body a fetch kept, byte for byte, compressed and stored once.

A body is known by the SHA-256 of its bytes as served (decoded from any content coding: what
the parser read). An identical body again stores nothing; a new one is compressed with zstd
against the previous body of the same chart, used as a raw-content dictionary: hour-to-hour
bodies differ in a few ranks, so a 50 KB body costs a few hundred bytes. The chain of bases is
capped (`MAX_CHAIN`): every `MAX_CHAIN + 1`th body of a chart is a plain zstd frame, so reading
one decompresses at most that many frames. The table is in tracker/store/schema/archive.py;
retention (pruning) in tracker/store/archive_prune.py.

Read paths use this module without SQLModel (the Core view of the table); the writer calls
`Archiver.archive` inside the transaction that stores the snapshots, so a body and the rows
parsed from it land together or not at all.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, text

from tracker.errors import StoreError
from tracker.models import ChartKey
from tracker.store.bulk import driver, raw_select_in
from tracker.store.engine import read_connection
from tracker.store.frames import AGAINST_BASE, PLAIN, compress, decompress, sha256
from tracker.store.reads import chart_id_for
from tracker.store.schema.views import PAYLOAD, SNAPSHOT
from tracker.timeutil import to_epoch

# The longest chain of bases below a body: reading one decompresses at most MAX_CHAIN + 1 frames,
# and a chart fetched hourly starts a plain frame at least once a day.
MAX_CHAIN = 23
# Charts per statement when asking for their latest bodies (one indexed seek each).
_CHUNK = 200


@dataclass(frozen=True, slots=True)
class Known:
    """An archived body held in full: the next body of its chart is compressed against it."""

    payload_id: int
    chain: int
    body: bytes
    digest: bytes


@dataclass(frozen=True, slots=True)
class Archived:
    """What one call to `Archiver.archive` stored: a payload id per item (None: no body), and
    each chart's newest body, for `Archiver.remember` once the transaction has committed."""

    payload_ids: list[int | None]
    latest: dict[int, Known]


@dataclass(frozen=True, slots=True)
class _Guess:
    """A body hashed, and compressed against the chart's body the writer remembers (`known`),
    on a worker thread while the transaction stores the rank rows; the frame is used if that
    body is still the chart's latest when the payload is written, else it is made again."""

    known: Known | None
    work: Future[tuple[bytes, bytes | None]]  # (digest, frame; None: `known`'s body again)


Started = list[_Guess | None]


class Archiver:
    """Archives bodies inside the caller's transaction, remembering each chart's latest body so
    that the next one is compressed without reading the archive. Not thread-safe but for
    `begin`: the writer calls the rest under its lock.

    The memory is the latest body of each chart written (about 70 KB each). It is checked
    against the database on every call (one indexed seek per chart), so a body another process
    archived since, or one pruned, is never used as a base by mistake.
    """

    def __init__(self) -> None:
        self._latest: dict[int, Known] = {}
        # Bodies whose work began as they arrived (`begin`), per chart: the newest one only.
        self._early: dict[int, tuple[bytes, _Guess]] = {}
        self._early_lock = threading.Lock()  # `begin` runs on the fetch's thread

    def remember(self, latest: dict[int, Known]) -> None:
        """Keep the charts' newest bodies of a transaction that has committed."""
        self._latest.update(latest)

    def begin(self, chart_id: int, body: bytes) -> None:
        """Start hashing and compressing a body the moment it arrives, before it is saved, so
        the work overlaps the rest of the fetch instead of the write transaction; `start`
        picks it up. Thread-safe, unlike the rest of this class: a fetch calls it as each
        body arrives, while the writer may be saving an earlier batch."""
        known = self._latest.get(chart_id)
        guess = _Guess(known, _workers().submit(_hash_and_compress, body, known))
        with self._early_lock:
            self._early[chart_id] = (body, guess)

    def start(self, items: Sequence[tuple[int, bytes | None, datetime]]) -> Started:
        """Hash and compress the bodies on worker threads (zstd and hashlib release the GIL),
        each against its chart's remembered body; `archive` then waits for them. A chart twice
        in one batch is compressed in `archive`, against the first."""
        guesses: Started = []
        charts: set[int] = set()
        for chart_id, body, _ in items:
            with self._early_lock:
                early = self._early.pop(chart_id, None)
            if body is None or chart_id in charts:
                guesses.append(None)
                continue
            charts.add(chart_id)
            if early is not None and early[0] is body:
                guesses.append(early[1])
                continue
            known = self._latest.get(chart_id)
            guesses.append(_Guess(known, _workers().submit(_hash_and_compress, body, known)))
        return guesses

    def archive(
        self,
        conn: Connection,
        items: Sequence[tuple[int, bytes | None, datetime]],
        started: Started | None = None,
    ) -> Archived:
        """Store each (chart id, body, time) not stored already; a payload id for each item."""
        guesses = started or [None] * len(items)
        done = [None if g is None else g.work.result() for g in guesses]
        digests = [
            None if body is None else guess[0] if guess else sha256(body)
            for (_, body, _), guess in zip(items, done, strict=True)
        ]
        wanted = list(dict.fromkeys(d for d in digests if d is not None))
        if not wanted:
            return Archived([None] * len(items), {})
        known = _ids_of(conn, wanted)
        fresh: dict[bytes, _Fresh] = {}
        for (chart_id, body, at), digest, guess, result in zip(
            items, digests, guesses, done, strict=True
        ):
            if body is not None and digest is not None and digest not in known:
                frame = None if guess is None or result is None else result[1]
                known_then = None if guess is None or frame is None else guess.known
                fresh.setdefault(digest, _Fresh(chart_id, body, at, known_then, frame))
        latest: dict[int, Known] = {}
        if fresh:
            latest = self._store(conn, fresh)
            if conn.dialect.name == "sqlite":  # we hold the write lock: every row went in
                known.update((k.digest, k.payload_id) for k in latest.values())
            known.update(_ids_of(conn, [d for d in fresh if d not in known]))
            # A row another daemon inserted first (PostgreSQL) is theirs: not our base.
            latest = {c: k for c, k in latest.items() if known.get(k.digest) == k.payload_id}
        return Archived([None if d is None else known[d] for d in digests], latest)

    def _store(self, conn: Connection, fresh: dict[bytes, _Fresh]) -> dict[int, Known]:
        """Insert the new bodies, each against its chart's latest; returns the charts' newest."""
        charts = list(dict.fromkeys(f.chart_id for f in fresh.values()))
        stored_latest = _latest_ids(conn, charts)
        ids = _new_ids(conn, len(fresh))
        newest: dict[int, Known] = {}
        rows = []
        for (digest, new), payload_id in zip(fresh.items(), ids, strict=True):
            chart_id, body = new.chart_id, new.body
            stored = stored_latest.get(chart_id)
            base = newest.get(chart_id)
            data = None
            against = None if new.known is None else new.known.payload_id
            if base is None and new.frame is not None and against == stored:
                # Made on a worker against what is still the chart's latest body: use it.
                base, data = new.known, new.frame
            elif base is None:
                base = self._base(conn, chart_id, stored)
            if base is not None and base.chain < MAX_CHAIN:
                codec, base_id, chain = AGAINST_BASE, base.payload_id, base.chain + 1
                data = data or compress(body, base.body)
            else:
                codec, base_id, chain = PLAIN, None, 0
                data = data or compress(body)
            rows.append(
                {
                    "id": payload_id,
                    "sha256": digest,
                    "chart_id": chart_id,
                    "stored_at": to_epoch(new.at),
                    "size": len(body),
                    "codec": codec,
                    "base_id": base_id,
                    "chain": chain,
                    "data": data,
                }
            )
            newest[chart_id] = Known(payload_id, chain, body, digest)
        if conn.dialect.name == "sqlite":  # the driver's executemany: no SQLAlchemy per row
            driver(conn).executemany(_INSERT, rows)
        else:
            conn.execute(text(_INSERT), rows)
        return newest

    def _base(self, conn: Connection, chart_id: int, stored: int | None) -> Known | None:
        """The chart's latest archived body, from memory when it is still the latest."""
        if stored is None:
            return None
        remembered = self._latest.get(chart_id)
        if remembered is not None and remembered.payload_id == stored:
            return remembered
        row = conn.execute(
            select(PAYLOAD.c.chain, PAYLOAD.c.sha256).where(PAYLOAD.c.id == stored)
        ).one()
        return Known(stored, int(row.chain), read_body(conn, stored), bytes(row.sha256))


@dataclass(frozen=True, slots=True)
class _Fresh:
    """A body to insert, with the frame a worker made for it against `known`, if any."""

    chart_id: int
    body: bytes
    at: datetime
    known: Known | None
    frame: bytes | None


def _hash_and_compress(body: bytes, known: Known | None) -> tuple[bytes, bytes | None]:
    """(digest, frame): plain when `known` is None or ends a full chain, else against its body
    (as `Archiver._store` decides); no frame when the body is `known`'s again (stored already)."""
    digest = sha256(body)
    if known is not None and digest == known.digest:
        return digest, None
    if known is None or known.chain >= MAX_CHAIN:
        return digest, compress(body)
    return digest, compress(body, known.body)


_POOL: ThreadPoolExecutor | None = None


def _workers() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="apprank-archive")
    return _POOL


# ON CONFLICT: on PostgreSQL another daemon may archive the same body at the same moment.
_INSERT = (
    "INSERT INTO payload (id, sha256, chart_id, stored_at, size, codec, base_id, chain, data) "
    "VALUES (:id, :sha256, :chart_id, :stored_at, :size, :codec, :base_id, :chain, :data) "
    "ON CONFLICT (sha256) DO NOTHING"
)


def read_body(conn: Connection, payload_id: int, cache: dict[int, bytes] | None = None) -> bytes:
    """The body of one payload exactly as served, checked against its size and digest.

    `cache` (payload id -> body) is read and filled: a caller reading many bodies of a chart in
    order decompresses each frame once.
    """
    chain: list[Any] = []
    at: int | None = payload_id
    while at is not None and (cache is None or at not in cache):
        row = conn.execute(
            select(
                PAYLOAD.c.id,
                PAYLOAD.c.codec,
                PAYLOAD.c.base_id,
                PAYLOAD.c.size,
                PAYLOAD.c.sha256,
                PAYLOAD.c.data,
            ).where(PAYLOAD.c.id == at)
        ).one_or_none()
        if row is None or len(chain) > MAX_CHAIN:
            raise StoreError(f"the archived body {payload_id} is damaged: its base {at} is missing")
        chain.append(row)
        at = row.base_id
    # Where the walk stopped: a plain frame (None) or a body the cache holds.
    body = None if at is None or cache is None else cache[at]
    for row in reversed(chain):
        body = decompress(bytes(row.data), body if row.codec == AGAINST_BASE else None)
        if len(body) != row.size or sha256(body) != bytes(row.sha256):
            raise StoreError(f"the archived body {row.id} does not match its digest")
        if cache is not None:
            cache[row.id] = body
    if body is None:  # a chain ends in a plain frame or in the cache: never here
        raise StoreError(f"no archived body {payload_id}")
    return body


def _ids_of(conn: Connection, digests: list[bytes]) -> dict[bytes, int]:
    if conn.dialect.name == "sqlite":  # the driver's own: SQLAlchemy's binds cost more here
        rows = raw_select_in(
            conn, "SELECT sha256, id FROM payload WHERE sha256 IN ({})", [], digests
        )
        return {bytes(digest): int(payload_id) for digest, payload_id in rows}
    found: dict[bytes, int] = {}
    for start in range(0, len(digests), 500):
        chunk = digests[start : start + 500]
        found.update(
            (bytes(row.sha256), int(row.id))
            for row in conn.execute(
                select(PAYLOAD.c.sha256, PAYLOAD.c.id).where(PAYLOAD.c.sha256.in_(chunk))
            )
        )
    return found


def _latest_ids(conn: Connection, chart_ids: list[int]) -> dict[int, int]:
    """Each chart's newest payload id (charts with none left out): one backward seek of
    ix_payload_chart each, all in one statement per chunk."""
    latest: dict[int, int] = {}
    seek = "(SELECT id FROM payload WHERE chart_id = ? ORDER BY id DESC LIMIT 1)"
    for start in range(0, len(chart_ids), _CHUNK):
        chunk = chart_ids[start : start + _CHUNK]
        sql = f"SELECT {', '.join([seek] * len(chunk))}"
        if conn.dialect.name == "sqlite":  # the driver's own: SQLAlchemy's binds cost more here
            values = driver(conn).execute(sql, chunk).fetchone()
        else:
            values = conn.exec_driver_sql(sql.replace("?", "%s"), tuple(chunk)).one()
        latest.update((c, int(v)) for c, v in zip(chunk, values, strict=True) if v is not None)
    return latest


def _new_ids(conn: Connection, count: int) -> list[int]:
    """Ids for `count` new payload rows, known before they are inserted: a body may be the
    base of the next one in the same batch."""
    if conn.dialect.name == "sqlite":  # under the write lock: nobody inserts meanwhile
        first = int(
            conn.exec_driver_sql("SELECT coalesce(max(id), 0) + 1 FROM payload").scalar_one()
        )
        return list(range(first, first + count))
    result = conn.execute(
        text("SELECT nextval(pg_get_serial_sequence('payload', 'id')) FROM generate_series(1, :n)"),
        {"n": count},
    )
    return [int(v) for v in result.scalars()]


@dataclass(frozen=True, slots=True)
class SnapshotBody:
    """A stored snapshot and where its body is (`payload_id` None: not archived)."""

    snapshot_id: int
    captured_at: datetime
    payload_id: int | None


def snapshot_at(engine: Engine, key: ChartKey, at: datetime | None = None) -> SnapshotBody | None:
    """The chart's latest snapshot at or before `at` (None: the latest of all); one backward
    seek of ix_snapshot_chart_time."""
    chart_id = chart_id_for(engine, key)
    if chart_id is None:
        return None
    query = select(SNAPSHOT.c.id, SNAPSHOT.c.captured_at, SNAPSHOT.c.payload_id).where(
        SNAPSHOT.c.chart_id == chart_id
    )
    if at is not None:
        query = query.where(SNAPSHOT.c.captured_at <= at)
    query = query.order_by(SNAPSHOT.c.captured_at.desc(), SNAPSHOT.c.id.desc()).limit(1)
    with read_connection(engine) as conn:
        row = conn.execute(query).one_or_none()
    return None if row is None else SnapshotBody(row.id, row.captured_at, row.payload_id)


def body_of(engine: Engine, payload_id: int) -> bytes:
    """One archived body exactly as served."""
    with read_connection(engine) as conn:
        return read_body(conn, payload_id)


def payload_digests(conn: Connection, snapshot_ids: Sequence[int]) -> dict[int, bytes]:
    """snapshot id -> the SHA-256 of the body it was parsed from, for the snapshots that have
    one archived (provenance: `payload_sha256`)."""
    found: dict[int, bytes] = {}
    for start in range(0, len(snapshot_ids), 500):
        chunk = list(snapshot_ids[start : start + 500])
        query = (
            select(SNAPSHOT.c.id, PAYLOAD.c.sha256)
            .join(PAYLOAD, PAYLOAD.c.id == SNAPSHOT.c.payload_id)
            .where(SNAPSHOT.c.id.in_(chunk))
        )
        found.update((int(row.id), bytes(row.sha256)) for row in conn.execute(query))
    return found
