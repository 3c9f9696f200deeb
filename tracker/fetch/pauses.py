"""Host pauses: when one host keeps answering 429/403, every request to it waits.

`HttpClient` asks the gate before each request and tells it each answer's status; the daemon
keeps one gate across cycles so that a pause outlives the cycle that caused it.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tracker.metrics import HTTP_PAUSES, count

if TYPE_CHECKING:
    from tracker.fetch.http import HttpSettings

log = logging.getLogger("apprank.http")

THROTTLE_STATUSES = frozenset({403, 429})


@dataclass(slots=True)
class HostState:
    """Per-host throttling memory: consecutive 429/403 answers and the pause they caused."""

    throttled: int = 0
    paused_until: float = 0.0
    pause: float = 0.0


@dataclass
class HostGate:
    """Pauses every request to a host that keeps answering 429/403, for a growing interval.

    Shared across cycles by the daemon so a pause outlives one cycle.
    """

    settings: HttpSettings
    hosts: dict[str, HostState] = field(default_factory=lambda: defaultdict(HostState))

    def remaining(self, host: str) -> float:
        return max(0.0, self.hosts[host].paused_until - time.monotonic())

    def record(self, host: str, status: int | None, retry_after: float | None) -> None:
        state = self.hosts[host]
        if status not in THROTTLE_STATUSES:
            if state.throttled or state.pause:
                log.info("host %s answers normally again; pause lifted", host)
            state.throttled, state.pause = 0, 0.0
            return
        state.throttled += 1
        if state.throttled < self.settings.pause_after:
            return
        state.pause = min(
            self.settings.pause_max, max(state.pause * 2, self.settings.pause_initial)
        )
        pause = max(state.pause, retry_after or 0.0)
        if time.monotonic() + pause > state.paused_until:
            state.paused_until = time.monotonic() + pause
            count(HTTP_PAUSES, host)
            log.warning(
                "host %s answered %s %d times in a row; pausing requests to it for %.0f s",
                host,
                status,
                state.throttled,
                pause,
            )
        state.throttled = 0
