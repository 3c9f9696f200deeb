"""The apprank daemon: jobs from `[[track]]` entries, the run loop, signals, the single-instance
lock, heartbeats and health. It calls into `tracker`; `tracker` never imports it (except the CLI).
"""

from scheduler.daemon import Daemon
from scheduler.lock import DaemonAlreadyRunning, acquire_instance_lock
from scheduler.plan import TrackPlan, build_plans
from scheduler.settings import DaemonSettings

__all__ = [
    "Daemon",
    "DaemonAlreadyRunning",
    "DaemonSettings",
    "TrackPlan",
    "acquire_instance_lock",
    "build_plans",
]
