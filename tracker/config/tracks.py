"""`[[track]]`: which charts to fetch, how deep, and how often."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, ValidationInfo, field_validator, model_validator

from tracker.config.errors import KeyValueError
from tracker.config.facts import SOURCE_FACTS, known_source
from tracker.config.fields import Countries, Duration, Strict
from tracker.config.selection import ChartSelection, SelectionError, category_key
from tracker.config.tracking import CRON_INTERVAL, chart_requests, track_label
from tracker.models import ChartRequest


class TrackConfig(Strict):
    name: str | None = None
    source: str = "apple"
    countries: Countries = Field(default=["us"], validate_default=True)
    charts: list[str] = ["top-free"]
    # Genre keys by the source's rule: "all", an App Store genre id (TOML may give ids as
    # integers) or a Google Play category. Validators read `source`, so it comes first.
    categories: list[str] = ["all"]
    devices: list[str] = Field(default=[], validate_default=True)  # none: the source's first
    depth: int = 100
    every: Duration | None = None
    cron: str | None = None

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        return known_source(value)

    @field_validator("categories", mode="before")
    @classmethod
    def _categories(cls, values: object, info: ValidationInfo) -> object:
        # Before the list[str] check, so integer ids are normalised rather than refused; anything
        # else (not a list, an item neither text nor a whole number) gets pydantic's message.
        if not isinstance(values, list):
            return values
        source = info.data.get("source")  # absent when refused: that error is the one shown
        try:
            return [
                category_key(v, source)
                if isinstance(v, str | int) and not isinstance(v, bool)
                else v
                for v in values
            ] or ["all"]
        except ValueError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("devices")
    @classmethod
    def _devices(cls, values: list[str], info: ValidationInfo) -> list[str]:
        # Omitted: the source's own device (iphone for Apple's sources, phone for Google Play).
        source = SOURCE_FACTS.get(info.data.get("source", ""))
        return values or [source.devices[0] if source is not None else "iphone"]

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None:
            # Deferred: APScheduler is loaded only by a configuration that has a cron track.
            from tracker.config.crontab import crontab_trigger

            try:
                crontab_trigger(value, "UTC")
            except ValueError as exc:
                raise ValueError(f"invalid cron expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _fits_source(self) -> TrackConfig:
        # Each chart kind, device and genre as ChartSelection.of checks it for this source.
        try:
            for chart in self.charts:
                ChartSelection.of(chart, source=self.source)
            for device in self.devices:
                ChartSelection.of(source=self.source, device=device)
            for category in self.categories:
                ChartSelection.of(source=self.source, category=category)
        except SelectionError as exc:
            key, value = f"{exc.field}s", exc.value
            if exc.field == "category":  # "categories", and the list: one genre is not the fault
                key, value = "categories", self.categories
            raise KeyValueError(key, value, exc.reason) from None
        source = SOURCE_FACTS[self.source]
        if not 1 <= self.depth <= source.max_depth:
            raise KeyValueError(
                "depth", self.depth, f"must be 1..{source.max_depth} for {self.source}"
            )
        if self.every and self.cron:
            raise KeyValueError("cron", self.cron, "give either `every` or `cron`, not both")
        return self

    @property
    def interval(self) -> timedelta:
        """The polling interval (for cron tracks, an hour unless `every` says otherwise)."""
        return self.every or CRON_INTERVAL

    @property
    def label(self) -> str:
        return track_label(self.name, self.source, self.charts)

    def requests(self) -> list[ChartRequest]:
        return chart_requests(
            self.source, self.countries, self.charts, self.categories, self.devices, self.depth
        )
