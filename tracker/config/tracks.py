"""`[[track]]`: which charts to fetch, how deep, and how often."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, field_validator, model_validator

from tracker.config.errors import KeyValueError
from tracker.config.facts import SOURCE_FACTS, known_source
from tracker.config.fields import Countries, Duration, Strict
from tracker.config.selection import ChartSelection, SelectionError
from tracker.config.tracking import CRON_INTERVAL, chart_requests, track_label
from tracker.models import ChartRequest
from tracker.storefronts import normalize_category


class TrackConfig(Strict):
    name: str | None = None
    source: str = "apple"
    countries: Countries = Field(default=["us"], validate_default=True)
    charts: list[str] = ["top-free"]
    categories: list[str] = ["all"]  # genre keys: "all" or an id; TOML may give ids as integers
    devices: list[str] = ["iphone"]
    depth: int = 100
    every: Duration | None = None
    cron: str | None = None

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        return known_source(value)

    @field_validator("categories", mode="before")
    @classmethod
    def _categories(cls, values: object) -> object:
        # Before the list[str] check, so integer ids are normalised rather than refused; anything
        # else (not a list, an item neither text nor a whole number) gets pydantic's message.
        if not isinstance(values, list):
            return values
        try:
            return [
                normalize_category(v) if isinstance(v, str | int) and not isinstance(v, bool) else v
                for v in values
            ] or ["all"]
        except ValueError as exc:
            raise ValueError(str(exc)) from None

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
