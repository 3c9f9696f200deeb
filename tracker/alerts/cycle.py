"""The entry points the fetch command and the daemon call after each fetch cycle."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine

from tracker.alerts.deliver import deliver_due
from tracker.alerts.evaluate import evaluate
from tracker.alerts.events import AlertEvent
from tracker.alerts.store import record_events
from tracker.config.load import Config
from tracker.errors import StoreError
from tracker.metrics import ALERT_EVENTS, count
from tracker.models import ChartKey
from tracker.timeutil import utcnow

log = logging.getLogger("apprank.alerts")


def process_cycle(
    engine: Engine,
    config: Config,
    stored: Sequence[tuple[ChartKey, int]],
    *,
    now: datetime | None = None,
    deliver: bool = True,
) -> list[AlertEvent]:
    """Evaluate every rule on the snapshots a cycle stored, record what fired, and deliver.

    `stored` is the (chart, snapshot id) of each snapshot the cycle stored, in order. Returns
    the events recorded (a rule cooling down, or a snapshot evaluated before, records none).
    Delivery failures stay pending for `deliver_pending`; a database error is logged. Never
    raises for either: alerts must not fail a fetch. With `deliver=False` the events are only
    recorded, for a caller that runs `deliver_pending` elsewhere (say, off the fetch thread).
    """
    now = now or utcnow()
    events: list[AlertEvent] = []
    if config.alert and stored:
        try:
            candidates = evaluate(engine, config.alert, config.apps, stored)
            events = record_events(engine, candidates, now)
            count(ALERT_EVENTS, amount=len(events))
        except StoreError as exc:
            log.error("alerts not evaluated: %s", exc)
    if deliver:
        deliver_due(engine, config.notify, config.http, now, public_url=config.web.public_url)
    return events


def deliver_pending(engine: Engine, config: Config, *, now: datetime | None = None) -> int:
    """Retry the deliveries that are due (the daemon calls this every cycle); returns how many
    (event, target) deliveries succeeded. Never raises.
    """
    return deliver_due(
        engine, config.notify, config.http, now or utcnow(), public_url=config.web.public_url
    )
