"""`[daemon]`: the knobs of `apprank run` (see docs/service.md)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from tracker.config.fields import Duration, Strict


class DaemonConfig(Strict):
    heartbeat: Duration = timedelta(seconds=15)  # between heartbeat rows
    shutdown_grace: Duration = timedelta(seconds=10)  # how long SIGTERM waits for running writes
    keep_cycles: Duration = timedelta(days=90)  # cycle and heartbeat rows older are pruned
    workers: int = Field(8, ge=1, le=64)
