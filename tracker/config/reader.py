"""The light half of `config.toml`: what read commands validate.

`[database]`, `[apps]`, `[sources]` and `[[track]]`, their models and rules, the file reading
and the one-line error format. `tracker.config.load` builds the full, strict configuration on these
same models (one home for each rule); a read command loads only the sections it uses through
`load_reader_config`, without defining the alert, chart, http or daemon models.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tracker.errors import ConfigError
from tracker.fetch.sources import SOURCES
from tracker.models import ChartKey, ChartRequest
from tracker.storefronts import STOREFRONT_SET, STOREFRONTS, normalize_category
from tracker.text.redact import is_secret_key, mask_text, quoted
from tracker.text.values import is_store_id
from tracker.timeutil import parse_duration

DEFAULT_PATH = Path("config.toml")
M = TypeVar("M", bound=BaseModel)
# What read commands validate: naming apps and opening the database, and (status, health) also
# knowing what is tracked.
READER_SECTIONS = ("database", "apps")
TRACKED_SECTIONS = ("database", "apps", "sources", "track")


class KeyValueError(ValueError):
    """A validation error that knows which sub-key failed."""

    def __init__(self, key: str, value: Any, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.value = value
        self.message = message


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(Strict):
    url: str = "sqlite:///apprank.db"

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        # Checked here so that another database is a configuration error (exit 2), not a
        # missing driver found when the first command opens it.
        scheme, sep, _ = value.partition("://")
        if not sep or scheme.split("+")[0] not in ("sqlite", "postgresql"):
            raise ValueError(
                "apprank stores its history in SQLite (sqlite:///PATH) or PostgreSQL "
                "(postgresql+psycopg://...)"
            )
        from sqlalchemy.engine import make_url

        try:
            make_url(value)
        except ValueError:  # SQLAlchemy's own words name no part ("invalid literal for int()")
            raise ValueError("not a database URL (is the port a number?)") from None
        return value


class SourceConfig(Strict):
    base_url: str

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


def _default_sources() -> dict[str, SourceConfig]:
    return {name: SourceConfig(base_url=src.default_base_url) for name, src in SOURCES.items()}


class TrackConfig(Strict):
    name: str | None = None
    source: str = "apple"
    countries: list[str] = ["us"]
    charts: list[str] = ["top-free"]
    categories: list[str] = ["all"]  # genre keys: "all" or an id; TOML may give ids as integers
    devices: list[str] = ["iphone"]
    depth: int = 100
    every: str | None = None
    cron: str | None = None

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        if value not in SOURCES:
            raise ValueError(f"unknown source (expected one of: {', '.join(SOURCES)})")
        return value

    @field_validator("countries")
    @classmethod
    def _storefronts(cls, values: list[str]) -> list[str]:
        if not values:
            raise ValueError("needs at least one country")
        out: list[str] = []
        for value in values:
            code = value.strip().lower()
            if code == "all":
                out.extend(c for c in STOREFRONTS if c not in out)
                continue
            if code not in STOREFRONT_SET:
                raise ValueError(f"{value!r} is not an App Store storefront code")
            if code not in out:
                out.append(code)
        return out

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

    @field_validator("every")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None:
            from tracker.config.crontab import crontab_trigger

            try:
                crontab_trigger(value, "UTC")
            except ValueError as exc:
                raise ValueError(f"invalid cron expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _fits_source(self) -> TrackConfig:
        source = SOURCES[self.source]
        for chart in self.charts:
            if chart not in source.charts:
                raise KeyValueError(
                    "charts", chart, f"not offered by {self.source} ({', '.join(source.charts)})"
                )
        for device in self.devices:
            if device not in source.devices:
                raise KeyValueError(
                    "devices", device, f"not offered by {self.source} ({', '.join(source.devices)})"
                )
        if self.categories != ["all"] and not source.supports_categories:
            raise KeyValueError("categories", self.categories, f"{self.source} has no genre charts")
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
        return parse_duration(self.every) if self.every else timedelta(hours=1)

    @property
    def label(self) -> str:
        return self.name or f"{self.source}:{','.join(self.charts)}"

    def requests(self) -> list[ChartRequest]:
        return [
            ChartRequest(ChartKey(self.source, country, chart, category, device), self.depth)
            for country in self.countries
            for chart in self.charts
            for category in self.categories
            for device in self.devices
        ]


class ReaderConfig(Strict):
    """The sections every command may read; `tracker.config.load.Config` adds the rest."""

    database: DatabaseConfig = DatabaseConfig()
    sources: dict[str, SourceConfig] = Field(default_factory=_default_sources)
    track: list[TrackConfig] = []
    apps: dict[str, str] = {}
    path: Path | None = None

    @field_validator("sources")
    @classmethod
    def _known_sources(cls, values: dict[str, SourceConfig]) -> dict[str, SourceConfig]:
        for name in values:
            if name not in SOURCES:
                raise ValueError(f"unknown source {name!r} (expected one of: {', '.join(SOURCES)})")
        return {**_default_sources(), **values}

    @field_validator("apps")
    @classmethod
    def _app_ids(cls, values: dict[str, str]) -> dict[str, str]:
        for alias, app_id in values.items():
            if not is_store_id(str(app_id)):
                raise KeyValueError(alias, app_id, "not a numeric store id (ASCII digits)")
        return {alias.lower(): str(app_id) for alias, app_id in values.items()}

    @model_validator(mode="after")
    def _unique_track_names(self) -> ReaderConfig:
        names = [t.name for t in self.track if t.name]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"track name {name!r} is used twice")
        return self

    def base_url(self, source: str) -> str:
        return self.sources[source].base_url

    def requests(self, track: str | None = None) -> list[ChartRequest]:
        """Every chart the configuration tracks (of one named track), without duplicates."""
        seen: dict[ChartKey, ChartRequest] = {}
        for entry in self.track:
            if track is not None and entry.name != track:
                continue
            for request in entry.requests():
                previous = seen.get(request.key)
                if previous is None or request.depth > previous.depth:
                    seen[request.key] = request
        return list(seen.values())


def format_error(path: Path | str, error: ValidationError) -> str:
    first = error.errors()[0]
    loc = [str(part) for part in first["loc"]]
    ctx_error = (first.get("ctx") or {}).get("error")
    message = first["msg"].removeprefix("Value error, ")
    value: Any = first.get("input")
    if isinstance(ctx_error, KeyValueError):
        loc.append(ctx_error.key)
        value = ctx_error.value
        message = ctx_error.message
    key = ""
    for part in loc:
        key += f"[{part}]" if part.isdigit() else (f".{part}" if key else part)
    # An unknown key's value may be a secret under a misspelt name: only the key is named.
    if first["type"] == "extra_forbidden":
        return f"{path}: {key}: unknown key"
    if loc and is_secret_key(loc[-1]):
        return f"{path}: {key}: {message}"
    if isinstance(value, dict):
        value = "{...}"
    shown = quoted(mask_text(value) if isinstance(value, str) else value)
    return f"{path}: {key} = {shown}: {mask_text(message)}"


def read_config_file(path: Path | str | None) -> tuple[dict[str, Any], Path]:
    """The TOML of `path`, else $APPRANK_CONFIG, else ./config.toml (none there: no keys)."""
    chosen = Path(path or os.environ.get("APPRANK_CONFIG") or DEFAULT_PATH)
    if path is None and not os.environ.get("APPRANK_CONFIG") and not chosen.exists():
        return {}, chosen
    try:
        return tomllib.loads(chosen.read_text(encoding="utf-8")), chosen
    except FileNotFoundError:
        raise ConfigError(f"{chosen}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{chosen}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{chosen}: not valid TOML: {exc}") from None


def with_overrides(data: dict[str, Any], path: Path | str) -> dict[str, Any]:
    """`data` with $APPRANK_DATABASE_URL applied and the path it came from."""
    data = dict(data)
    env_url = os.environ.get("APPRANK_DATABASE_URL")
    # A `database` that is not a table is left for validation to refuse in one line.
    if env_url and isinstance(data.get("database", {}), dict):
        data["database"] = {**data.get("database", {}), "url": env_url}
    if "path" in data:
        raise ConfigError(f"{path}: path: unknown key")
    return {**data, "path": Path(path)}


def validated(model: type[M], data: dict[str, Any], path: Path | str) -> M:
    """`model` of `data`, or the first problem as one ConfigError line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_error(path, exc)) from None


def load_reader_config(
    path: Path | str | None = None, sections: Sequence[str] = READER_SECTIONS
) -> ReaderConfig:
    """`path` as `tracker.config.load.load_config` finds it, validating only `sections` (of
    READER_SECTIONS / TRACKED_SECTIONS): the others, and unknown top-level keys, are not
    looked at; the sections left out keep their defaults."""
    data, chosen = read_config_file(path)
    picked = {key: data[key] for key in sections if key in data}
    return validated(ReaderConfig, with_overrides(picked, chosen), chosen)
