"""`[daemon]`: the knobs of `apprank run` (see docs/service.md)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, field_validator

from tracker.config.fields import Duration, Strict


def parse_address(text: str) -> tuple[str, int]:
    """`host:port` (`[::1]:9464` for IPv6) as (host, port); ValueError saying what is wrong.

    For `[daemon] metrics` and `apprank run --metrics`: port 0 takes any free one (tests)."""
    host, sep, port = text.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not sep or not host or not port.isdigit() or int(port) > 65535 or " " in host:
        raise ValueError(f"{text!r} is not host:port (e.g. 127.0.0.1:9464)")
    return host, int(port)


class DaemonConfig(Strict):
    heartbeat: Duration = timedelta(seconds=15)  # between heartbeat rows
    shutdown_grace: Duration = timedelta(seconds=10)  # how long SIGTERM waits for running writes
    keep_cycles: Duration = timedelta(days=90)  # cycle and heartbeat rows older are pruned
    workers: int = Field(8, ge=1, le=64)
    # host:port serving Prometheus text at /metrics; None: no metrics server.
    metrics: str | None = None

    @field_validator("metrics")
    @classmethod
    def _metrics(cls, value: str | None) -> str | None:
        if value is not None:
            parse_address(value)
        return value
