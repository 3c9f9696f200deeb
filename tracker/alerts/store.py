"""Alert queries: fired events and their deliveries, one row per (event, target); the tables
are defined with every other one in `tracker/store/schema/alerts.py`.

An event and its delivery rows are written in one transaction, before any delivery is tried, so
an event is never lost between firing and sending: a crash or a failing target leaves the row
"pending" and a later `deliver_pending` (another cycle, another process) sends it. A sender
first leases the rows it takes (moves their due time past the send), so two processes sharing a
database do not both send the same bundle on purpose; receivers still de-duplicate on event_id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select, update

from tracker.alerts.events import AlertEvent
from tracker.store.engine import read_connection, write_transaction
from tracker.store.schema.alerts import DELIVERY, EVENT, TABLES
from tracker.store.schema.base import metadata
from tracker.store.schema.views import chart_key

PENDING = "pending"
DELIVERED = "delivered"
# Terminal: still undelivered `[notify] give_up_after` after the event was recorded.
ABANDONED = "abandoned"


def ensure_tables(engine: Engine) -> None:
    """Create the alert tables if missing (tests; databases made before their migration)."""
    with write_transaction(engine) as conn:
        metadata.create_all(conn, tables=list(TABLES))


@dataclass(frozen=True, slots=True)
class Candidate:
    """An event that fired, with the quiet period its rule asks for after it."""

    event: AlertEvent
    cooldown: timedelta | None


def record_events(
    engine: Engine, candidates: Sequence[Candidate], now: datetime
) -> list[AlertEvent]:
    """Store the candidates that are neither cooling down nor already stored, with a pending
    delivery per target, in one transaction; returns the stored events, in order.

    A target still backing off after failures holds new deliveries until its next try, so a
    dead receiver costs one attempt per back-off period rather than one per cycle.
    """
    stored: list[AlertEvent] = []
    if not candidates:
        return stored
    with write_transaction(engine) as conn:
        held = _held_until(conn, {t for c in candidates for t in c.event.targets}, now)
        for candidate in candidates:
            event = candidate.event
            if _cooling_down(conn, event, candidate.cooldown) or _already_fired(conn, event):
                continue
            alert_id = conn.execute(
                insert(EVENT).values(_event_values(event, now)).returning(EVENT.c.id)
            ).scalar_one()
            if event.targets:
                conn.execute(
                    insert(DELIVERY),
                    [
                        {
                            "alert_id": alert_id,
                            "target": target,
                            "state": PENDING,
                            "attempts": 0,
                            "next_attempt_at": max(now, held.get(target, now)),
                        }
                        for target in event.targets
                    ],
                )
            stored.append(event)
    return stored


def _cooling_down(conn: Connection, event: AlertEvent, cooldown: timedelta | None) -> bool:
    if cooldown is None:
        return False
    # Either side: a catch-up may evaluate snapshots older than events already fired.
    found = conn.execute(
        select(EVENT.c.id)
        .where(
            (EVENT.c.rule == event.rule)
            & (EVENT.c.country == event.key.country)
            & (EVENT.c.captured_at > event.captured_at - cooldown)
            & (EVENT.c.captured_at < event.captured_at + cooldown)
        )
        .limit(1)
    ).first()
    return found is not None


def _already_fired(conn: Connection, event: AlertEvent) -> bool:
    found = conn.execute(
        select(EVENT.c.id)
        .where((EVENT.c.rule == event.rule) & (EVENT.c.snapshot_id == event.snapshot_id))
        .limit(1)
    ).first()
    return found is not None


def _held_until(conn: Connection, targets: set[str], now: datetime) -> dict[str, datetime]:
    """Per target failing lately, when its next retry is due (later than now)."""
    if not targets:
        return {}
    rows = conn.execute(
        select(DELIVERY.c.target, DELIVERY.c.next_attempt_at).where(
            (DELIVERY.c.state == PENDING)
            & (DELIVERY.c.attempts > 0)
            & (DELIVERY.c.target.in_(sorted(targets)))
            & (DELIVERY.c.next_attempt_at > now)
        )
    ).all()
    held: dict[str, datetime] = {}
    for target, due in rows:
        held[target] = max(due, held.get(target, due))
    return held


def _event_values(event: AlertEvent, now: datetime) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "rule": event.rule,
        "condition": event.when,
        "app_id": event.app_id,
        "app_name": event.app_name,
        "source": event.key.source,
        "country": event.key.country,
        "chart": event.key.chart,
        "category": event.key.category,
        "device": event.key.device,
        "rank": event.rank,
        "previous_rank": event.previous_rank,
        "depth": event.depth,
        "previous_depth": event.previous_depth,
        "captured_at": event.captured_at,
        "previous_captured_at": event.previous_captured_at,
        "snapshot_id": event.snapshot_id,
        "rival_id": event.rival_id,
        "rival_name": event.rival_name,
        "rival_rank": event.rival_rank,
        "rival_previous_rank": event.rival_previous_rank,
        "message": event.message,
        "created_at": now,
    }


def event_from_row(row: Row[Any], targets: tuple[str, ...] = ()) -> AlertEvent:
    return AlertEvent(
        event_id=row.event_id,
        rule=row.rule,
        when=row.condition,
        app_id=row.app_id,
        app_name=row.app_name,
        key=chart_key(row, kind="chart"),
        rank=row.rank,
        previous_rank=row.previous_rank,
        depth=row.depth,
        previous_depth=row.previous_depth,
        captured_at=row.captured_at,
        previous_captured_at=row.previous_captured_at,
        snapshot_id=row.snapshot_id,
        message=row.message,
        rival_id=row.rival_id,
        rival_name=row.rival_name,
        rival_rank=row.rival_rank,
        rival_previous_rank=row.rival_previous_rank,
        targets=targets,
    )


@dataclass(frozen=True, slots=True)
class Claimed:
    """Deliveries leased for one send: the target and its events, oldest first."""

    target: str
    alert_ids: list[int]
    events: list[AlertEvent]
    attempts: int  # the most failed sends any of these deliveries has had


def claim_due(
    engine: Engine, now: datetime, lease: timedelta, *, limit: int = 1000
) -> list[Claimed]:
    """Lease the pending deliveries due by `now`, grouped by target (oldest first).

    Each row is taken with a conditional update on its due time, so of two processes racing
    for a row exactly one gets it; the lease expires by itself if its holder dies.
    """
    with write_transaction(engine) as conn:
        due = conn.execute(
            select(
                DELIVERY.c.alert_id,
                DELIVERY.c.target,
                DELIVERY.c.next_attempt_at,
                DELIVERY.c.attempts,
            )
            .where((DELIVERY.c.state == PENDING) & (DELIVERY.c.next_attempt_at <= now))
            .order_by(DELIVERY.c.next_attempt_at, DELIVERY.c.alert_id)
            .limit(limit)
        ).all()
        taken: dict[str, list[int]] = {}
        tries: dict[str, int] = {}
        for alert_id, target, next_at, attempts in due:
            won = conn.execute(
                update(DELIVERY)
                .where(
                    (DELIVERY.c.alert_id == alert_id)
                    & (DELIVERY.c.target == target)
                    & (DELIVERY.c.state == PENDING)
                    & (DELIVERY.c.next_attempt_at == next_at)
                )
                .values(next_attempt_at=now + lease)
            ).rowcount
            if won:
                taken.setdefault(target, []).append(alert_id)
                tries[target] = max(tries.get(target, 0), attempts)
        ids = sorted({i for group in taken.values() for i in group})
        events = (
            {
                row.id: event_from_row(row)
                for row in conn.execute(select(EVENT).where(EVENT.c.id.in_(ids)))
            }
            if ids
            else {}
        )
    out = []
    for target, alert_ids in taken.items():
        alert_ids.sort()
        out.append(Claimed(target, alert_ids, [events[i] for i in alert_ids], tries[target]))
    return out


def mark_sent(
    engine: Engine,
    target: str,
    alert_ids: Sequence[int],
    now: datetime,
    *,
    ok: bool,
    http_status: int | None,
    error: str | None,
    retry_at: datetime | None = None,
) -> None:
    """Record one send of `alert_ids` to `target`: delivered, or pending until `retry_at`."""
    if not alert_ids:
        return
    values: dict[str, Any] = {
        "attempts": DELIVERY.c.attempts + 1,
        "last_attempt_at": now,
        "http_status": http_status,
        "last_error": error,
    }
    if ok:
        values |= {"state": DELIVERED, "delivered_at": now}
    else:
        values["next_attempt_at"] = retry_at or now
    with write_transaction(engine) as conn:
        conn.execute(
            update(DELIVERY)
            .where(
                (DELIVERY.c.target == target)
                & DELIVERY.c.alert_id.in_(list(alert_ids))
                & (DELIVERY.c.state == PENDING)
            )
            .values(values)
        )


@dataclass(frozen=True, slots=True)
class Abandoned:
    """Deliveries given up for one target: how many, and the last error any of them had."""

    target: str
    count: int
    last_error: str | None


def abandon_stale(engine: Engine, now: datetime, age: timedelta) -> list[Abandoned]:
    """Mark abandoned every pending delivery of an event recorded more than `age` before `now`
    and due now (a leased one is being sent: its sender decides); per target, what was given up.
    """
    stale = select(EVENT.c.id).where(EVENT.c.created_at < now - age)
    due = (
        (DELIVERY.c.state == PENDING)
        & (DELIVERY.c.next_attempt_at <= now)
        & DELIVERY.c.alert_id.in_(stale)
    )
    # Looked for first without the write lock: nearly every pass finds nothing to give up.
    with read_connection(engine) as conn:
        if conn.execute(select(DELIVERY.c.alert_id).where(due).limit(1)).first() is None:
            return []
    with write_transaction(engine) as conn:
        rows = conn.execute(
            select(DELIVERY.c.target, DELIVERY.c.last_error, DELIVERY.c.last_attempt_at)
            .where(due)
            .order_by(DELIVERY.c.target, DELIVERY.c.alert_id)
        ).all()
        if not rows:
            return []
        conn.execute(update(DELIVERY).where(due).values(state=ABANDONED))
    found: dict[str, list[Any]] = {}
    for target, error, tried in rows:
        count, last, last_at = found.get(target, [0, None, None])
        if tried is not None and (last_at is None or tried >= last_at):
            last, last_at = error, tried
        found[target] = [count + 1, last, last_at]
    return [Abandoned(target, count, last) for target, (count, last, _) in found.items()]
