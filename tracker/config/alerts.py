"""The `[[alert]]` rules of config.toml, validated at start-up.

    [[alert]]
    name = "deepseek-number-one"
    app = "deepseek"                 # store id, [apps] alias or part of the name
    countries = ["all"]              # or a list of storefront codes (or one code)
    chart = "top-free"
    when = "rank <= 1"               # see tracker/config/when.py for every form
    cooldown = "6h"                  # per rule and country; default: none
    notify = ["log", "webhook:team"]   # or "apprise:NAME"

Apps are resolved when rules are evaluated, not here: an app may not be in the database yet.
The targets rules name are `[notify]` (tracker/config/notify.py); `check_alerting` checks
the two against each other.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator

from tracker.config.errors import KeyValueError
from tracker.config.facts import SOURCE_FACTS
from tracker.config.fields import ALL, Countries, Duration, Strict
from tracker.config.notify import LOG_TARGET, NotifyConfig, checked_name, checked_targets
from tracker.config.selection import ChartSelection, SelectionError
from tracker.config.when import Condition, Kind, parse_when
from tracker.models import ChartKey


def checked_value(source: str | None, **value: Any) -> ChartSelection:
    """The selection of one value, from `source` (None: any source); ValueError in config
    words (the line shows the value)."""
    try:
        return ChartSelection.of(source=source, **value)
    except SelectionError as exc:
        raise ValueError(exc.reason) from None


def earlier_source(info: ValidationInfo) -> str | None:
    """The source an earlier field named: none when it names none, or a bad one (then any
    source's charts). For the validators of the fields after `source`."""
    source = info.data.get("source")
    return source if isinstance(source, str) else None


class AlertRule(Strict):
    """One `[[alert]]`: which app, where, on what transition, and whom to tell."""

    # Validators read earlier fields, so the order matters: source before chart and device,
    # app before when.
    name: str
    app: str
    countries: Countries = Field(default=[ALL], validate_default=True)
    source: str | None = None  # None: the chart kind from any source
    chart: str = "top-free"
    category: str = "all"
    device: str | None = None  # None: each source's own first (iphone, phone on googleplay)
    when: str
    cooldown: Duration | None = None
    notify: list[str] = [LOG_TARGET]
    # `when`, parsed once (the field keeps the text, which events record).
    _condition: Condition = PrivateAttr()

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return checked_name(value)

    @field_validator("app")
    @classmethod
    def _app(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("give a store id, an [apps] alias or part of the app's name")
        return value.strip()

    # Each value is checked by ChartSelection.of, as the command line checks it, with what
    # the earlier fields say (a chart against the rule's source): the one rule, field by field.
    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: Any, info: ValidationInfo) -> str:
        return checked_value(earlier_source(info), category=value).category

    @field_validator("source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        return None if value is None else checked_value(value).source

    @field_validator("chart")
    @classmethod
    def _chart(cls, value: str, info: ValidationInfo) -> str:
        return checked_value(earlier_source(info), chart=value).chart

    @field_validator("device")
    @classmethod
    def _device(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else checked_value(earlier_source(info), device=value).device

    @field_validator("when")
    @classmethod
    def _when(cls, value: str, info: ValidationInfo) -> str:
        condition = parse_when(value)
        if condition.kind is Kind.OVERTAKES and condition.rival == info.data.get("app"):
            raise ValueError("an app cannot overtake itself")
        return value

    @field_validator("notify")
    @classmethod
    def _notify(cls, values: list[str]) -> list[str]:
        return checked_targets(values)

    def model_post_init(self, context: Any, /) -> None:
        self._condition = parse_when(self.when)

    @property
    def condition(self) -> Condition:
        return self._condition

    def matches(self, key: ChartKey) -> bool:
        """Whether this rule watches the chart `key`."""
        return (
            key.chart == self.chart
            and (self.source is None or key.source == self.source)
            and key.category == self.category
            and key.device == (self.device or SOURCE_FACTS[key.source].devices[0])
            and key.country in self.countries
        )


def check_alerting(rules: list[AlertRule], notify: NotifyConfig) -> None:
    """Rule names are unique and every target a rule names is defined (KeyValueError naming
    the key, from the top of the file, otherwise)."""
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        if rule.name in seen:
            raise KeyValueError(f"alert[{index}].name", rule.name, "used by another rule")
        seen.add(rule.name)
        check_targets(f"alert[{index}].notify", rule.notify, notify)


def check_targets(key: str, targets: list[str], notify: NotifyConfig) -> None:
    """Every one of `targets` is defined in `notify` (KeyValueError naming `key` otherwise):
    the one check of `notify = [...]`, for `[[alert]]` and `[[digest]]` alike."""
    known = set(notify.targets())
    for target in targets:
        if target not in known:
            raise KeyValueError(
                key, target, f"no such target (defined: {', '.join(notify.targets())})"
            )
