"""Which digest slot was last sent (`digest_sent`, one row per `[[digest]]` name).

A sender claims a slot before sending: the row moves forward only (an update where the stored
slot is older, or an insert nobody beat), so of several daemons, or a catch-up and the regular
job, exactly one sends each slot. A failed send gives the slot back (`release`), so the next
start tries it again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tracker.store.engine import read_connection, write_transaction
from tracker.store.schema.base import table_of
from tracker.store.schema.daemon import DigestSent

SENT = table_of(DigestSent)


def last_sent(engine: Engine, name: str) -> int | None:
    """The last slot (epoch seconds) of digest `name` claimed for sending; None: never."""
    with read_connection(engine) as conn:
        value = conn.execute(select(SENT.c.slot).where(SENT.c.name == name)).scalar()
    return None if value is None else int(value)


def claim_slot(
    engine: Engine, name: str, slot: int, owner: str, now: datetime
) -> tuple[bool, int | None]:
    """Take `slot` of digest `name` for sending: (won, the slot stored before). Lost when that
    slot or a later one is already taken."""
    with write_transaction(engine) as conn:
        before = conn.execute(select(SENT.c.slot).where(SENT.c.name == name)).scalar()
        row = {"slot": slot, "sent_at": now, "owner": owner}
        if before is None:
            dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            done = conn.execute(
                dialect_insert(SENT)
                .values(name=name, **row)
                .on_conflict_do_nothing(index_elements=["name"])
            )
        else:
            done = conn.execute(
                update(SENT).where((SENT.c.name == name) & (SENT.c.slot < slot)).values(**row)
            )
    return done.rowcount == 1, None if before is None else int(before)


def release(engine: Engine, name: str, slot: int, previous: int | None) -> None:
    """Give back a claimed `slot` whose send failed: the row returns to `previous` (gone when
    there was none), unless a later slot was claimed meanwhile."""
    with write_transaction(engine) as conn:
        mine = (SENT.c.name == name) & (SENT.c.slot == slot)
        if previous is None:
            conn.execute(SENT.delete().where(mine))
        else:
            conn.execute(update(SENT).where(mine).values(slot=previous))
