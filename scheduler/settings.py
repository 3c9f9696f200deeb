"""The daemon's own knobs: defaults, overridden by a `[daemon]` config table and CLI options."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import timedelta
from typing import Any

from tracker.config.load import Config
from tracker.fetch.http import HttpSettings
from tracker.timeutil import parse_duration

_HTTP = HttpSettings()


@dataclass(frozen=True, slots=True)
class DaemonSettings:
    heartbeat: float = 15.0  # seconds between heartbeat rows
    shutdown_grace: float = 10.0  # how long SIGTERM waits for running cycles
    keep_cycles: float = 90 * 86400.0  # cycle summaries older than this are pruned
    workers: int = 8  # scheduler threads: at most one cycle per track runs at a time anyway
    # Per-host pause after repeated 429/403 (see tracker.fetch.pauses.HostGate).
    pause_after: int = _HTTP.pause_after
    pause_initial: float = _HTTP.pause_initial
    pause_max: float = _HTTP.pause_max

    @classmethod
    def from_config(cls, config: Config, **overrides: Any) -> DaemonSettings:
        """Defaults, then `[daemon]` / `[http]` keys the config has, then non-None overrides.

        Durations are seconds; in the config file they may also be strings such as "15s".
        """
        values: dict[str, Any] = {}
        daemon = getattr(config, "daemon", None)
        http = config.http
        for item in fields(cls):
            for section in (daemon, http):
                value = getattr(section, item.name, None) if section is not None else None
                if value is not None:
                    values[item.name] = _plain(value)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)

    def http_settings(self) -> HttpSettings:
        """The settings the shared HostGate uses for pauses."""
        return HttpSettings(
            pause_after=self.pause_after,
            pause_initial=self.pause_initial,
            pause_max=self.pause_max,
        )


def _plain(value: Any) -> Any:
    """Durations given as "15s" or timedelta become seconds; anything else stays."""
    if isinstance(value, str):
        return parse_duration(value).total_seconds()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value
