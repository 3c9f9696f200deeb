"""The `[[alert]]` rules and `[notify]` targets of config.toml, validated at start-up.

    [[alert]]
    name = "deepseek-number-one"
    app = "deepseek"                 # store id, [apps] alias or part of the name
    countries = ["all"]              # or a list of storefront codes
    chart = "top-free"
    when = "rank <= 1"               # see tracker/alerts/rules.py for every form
    cooldown = "6h"                  # per rule and country; default: none
    notify = ["log", "webhook:team"]

    [notify.webhook.team]
    url = "https://hooks.example.com/..."
    secret = "env:APPRANK_WEBHOOK_SECRET"

Apps are resolved when rules are evaluated, not here: an app may not be in the database yet.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from tracker.alerts.rules import Condition, Kind, parse_when
from tracker.fetch.sources import SOURCES
from tracker.models import ChartKey
from tracker.storefronts import STOREFRONT_SET, normalize_category
from tracker.timeutil import parse_duration

LOG_TARGET = "log"
WEBHOOK_PREFIX = "webhook:"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_ENV = "env:"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _known(values: set[str]) -> str:
    return ", ".join(sorted(values))


def _sources(info: ValidationInfo) -> list[str]:
    """The sources a rule covers: its own, or every source when it names none (or a bad one)."""
    source = info.data.get("source")
    return [source] if source else list(SOURCES)


class AlertRule(_Strict):
    """One `[[alert]]`: which app, where, on what transition, and whom to tell."""

    # Validators read earlier fields, so the order matters: source before chart and device,
    # app before when.
    name: str
    app: str
    countries: list[str] = ["all"]
    source: str | None = None  # None: the chart kind from any source
    chart: str = "top-free"
    category: str = "all"
    device: str = "iphone"
    when: str
    cooldown: str | None = None
    notify: list[str] = [LOG_TARGET]

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("use letters, digits, '-', '_' or '.' (at most 128)")
        return value

    @field_validator("app")
    @classmethod
    def _app(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("give a store id, an [apps] alias or part of the app's name")
        return value.strip()

    @field_validator("countries", mode="before")
    @classmethod
    def _one_country(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("countries")
    @classmethod
    def _countries(cls, values: list[str]) -> list[str]:
        codes = [v.strip().lower() for v in values]
        if not codes:
            raise ValueError('needs at least one country (or "all")')
        if "all" in codes:
            return ["all"]
        for code in codes:
            if code not in STOREFRONT_SET:
                raise ValueError(f"{code!r} is not an App Store storefront code")
        return list(dict.fromkeys(codes))

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: Any) -> str:
        return normalize_category(value)

    @field_validator("source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        if value is not None and value not in SOURCES:
            raise ValueError(f"unknown source (expected one of: {', '.join(SOURCES)})")
        return value

    @field_validator("chart")
    @classmethod
    def _chart(cls, value: str, info: ValidationInfo) -> str:
        charts = {c for s in _sources(info) for c in SOURCES[s].charts}
        if value not in charts:
            raise ValueError(f"unknown chart (expected one of: {_known(charts)})")
        return value

    @field_validator("device")
    @classmethod
    def _device(cls, value: str, info: ValidationInfo) -> str:
        devices = {d for s in _sources(info) for d in SOURCES[s].devices}
        if value not in devices:
            raise ValueError(f"unknown device (expected one of: {_known(devices)})")
        return value

    @field_validator("when")
    @classmethod
    def _when(cls, value: str, info: ValidationInfo) -> str:
        condition = parse_when(value)
        if condition.kind is Kind.OVERTAKES and condition.rival == info.data.get("app"):
            raise ValueError("an app cannot overtake itself")
        return value

    @field_validator("cooldown")
    @classmethod
    def _cooldown(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    @field_validator("notify")
    @classmethod
    def _notify(cls, values: list[str]) -> list[str]:
        if not values:
            raise ValueError('needs at least one target ("log" or "webhook:NAME")')
        for value in values:
            if value != LOG_TARGET and not value.startswith(WEBHOOK_PREFIX):
                raise ValueError(f'{value!r} is not a target (expected "log" or "webhook:NAME")')
        return list(dict.fromkeys(values))

    @property
    def condition(self) -> Condition:
        return parse_when(self.when)

    @property
    def cooldown_period(self) -> timedelta | None:
        return parse_duration(self.cooldown) if self.cooldown else None

    def matches(self, key: ChartKey) -> bool:
        """Whether this rule watches the chart `key`."""
        return (
            key.chart == self.chart
            and (self.source is None or key.source == self.source)
            and key.category == self.category
            and key.device == self.device
            and (self.countries == ["all"] or key.country in self.countries)
        )


class WebhookTarget(_Strict):
    """`[notify.webhook.NAME]`: a JSON POST, optionally signed with HMAC-SHA256."""

    url: str
    secret: str | None = None  # "env:NAME" reads the environment variable NAME
    timeout: float = Field(5.0, gt=0, le=60)
    retries: int = Field(2, ge=0, le=5)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("secret")
    @classmethod
    def _secret_present(cls, value: str | None) -> str | None:
        if value is not None:
            read_secret(value)  # a missing variable is a config error now, not a failed delivery
        return value

    def secret_bytes(self) -> bytes | None:
        return None if self.secret is None else read_secret(self.secret).encode()


def read_secret(value: str) -> str:
    """The secret itself: the value, or the environment variable an "env:NAME" value names."""
    if not value.startswith(_ENV):
        if not value:
            raise ValueError("empty secret")
        return value
    name = value[len(_ENV) :].strip()
    if not name:
        raise ValueError('"env:" needs a variable name, e.g. env:APPRANK_WEBHOOK_SECRET')
    secret = os.environ.get(name)
    if not secret:
        raise ValueError(f"environment variable {name} is not set")
    return secret


class NotifyConfig(_Strict):
    """`[notify]`: the delivery targets rules may name (besides "log", always available)."""

    webhook: dict[str, WebhookTarget] = {}

    @field_validator("webhook")
    @classmethod
    def _names(cls, values: dict[str, WebhookTarget]) -> dict[str, WebhookTarget]:
        for name in values:
            if not _NAME.match(name):
                raise ValueError(f"webhook name {name!r}: use letters, digits, '-', '_' or '.'")
        return values

    def targets(self) -> list[str]:
        return [LOG_TARGET, *(f"{WEBHOOK_PREFIX}{name}" for name in self.webhook)]

    def webhook_for(self, target: str) -> WebhookTarget | None:
        if not target.startswith(WEBHOOK_PREFIX):
            return None
        return self.webhook.get(target[len(WEBHOOK_PREFIX) :])


class AlertingProblem(ValueError):
    """A problem spanning rules and targets, with the config key it concerns."""

    def __init__(self, key: str, value: Any, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.value = value
        self.message = message


def check_alerting(rules: list[AlertRule], notify: NotifyConfig) -> None:
    """Rule names are unique and every target a rule names is defined."""
    seen: set[str] = set()
    known = set(notify.targets())
    for index, rule in enumerate(rules):
        if rule.name in seen:
            raise AlertingProblem(f"alert[{index}].name", rule.name, "used by another rule")
        seen.add(rule.name)
        for target in rule.notify:
            if target not in known:
                raise AlertingProblem(
                    f"alert[{index}].notify",
                    target,
                    f"no such target (defined: {', '.join(notify.targets())})",
                )


def rules_of(config: Any) -> list[AlertRule]:
    """The config's `[[alert]]` rules (none for a Config without the field)."""
    return list(getattr(config, "alert", None) or [])


def notify_of(config: Any) -> NotifyConfig:
    """The config's `[notify]` targets (only "log" for a Config without the field)."""
    return getattr(config, "notify", None) or NotifyConfig()
