"""The apprank daemon: jobs from `[[track]]` entries, the run loop, signals, the single-instance
lock, heartbeats and health. It calls into `tracker`; `tracker` never imports it (except the CLI).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scheduler.daemon import Daemon
    from scheduler.lock import DaemonAlreadyRunning, acquire_instance_lock
    from scheduler.plan import TrackPlan, build_plans
    from scheduler.settings import DaemonSettings

# Loaded on first use: `apprank run --help` imports scheduler.logs, which must not bring in
# the daemon (APScheduler, the HTTP stack, the store).
_EXPORTS = {
    "Daemon": "scheduler.daemon",
    "DaemonAlreadyRunning": "scheduler.lock",
    "DaemonSettings": "scheduler.settings",
    "TrackPlan": "scheduler.plan",
    "acquire_instance_lock": "scheduler.lock",
    "build_plans": "scheduler.plan",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'scheduler' has no attribute {name!r}")


__all__ = [
    "Daemon",
    "DaemonAlreadyRunning",
    "DaemonSettings",
    "TrackPlan",
    "acquire_instance_lock",
    "build_plans",
]
