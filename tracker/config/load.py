"""`config.toml`: pydantic models over TOML, with environment overrides.

Errors name the file, the key path and the value, on one line. `load_config` validates every
section (what fetch, run and every command that acts use); the sections read commands need, and
the rules for them, live in `tracker.config.reader`, so that those commands load no alert or
chart models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator

from tracker import __version__
from tracker.config.alerts import AlertingProblem, AlertRule, NotifyConfig, check_alerting
from tracker.config.charts import ChartSpec
from tracker.config.reader import (
    DEFAULT_PATH,
    DatabaseConfig,
    KeyValueError,
    ReaderConfig,
    SourceConfig,
    Strict,
    TrackConfig,
    read_config_file,
    validated,
    with_overrides,
)
from tracker.timeutil import parse_duration

__all__ = [
    "DEFAULT_PATH",
    "ChartsConfig",
    "Config",
    "DaemonConfig",
    "DatabaseConfig",
    "HttpConfig",
    "SourceConfig",
    "TrackConfig",
    "config_from_dict",
    "load_config",
]


class HttpConfig(Strict):
    timeout: float = Field(10.0, gt=0, le=600)
    concurrency: int = Field(8, ge=1, le=256)
    per_host: int = Field(4, ge=1, le=256)
    retries: int = Field(3, ge=0, le=20)
    user_agent: str = f"apprank/{__version__}"
    max_bytes: int = Field(10_000_000, ge=1024)
    backoff_initial: float = Field(0.5, ge=0)
    backoff_max: float = Field(60.0, ge=0)
    # Throttle answers (429/403) in a row from one host before every request to it pauses, and
    # the first and longest pause (the pause doubles while the host keeps refusing).
    pause_after: int = Field(3, ge=1, le=100)
    pause_initial: str = "30s"
    pause_max: str = "30m"

    @field_validator("pause_initial", "pause_max")
    @classmethod
    def _pause(cls, value: str | float) -> str:
        text = f"{value}s" if isinstance(value, int | float) else value
        parse_duration(text)
        return text


class DaemonConfig(Strict):
    """`apprank run` knobs (see docs/service.md)."""

    heartbeat: str = "15s"  # between heartbeat rows
    shutdown_grace: str = "10s"  # how long SIGTERM waits for running writes
    keep_cycles: str = "90d"  # cycle and heartbeat rows older than this are pruned
    workers: int = Field(8, ge=1, le=64)

    @field_validator("heartbeat", "shutdown_grace", "keep_cycles")
    @classmethod
    def _durations(cls, value: str | float) -> str:
        text = f"{value}s" if isinstance(value, int | float) else value
        parse_duration(text)
        return text


class ChartsConfig(Strict):
    output_dir: str = "charts-out"


class Config(ReaderConfig):
    http: HttpConfig = HttpConfig()
    charts: ChartsConfig = ChartsConfig()
    daemon: DaemonConfig = DaemonConfig()
    # Charts the daemon re-renders after each cycle ([[chart]] entries).
    chart: list[ChartSpec] = Field(default_factory=list)
    alert: list[AlertRule] = Field(default_factory=list)
    notify: NotifyConfig = NotifyConfig()

    @model_validator(mode="after")
    def _alerting(self) -> Config:
        try:
            check_alerting(self.alert, self.notify)
        except AlertingProblem as exc:
            raise KeyValueError(exc.key, exc.value, exc.message) from None
        return self


def load_config(path: Path | str | None = None) -> Config:
    """Load `path`, else $APPRANK_CONFIG, else ./config.toml; $APPRANK_DATABASE_URL overrides."""
    data, chosen = read_config_file(path)
    return config_from_dict(data, chosen)


def config_from_dict(data: dict[str, Any], path: Path | str = "<config>") -> Config:
    return validated(Config, with_overrides(data, path), path)
