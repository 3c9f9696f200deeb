"""The reads behind `apprank alerts list`: recent events and the state of each delivery."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from tracker.alerts.events import AlertEvent
from tracker.alerts.store import DELIVERED, PENDING, event_from_row
from tracker.store.engine import read_connection
from tracker.store.schema.alerts import DELIVERY, EVENT
from tracker.timeutil import isoformat_z


@dataclass(frozen=True, slots=True)
class DeliveryState:
    target: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    http_status: int | None
    last_error: str | None

    def describe(self, *, short: bool = False) -> str:
        """`webhook:team delivered`, `webhook:team pending (3 tries, last: HTTP 500)`,
        `apprise:phone abandoned (40 tries, last: ...)`; `short`
        cuts a long error (tables), the full one is for CSV and JSON."""
        if self.state == DELIVERED:
            return f"{self.target} delivered"
        if not self.attempts:
            return f"{self.target} {self.state}"
        tries = "1 try" if self.attempts == 1 else f"{self.attempts} tries"
        error = self.last_error or ""
        if short and self.http_status is None and len(error) > 40:
            error = error[:39] + "…"
        # pending, or abandoned ([notify] give_up_after)
        return f"{self.target} {self.state} ({tries}, last: {error})"

    def to_json(self) -> dict[str, Any]:
        def z(value: datetime | None) -> str | None:
            return None if value is None else isoformat_z(value)

        return {
            "target": self.target,
            "state": self.state,
            "attempts": self.attempts,
            "next_attempt_at": z(self.next_attempt_at) if self.state == PENDING else None,
            "last_attempt_at": z(self.last_attempt_at),
            "delivered_at": z(self.delivered_at),
            "http_status": self.http_status,
            "last_error": self.last_error,
        }


def recent_events(
    engine: Engine,
    *,
    limit: int = 20,
    rules: Sequence[str] = (),
    countries: Sequence[str] = (),
    since: datetime | None = None,
    pending_only: bool = False,
) -> list[tuple[AlertEvent, list[DeliveryState]]]:
    """The latest events (newest first) with the state of each delivery."""
    query = select(EVENT)
    if rules:
        query = query.where(EVENT.c.rule.in_(list(rules)))
    if countries:
        query = query.where(EVENT.c.country.in_(list(countries)))
    if since is not None:
        query = query.where(EVENT.c.captured_at >= since)
    if pending_only:
        query = query.where(
            EVENT.c.id.in_(select(DELIVERY.c.alert_id).where(DELIVERY.c.state == PENDING))
        )
    query = query.order_by(EVENT.c.captured_at.desc(), EVENT.c.id.desc()).limit(limit)
    with read_connection(engine) as conn:
        rows = conn.execute(query).all()
        ids = [row.id for row in rows]
        deliveries: dict[int, list[DeliveryState]] = {i: [] for i in ids}
        if ids:
            for d in conn.execute(
                select(DELIVERY)
                .where(DELIVERY.c.alert_id.in_(ids))
                .order_by(DELIVERY.c.alert_id, DELIVERY.c.target)
            ):
                deliveries[d.alert_id].append(
                    DeliveryState(
                        d.target,
                        d.state,
                        d.attempts,
                        d.next_attempt_at,
                        d.last_attempt_at,
                        d.delivered_at,
                        d.http_status,
                        d.last_error,
                    )
                )
    return [
        (event_from_row(row, tuple(d.target for d in deliveries[row.id])), deliveries[row.id])
        for row in rows
    ]
