"""The daemon's own knobs: defaults, overridden by a `[daemon]` config table and CLI options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracker.config.daemon import DaemonConfig
from tracker.config.http import HttpConfig
from tracker.fetch.http import HttpSettings

# The defaults are the configuration's (one home); here they are seconds.
_DAEMON = DaemonConfig()
_HTTP = HttpConfig()


@dataclass(frozen=True, slots=True)
class DaemonSettings:
    heartbeat: float = _DAEMON.heartbeat.total_seconds()  # between heartbeat rows
    shutdown_grace: float = _DAEMON.shutdown_grace.total_seconds()  # SIGTERM waits for cycles
    keep_cycles: float = _DAEMON.keep_cycles.total_seconds()  # older cycle summaries are pruned
    # Scheduler threads: at most one cycle per track runs at a time anyway.
    workers: int = _DAEMON.workers
    # Per-host pause after repeated 429/403 (see tracker.fetch.pauses.HostGate).
    pause_after: int = _HTTP.pause_after
    pause_initial: float = _HTTP.pause_initial.total_seconds()
    pause_max: float = _HTTP.pause_max.total_seconds()

    @classmethod
    def from_config(
        cls, daemon: DaemonConfig, http: HttpConfig, **overrides: Any
    ) -> DaemonSettings:
        """The `[daemon]` and `[http]` sections' values, then the non-None `overrides`
        (command-line options, in seconds)."""
        values: dict[str, Any] = {
            "heartbeat": daemon.heartbeat.total_seconds(),
            "shutdown_grace": daemon.shutdown_grace.total_seconds(),
            "keep_cycles": daemon.keep_cycles.total_seconds(),
            "workers": daemon.workers,
            "pause_after": http.pause_after,
            "pause_initial": http.pause_initial.total_seconds(),
            "pause_max": http.pause_max.total_seconds(),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def http_settings(self) -> HttpSettings:
        """The settings the shared HostGate uses for pauses."""
        return HttpSettings(
            pause_after=self.pause_after,
            pause_initial=self.pause_initial,
            pause_max=self.pause_max,
        )
