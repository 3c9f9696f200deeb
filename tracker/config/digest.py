"""The `[[digest]]` summaries the daemon sends on a schedule, validated at start-up.

    [[digest]]
    name = "morning"
    cron = "0 8 * * *"               # crontab's meaning (tracker/config/crontab.py)
    tz = "Europe/Paris"              # the cron's time zone (IANA name); default UTC
    notify = ["apprise:team"]        # targets of [notify], as [[alert]] names them
    since = "24h"                    # the window, ending when it is sent
    apps = ["deepseek", "chatgpt"]   # default: every [apps] alias
    countries = ["us", "gb"]         # default: every country with data
    chart = "top-free"               # the chart kind it reads
    picture = true                   # attach a picture of the apps' rank over the window
    grace = "12h"                    # a slot missed while stopped is still sent this long after

Apps are resolved when the digest is built, not here (they may not be stored yet). The cron is
read as crontab reads it (Sunday = 0), by the same trigger `[[track]] cron` uses: APScheduler's
own `CronTrigger.from_crontab` numbers weekdays from Monday.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationInfo, field_validator

from tracker.config.alerts import check_targets, checked_value, earlier_source
from tracker.config.errors import KeyValueError
from tracker.config.fields import AnyCountries, Duration, Strict
from tracker.config.notify import LOG_TARGET, NotifyConfig, checked_name, checked_targets


class DigestSpec(Strict):
    """One `[[digest]]`: when, for which apps and countries, and whom to send it to."""

    # Validators read earlier fields: tz before cron, source before chart.
    name: str
    tz: str = "UTC"
    cron: str
    notify: list[str] = [LOG_TARGET]
    since: Duration = timedelta(hours=24)
    apps: list[str] = Field(default_factory=list)
    countries: AnyCountries = Field(default_factory=list)
    source: str | None = None
    chart: str = "top-free"
    picture: bool = False
    grace: Duration = timedelta(hours=12)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return checked_name(value)

    @field_validator("tz")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a time zone (an IANA name like Europe/Paris, or UTC)") from None
        return value

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str, info: ValidationInfo) -> str:
        from tracker.config.crontab import crontab_trigger  # loads APScheduler

        tz = info.data.get("tz")
        try:
            crontab_trigger(value, ZoneInfo(tz) if isinstance(tz, str) else "UTC")
        except ValueError as exc:
            raise ValueError(f"invalid cron expression: {exc}") from None
        return value

    @field_validator("notify")
    @classmethod
    def _notify(cls, values: list[str]) -> list[str]:
        return checked_targets(values)

    @field_validator("apps")
    @classmethod
    def _apps(cls, values: list[str]) -> list[str]:
        if any(not v.strip() for v in values):
            raise ValueError("an app is a store id, an [apps] alias or part of the app's name")
        return [v.strip() for v in values]

    @field_validator("source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        return None if value is None else checked_value(value).source

    @field_validator("chart")
    @classmethod
    def _chart(cls, value: str, info: ValidationInfo) -> str:
        return checked_value(earlier_source(info), chart=value).chart

    def trigger(self) -> Any:
        """The APScheduler trigger of `cron` in `tz`."""
        from tracker.config.crontab import crontab_trigger

        return crontab_trigger(self.cron, ZoneInfo(self.tz))


def check_digests(digests: list[DigestSpec], notify: NotifyConfig) -> None:
    """Digest names are unique and every target a digest names is defined in `[notify]`."""
    seen: set[str] = set()
    for index, spec in enumerate(digests):
        if spec.name in seen:
            raise KeyValueError(f"digest[{index}].name", spec.name, "used by another digest")
        seen.add(spec.name)
        check_targets(f"digest[{index}].notify", spec.notify, notify)
