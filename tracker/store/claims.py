"""Claims: several daemons sharing one database fetch each (chart, time slot) exactly once.

A daemon inserts a claim row for every chart of a slot before fetching; the primary key lets
exactly one insert win. To share the work rather than race for it, each daemon first claims its
own share (`share`: rendezvous hashing over the daemons whose heartbeat says they are alive, so
every daemon computes the same split), fetches it, then claims whatever is still unclaimed: the
share of a daemon that died, or is late. A daemon that dies after claiming loses that slot's
fetch for those charts; the next slot is claimed afresh, so the survivors cover every chart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tracker.models import ChartRequest
from tracker.store.engine import write_transaction
from tracker.store.schema.base import table_of
from tracker.store.schema.daemon import ChartClaim
from tracker.store.writer import SnapshotWriter
from tracker.timeutil import to_epoch

CLAIM = table_of(ChartClaim)


def slot_start(at: datetime, every: timedelta) -> int:
    """The slot containing `at`, as epoch seconds of its start (slots align to the epoch)."""
    seconds = max(1, int(every.total_seconds()))
    return to_epoch(at) // seconds * seconds


def share(
    requests: Sequence[ChartRequest], slot: int, instances: Iterable[str], owner: str
) -> tuple[list[ChartRequest], list[ChartRequest]]:
    """Split `requests` into `owner`'s share of `slot` and the rest. Each chart goes to the
    instance with the highest hash of (instance, slot, chart): every daemon that sees the same
    instances computes the same split, and the slot in the hash deals the charts afresh each
    slot, so no daemon is left with a lasting lighter or heavier share."""
    crew = sorted(set(instances) | {owner})
    mine: list[ChartRequest] = []
    rest: list[ChartRequest] = []
    for request in requests:
        chosen = max(crew, key=lambda instance: _weight(instance, slot, request))
        (mine if chosen == owner else rest).append(request)
    return mine, rest


def _weight(instance: str, slot: int, request: ChartRequest) -> bytes:
    key = request.key
    parts = (instance, str(slot), key.source, key.country, key.chart, key.category, key.device)
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=8).digest()


def claim(
    writer: SnapshotWriter,
    requests: Sequence[ChartRequest],
    slot: int,
    owner: str,
    now: datetime,
) -> list[ChartRequest]:
    """Claim `requests` for `slot`; returns those this owner won (all, with one daemon)."""
    if not requests:
        return []
    engine: Engine = writer.engine
    with write_transaction(engine) as conn:
        keys = [r.key for r in requests]
        ids = dict(zip(keys, writer.chart_ids(conn, keys), strict=True))
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        statement = dialect_insert(CLAIM).on_conflict_do_nothing(
            index_elements=["chart_id", "slot"]
        )
        conn.execute(
            statement,
            [
                {"chart_id": chart_id, "slot": slot, "owner": owner, "claimed_at": now}
                for chart_id in ids.values()
            ],
        )
        won = set(
            conn.execute(
                select(CLAIM.c.chart_id).where(
                    (CLAIM.c.slot == slot)
                    & (CLAIM.c.owner == owner)
                    & CLAIM.c.chart_id.in_(list(ids.values()))
                )
            ).scalars()
        )
    writer.remember_charts(ids)
    return [r for r in requests if ids[r.key] in won]


def prune(engine: Engine, older_than: int) -> int:
    """Forget claims of slots before `older_than` (epoch seconds); they only guard the present."""
    with write_transaction(engine) as conn:
        return conn.execute(delete(CLAIM).where(CLAIM.c.slot < older_than)).rowcount
