"""Is the daemon alive, and is every tracked chart fresh? The logic behind `apprank health`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from scheduler.plan import TrackPlan, build_plans
from tracker.config.reader import ReaderConfig
from tracker.errors import StoreError
from tracker.store.daemon_state import (
    Heartbeat,
    describe_heartbeat,
    format_age,
    last_cycle_by_track,
    latest_heartbeat,
)
from tracker.store.reads import chart_status
from tracker.timeutil import isoformat_z, utcnow

DEFAULT_MAX_AGE = timedelta(hours=2)
# A running daemon's track is late when no cycle of it finished for this many slots (and at
# least TRACK_LATE_MIN): a cycle held up (a stuck write, a slow step) shows here long before its
# charts go stale.
TRACK_LATE_SLOTS = 3
TRACK_LATE_MIN = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Health:
    heartbeat: Heartbeat | None
    charts: int
    problems: list[str]

    @property
    def healthy(self) -> bool:
        return not self.problems

    def json(self, now: datetime) -> dict[str, Any]:
        """What `apprank health --json` prints and the web server's /healthz answers."""
        heartbeat = self.heartbeat
        return {
            "healthy": self.healthy,
            "daemon": None
            if heartbeat is None
            else {
                "alive": heartbeat.alive(now),
                "state": heartbeat.state,
                "host": heartbeat.host,
                "pid": heartbeat.pid,
                "heartbeat_at": isoformat_z(heartbeat.beat_at),
                "heartbeat_age_s": int(heartbeat.age(now).total_seconds()),
                "cycles": heartbeat.cycles,
            },
            "charts": self.charts,
            "problems": self.problems,
        }


def check_health(
    config: ReaderConfig, engine: Engine, now: datetime, max_age: timedelta | None = None
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
    plans = build_plans(config)
    if heartbeat is None or not heartbeat.alive(now):
        problems.append(describe_heartbeat(heartbeat, now))
    else:
        problems += _late_tracks(engine, plans, heartbeat, now)
    limits = {}
    for plan in plans:
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


def _late_tracks(
    engine: Engine, plans: list[TrackPlan], heartbeat: Heartbeat, now: datetime
) -> list[str]:
    """A line for each track of a live daemon whose cycles stopped coming."""
    last = last_cycle_by_track(engine)
    problems = []
    for plan in plans:
        limit = max(TRACK_LATE_MIN, timedelta(seconds=TRACK_LATE_SLOTS * plan.gap))
        finished = last.get(plan.label)
        # A daemon that started since is judged from its start, not from an older run's cycles.
        since = max(finished, heartbeat.started_at) if finished else heartbeat.started_at
        if now - since > limit:
            what = (
                f"last cycle finished {format_age(now - finished)} ago"
                if finished
                else ("no cycle finished yet")
            )
            problems.append(
                f"track {plan.label}: {what}, up {format_age(now - heartbeat.started_at)} "
                f"(slots every {format_age(timedelta(seconds=plan.gap))}, late after "
                f"{format_age(limit)})"
            )
    return problems


def probe(
    config: ReaderConfig, engine: Engine, clock: Callable[[], datetime] = utcnow
) -> Callable[[], tuple[bool, dict[str, Any]]]:
    """`apprank health --json` as a call, for the web server's /healthz: (healthy, the JSON)."""

    def check() -> tuple[bool, dict[str, Any]]:
        now = clock()
        result = check_health(config, engine, now)
        return result.healthy, result.json(now)

    return check
