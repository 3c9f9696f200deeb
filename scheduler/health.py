"""Is the daemon alive, and is every tracked chart fresh? The logic behind `apprank health`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from scheduler.plan import build_plans
from tracker.config import Config
from tracker.errors import StoreError
from tracker.store.daemon_state import (
    Heartbeat,
    describe_heartbeat,
    format_age,
    latest_heartbeat,
)
from tracker.store.reads import chart_status

DEFAULT_MAX_AGE = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class Health:
    heartbeat: Heartbeat | None
    charts: int
    problems: list[str]

    @property
    def healthy(self) -> bool:
        return not self.problems


def check_health(
    config: Config, engine: Engine, now: datetime, max_age: timedelta | None = None
) -> Health:
    """Every problem, one line each: a dead or stopped daemon, and each chart that went stale.

    Without `max_age` a chart may be two slots old, and at least two hours.
    """
    problems: list[str] = []
    try:
        heartbeat = latest_heartbeat(engine)
    except StoreError as exc:
        # No daemon tables yet (nothing has run) or an unreadable database: one line, unhealthy.
        return Health(None, 0, [f"database: {exc}"])
    if heartbeat is None or not heartbeat.alive(now):
        problems.append(describe_heartbeat(heartbeat, now))
    limits = {}
    for plan in build_plans(config):
        limit = max_age or max(DEFAULT_MAX_AGE, timedelta(seconds=2 * plan.gap))
        for request in plan.requests:
            limits[request.key] = limit
    for status in chart_status(engine, list(limits)):
        limit = limits[status.key]
        label = status.key.label()
        error = f"; last error: {status.last_error}" if status.last_error else ""
        if status.last_success_at is None:
            problems.append(f"{label}: no successful fetch yet{error}")
        elif now - status.last_success_at > limit:
            failing = (
                f", failing for {format_age(now - status.failing_since)}"
                if status.failing_since
                else ""
            )
            problems.append(
                f"{label}: last success {format_age(now - status.last_success_at)} ago "
                f"(limit {format_age(limit)}){failing}{error}"
            )
    return Health(heartbeat, len(limits), problems)
