"""What `apprank status` needs of `config.toml`, read without pydantic: the database, the
aliases and the tracked charts (`[sources]` and `[[track]]`).

As `tracker/config/reading.py` does for `[database]` and `[apps]`: a plainly valid file is read
with the same rule functions the models use (`known_source`, the storefront rule, genres,
`ChartSelection.of`, `duration`, `http_base_url`), and anything else is handed to the models,
so its error is the one line every command gives. A track with a `cron` goes to the models too:
checking a crontab loads APScheduler, which costs more than the models. What a track fetches
(`chart_requests`, `tracked_requests`, `track_label`) is computed here, for both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

from tracker.config.aliases import AppAlias
from tracker.config.facts import SOURCE_FACTS, known_source
from tracker.config.files import read_config_file, with_overrides
from tracker.config.reading import Reading, plainly_valid_reading
from tracker.config.selection import ChartSelection, category_key, storefronts
from tracker.models import ChartKey, ChartRequest
from tracker.timeutil import duration

if TYPE_CHECKING:
    from tracker.config.reader import ReaderConfig

# How often a cron track's `interval` says it runs when `every` does not say.
CRON_INTERVAL = timedelta(hours=1)
TRACK_KEYS = frozenset(
    ("name", "source", "countries", "charts", "categories", "devices", "depth", "every", "cron")
)


def http_base_url(value: str) -> str:
    """A source's server: http(s), without a trailing slash; ValueError otherwise."""
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value.rstrip("/")


def track_label(name: str | None, source: str, charts: Sequence[str]) -> str:
    return name or f"{source}:{','.join(charts)}"


def chart_requests(
    source: str,
    countries: Iterable[str],
    charts: Sequence[str],
    categories: Sequence[str],
    devices: Sequence[str],
    depth: int,
) -> list[ChartRequest]:
    """Every chart one track fetches."""
    return [
        ChartRequest(ChartKey(source, country, chart, category, device), depth)
        for country in countries
        for chart in charts
        for category in categories
        for device in devices
    ]


class TrackLike(Protocol):
    @property
    def name(self) -> str | None: ...

    def requests(self) -> list[ChartRequest]: ...


def tracked_requests(tracks: Iterable[TrackLike], name: str | None = None) -> list[ChartRequest]:
    """Every chart the tracks (the one named `name`) fetch, once each, at the deepest depth."""
    seen: dict[ChartKey, ChartRequest] = {}
    for entry in tracks:
        if name is not None and entry.name != name:
            continue
        for request in entry.requests():
            previous = seen.get(request.key)
            if previous is None or request.depth > previous.depth:
                seen[request.key] = request
    return list(seen.values())


@dataclass(frozen=True, slots=True)
class Track:
    """One `[[track]]`, validated: the attributes `TrackConfig` has."""

    name: str | None
    source: str
    countries: tuple[str, ...]
    charts: tuple[str, ...]
    categories: tuple[str, ...]
    devices: tuple[str, ...]
    depth: int
    every: timedelta | None
    cron: str | None

    @property
    def interval(self) -> timedelta:
        return self.every or CRON_INTERVAL

    @property
    def label(self) -> str:
        return track_label(self.name, self.source, self.charts)

    def requests(self) -> list[ChartRequest]:
        return chart_requests(
            self.source, self.countries, self.charts, self.categories, self.devices, self.depth
        )


@dataclass(frozen=True, slots=True)
class Tracking:
    """`[database]`, `[apps]` and the tracked charts, validated."""

    database_url: str
    aliases: Mapping[str, AppAlias]
    path: Path
    tracks: tuple[Track, ...]

    def requests(self, track: str | None = None) -> list[ChartRequest]:
        return tracked_requests(self.tracks, track)


def load_tracking(path: Path | str | None = None) -> Tracking:
    """`[database]`, `[apps]`, `[sources]` and `[[track]]` of `path` (found as `load_config`
    finds it); ConfigError in the one-line format when any of them is broken."""
    data, chosen = read_config_file(path)
    sections = ("database", "apps", "sources", "track")
    picked = with_overrides({k: data[k] for k in sections if k in data}, chosen)
    reading = plainly_valid_reading(picked, chosen)
    tracks = _plain_tracks(picked.get("track", []))
    if reading is not None and tracks is not None and _plain_sources(picked.get("sources", {})):
        return Tracking(reading.database_url, reading.aliases, chosen, tracks)
    from tracker.config.errors import validated
    from tracker.config.reader import ReaderConfig

    return _from_models(validated(ReaderConfig, picked, chosen), chosen)


def _from_models(model: ReaderConfig, path: Path) -> Tracking:
    tracks = tuple(
        Track(
            t.name,
            t.source,
            tuple(t.countries),
            tuple(t.charts),
            tuple(t.categories),
            tuple(t.devices),
            t.depth,
            t.every,
            t.cron,
        )
        for t in model.track
    )
    return Tracking(model.database.url, MappingProxyType(dict(model.apps)), path, tracks)


def _plain_sources(sources: Any) -> bool:
    if not isinstance(sources, dict):
        return False
    try:
        for name, table in sources.items():
            known_source(name)
            if not isinstance(table, dict) or set(table) != {"base_url"}:
                return False
            if not isinstance(table["base_url"], str):
                return False
            http_base_url(table["base_url"])
    except ValueError:
        return False
    return True


def _plain_tracks(tracks: Any) -> tuple[Track, ...] | None:
    if not isinstance(tracks, list):
        return None
    out: list[Track] = []
    for table in tracks:
        track = _plain_track(table) if isinstance(table, dict) else None
        if track is None:
            return None
        out.append(track)
    names = [t.name for t in out if t.name]
    if len(names) != len(set(names)):
        return None
    return tuple(out)


def _texts(value: Any, default: tuple[str, ...]) -> tuple[str, ...] | None:
    if value is None:
        return default
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return tuple(value)


def _plain_track(table: dict[str, Any]) -> Track | None:
    """The track, if every value is plainly valid (by the models' own rules); else None."""
    if set(table) - TRACK_KEYS or table.get("cron") is not None:
        return None
    name, source, depth = table.get("name"), table.get("source", "apple"), table.get("depth", 100)
    countries = table.get("countries", ["us"])
    countries = [countries] if isinstance(countries, str) else countries
    charts = _texts(table.get("charts"), ("top-free",))
    devices = _texts(table.get("devices"), ())  # none: the source's first, once it is known
    categories = table.get("categories", ["all"])
    every = table.get("every")
    if (
        not (name is None or isinstance(name, str))
        or not isinstance(source, str)
        or not isinstance(depth, int)
        or isinstance(depth, bool)
        or charts is None
        or devices is None
        or not isinstance(countries, list)
        or not countries
        or not all(isinstance(c, str) for c in countries)
        or not isinstance(categories, list)
        or not all(isinstance(c, str | int) and not isinstance(c, bool) for c in categories)
        or isinstance(every, bool)
    ):
        return None
    try:
        known_source(source)
        codes = storefronts(countries)
        genres = tuple(category_key(c, source) for c in categories) or ("all",)
        devices = devices or SOURCE_FACTS[source].devices[:1]
        for chart in charts:
            ChartSelection.of(chart, source=source)
        for device in devices:
            ChartSelection.of(source=source, device=device)
        for genre in genres:
            ChartSelection.of(source=source, category=genre)
        interval = None if every is None else duration(every)
    except ValueError:
        return None
    if not 1 <= depth <= SOURCE_FACTS[source].max_depth:
        return None
    return Track(name, source, tuple(codes), charts, genres, devices, depth, interval, None)


__all__ = ["Reading", "Track", "Tracking", "chart_requests", "load_tracking", "tracked_requests"]
