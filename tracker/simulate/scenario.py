"""Scripted market events read from TOML: apps that launch, climb, hold and decline on cue.

A scenario pins chosen apps to chosen ranks over time; the organic market fills every other row.
Built-in scenarios live in `tracker/simulate/scenarios/*.toml` (README.md there shows the keys).

Both stores read one file: a track is the App Store's unless it says `store = "googleplay"`
(Play's countries, no devices); an app with Play tracks lists on Play as `[apps.googleplay]`
says; `[expect.googleplay]` holds Play's promised facts (ScenarioFacts.extra["googleplay"]).
"""

from __future__ import annotations

import itertools
import math
import random
import tomllib
import zlib
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tracker.errors import UsageError
from tracker.simulate import playcatalog
from tracker.simulate.catalog import GAME_GENRES, App, icon_art
from tracker.storefronts import STOREFRONT_SET, STOREFRONTS
from tracker.timeutil import to_epoch

CHARTS: tuple[str, ...] = ("top-free", "top-paid", "top-grossing")
DEVICES: tuple[str, ...] = ("iphone", "ipad", "mac")
STORES: tuple[str, ...] = ("apple", "googleplay")


def hour_of(moment: datetime) -> int:
    """Whole hours since the Unix epoch (the market changes once an hour)."""
    return to_epoch(moment) // 3600


def _instant(value: Any, where: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{where}: not an ISO time: {value!r}") from None
    else:
        raise ValueError(f"{where}: expected a time, got {value!r}")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Track:
    """One app's scripted rank path in one chart, for a list of countries.

    `keyframes` are (hour, rank) points; between them the rank moves log-linearly and is rounded
    up, so a target rank is first reached exactly at its keyframe. Country i of the list runs
    `i * stagger_hours` later. `wobble` adds 0..wobble ranks, changing every 6 hours. `store`
    is "apple" (devices name the App Store's) or "googleplay" (no devices).
    """

    chart: str
    countries: tuple[str, ...]
    devices: tuple[str, ...]
    keyframes: tuple[tuple[int, float], ...]
    stagger_hours: int = 0
    wobble: int = 0
    store: str = "apple"

    def position(self, app_id: str, country: str, hour: int) -> int | None:
        """The rank this track pins the app to, or None before it launches."""
        local = hour - self.countries.index(country) * self.stagger_hours
        hours = [h for h, _ in self.keyframes]
        i = bisect_right(hours, local) - 1
        if i < 0:
            return None
        if i == len(self.keyframes) - 1:
            rank = self.keyframes[-1][1]
        else:
            (h0, r0), (h1, r1) = self.keyframes[i], self.keyframes[i + 1]
            share = (local - h0) / (h1 - h0)
            rank = math.exp(math.log(r0) + (math.log(r1) - math.log(r0)) * share)
        position = max(1, math.ceil(rank - 1e-9))
        if self.wobble:
            key = f"{app_id}:{country}:{self.chart}:{local // 6}"
            if self.store != "apple":  # Apple's key unchanged: its wobbles stay as they were
                key = f"{self.store}:{key}"
            position += zlib.crc32(key.encode()) % (self.wobble + 1)
        return position


@dataclass(frozen=True, slots=True)
class Rename:
    """From `hour` on, the app is called `name` in `countries` (empty: every storefront)."""

    hour: int
    name: str
    countries: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ScriptedApp:
    """An app whose ranks the scenario dictates, and the names storefronts show for it: `names`
    per storefront (else the app's own), changed by `renames` in time order. `play` is its
    Google Play listing (None: not on Play); an explicit Play name is kept over renames."""

    app: App
    tracks: tuple[Track, ...]
    names: tuple[tuple[str, str], ...] = ()  # (country, name)
    renames: tuple[Rename, ...] = ()
    play: playcatalog.PlayApp | None = None
    play_named: bool = False

    def shown(self, country: str, hour: int) -> App:
        """The app as `country`'s storefront lists it at `hour`."""
        name = dict(self.names).get(country, self.app.name)
        for rename in self.renames:
            if rename.hour <= hour and (not rename.countries or country in rename.countries):
                name = rename.name
        return self.app if name == self.app.name else replace(self.app, name=name)

    def play_shown(self, country: str, hour: int) -> playcatalog.PlayApp:
        """The app as Google Play lists it in `country` at `hour`."""
        assert self.play is not None
        name = self.play.title if self.play_named else self.shown(country, hour).name
        return self.play if name == self.play.title else replace(self.play, title=name)


@dataclass(frozen=True, slots=True)
class ScenarioFacts:
    """What the scenario promises, for tests and demos to assert."""

    app_id: str | None = None
    chart: str = "top-free"
    first_number_one_us: datetime | None = None
    peak_number_one_countries: int | None = None
    peak_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named script of market events, with its default start time and seed."""

    name: str
    description: str
    start: datetime
    seed: int
    apps: tuple[ScriptedApp, ...]
    expect: ScenarioFacts
    path: Path | None = None

    @property
    def scripted_ids(self) -> frozenset[str]:
        return frozenset(s.app.id for s in self.apps)

    def placements(
        self, country: str, chart: str, device: str, genre: int | None, hour: int
    ) -> list[tuple[int, App]]:
        """(rank, app) pins for one chart at one hour, in scenario-file order."""
        pins: list[tuple[int, App]] = []
        for scripted in self.apps:
            if genre is not None and not _in_genre(scripted.app, genre):
                continue
            for track in scripted.tracks:
                if track.chart == chart and device in track.devices and country in track.countries:
                    position = track.position(scripted.app.id, country, hour)
                    if position is not None:
                        pins.append((position, scripted.shown(country, hour)))
                    break
        return pins

    def play_placements(
        self, country: str, chart: str, category: str, hour: int
    ) -> list[tuple[int, playcatalog.PlayApp]]:
        """(rank, listing) pins for one Google Play chart at one hour, in scenario-file order."""
        pins: list[tuple[int, playcatalog.PlayApp]] = []
        for scripted in self.apps:
            if scripted.play is None or not playcatalog.in_category(scripted.play, category):
                continue
            for track in scripted.tracks:
                if (
                    track.store == "googleplay"
                    and track.chart == chart
                    and country in track.countries
                ):
                    position = track.position(scripted.app.id, country, hour)
                    if position is not None:
                        pins.append((position, scripted.play_shown(country, hour)))
                    break
        return pins


def _in_genre(app: App, genre: int) -> bool:
    return genre in app.genres or (genre == 6014 and any(g in GAME_GENRES for g in app.genres))


def builtin_scenarios() -> list[str]:
    """Names of the scenarios shipped with apprank."""
    folder = resources.files("tracker.simulate") / "scenarios"
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a built-in scenario by name, or a scenario TOML file by path.

    Raises UsageError (one line) for an unknown name or an invalid file.
    """
    text = str(name_or_path)
    path = Path(text)
    if path.suffix == ".toml" or path.is_file():
        if not path.is_file():
            raise UsageError(f"scenario file not found: {text}")
        source, origin = path.read_bytes(), path
    else:
        resource = resources.files("tracker.simulate") / "scenarios" / f"{text}.toml"
        if not resource.is_file():
            known = ", ".join(builtin_scenarios())
            raise UsageError(f"unknown scenario {text!r} (built-in: {known}; or a path to a .toml)")
        source, origin = resource.read_bytes(), None
    try:
        return parse_scenario(tomllib.loads(source.decode("utf-8")), path=origin)
    except KeyError as exc:
        raise UsageError(f"invalid scenario {text}: missing key {exc}") from None
    except (tomllib.TOMLDecodeError, ValueError, TypeError) as exc:
        message = str(exc).replace("\n", " ")
        raise UsageError(f"invalid scenario {text}: {message}") from None


def parse_scenario(data: dict[str, Any], *, path: Path | None = None) -> Scenario:
    """Build a Scenario from parsed TOML; raises ValueError naming the bad key."""
    apps = tuple(_scripted_app(raw, n) for n, raw in enumerate(data.get("apps", []), start=1))
    ids = [s.app.id for s in apps]
    if len(set(ids)) != len(ids):
        raise ValueError("two [[apps]] share an id")
    expect = dict(data.get("expect", {}))
    facts = ScenarioFacts(
        app_id=str(expect.pop("app_id")) if "app_id" in expect else None,
        chart=str(expect.pop("chart", "top-free")),
        first_number_one_us=_opt_instant(expect.pop("first_number_one_us", None), "expect"),
        peak_number_one_countries=_opt_int(expect.pop("peak_number_one_countries", None)),
        peak_at=_opt_instant(expect.pop("peak_at", None), "expect"),
        extra=expect,
    )
    return Scenario(
        name=str(data["name"]),
        description=str(data.get("description", "")).strip(),
        start=_instant(data.get("start", "2025-01-20T00:00:00Z"), "start"),
        seed=int(data.get("seed", 0)),
        apps=apps,
        expect=facts,
        path=path,
    )


def _opt_instant(value: Any, where: str) -> datetime | None:
    return None if value is None else _instant(value, where)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _scripted_app(raw: dict[str, Any], n: int) -> ScriptedApp:
    where = f"[[apps]] #{n}"
    app_id = str(raw["id"])
    if not app_id.isdigit():
        raise ValueError(f"{where}: id must be digits, got {app_id!r}")
    rng = random.Random(f"scripted:{app_id}")
    genres = tuple(int(g) for g in raw.get("genres", [6007]))
    app = App(
        id=app_id,
        name=str(raw["name"]),
        developer=str(raw["developer"]),
        artist_id=str(raw.get("artist_id", rng.randrange(280_000_000, 1_700_000_000))),
        bundle_id=str(raw.get("bundle_id", f"com.example.app{app_id}")),
        released=_release(raw.get("release_date", "2020-01-01"), where),
        genres=genres,
        price=float(raw.get("price", 0.0)),
        art=icon_art(rng),
        summary=raw.get("summary"),
        link_as_object=bool(raw.get("link_as_object", False)),
    )
    tracks: list[Track] = []
    taken: dict[str, set[str]] = {}
    raw_tracks = list(raw.get("tracks", []))
    # Explicit country lists first, so "*" can mean "every other storefront".
    for raw_track in sorted(raw_tracks, key=lambda t: t.get("countries") == "*"):
        chart_key = f"{raw_track.get('store', 'apple')}:{raw_track.get('chart', '')}"
        tracks.append(_track(raw_track, where, taken.setdefault(chart_key, set())))
    names = tuple((str(c).lower(), str(n)) for c, n in dict(raw.get("names", {})).items())
    renames = sorted(
        (
            Rename(
                hour_of(_instant(r["at"], where)),
                str(r["name"]),
                frozenset(str(c).lower() for c in r.get("countries", [])),
            )
            for r in raw.get("renames", [])
        ),
        key=lambda r: r.hour,
    )
    play_raw = dict(raw.get("googleplay", {}))
    on_play = any(t.store == "googleplay" for t in tracks)
    listing = playcatalog.listing(app)
    if play_raw:
        listing = playcatalog.scripted_listing(app, play_raw, where)
    return ScriptedApp(
        app=app,
        tracks=tuple(tracks),
        names=names,
        renames=tuple(renames),
        play=listing if on_play else None,
        play_named="name" in play_raw,
    )


def _release(value: Any, where: str) -> datetime:
    """A release date means midnight in Cupertino, as Apple's feeds show it."""
    if isinstance(value, str) and len(value) == 10:
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{where}: not an ISO date: {value!r}") from None
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=ZoneInfo("America/Los_Angeles"))
    return _instant(value, where)


def _track(raw: dict[str, Any], where: str, taken: set[str]) -> Track:
    chart = str(raw.get("chart", "top-free"))
    if chart not in CHARTS:
        raise ValueError(f"{where}: unknown chart {chart!r}")
    store = str(raw.get("store", "apple"))
    if store not in STORES:
        raise ValueError(f"{where}: unknown store {store!r} (expected one of {STORES})")
    known = STOREFRONT_SET if store == "apple" else playcatalog.PLAY_COUNTRIES
    countries_raw = raw["countries"]
    exclude = {str(c).lower() for c in raw.get("exclude", [])}
    if countries_raw == "*":
        countries = tuple(c for c in STOREFRONTS if c in known and c not in taken | exclude)
    else:
        countries = tuple(str(c).lower() for c in countries_raw)
        unknown = [c for c in countries if c not in known]
        if unknown:
            raise ValueError(f"{where}: unknown {store} storefronts {unknown}")
    taken.update(countries)
    devices = tuple(raw.get("devices", ["iphone"] if store == "apple" else []))
    if store != "apple" and devices:
        raise ValueError(f"{where}: a {store} track has no devices")
    if any(d not in DEVICES for d in devices):
        raise ValueError(f"{where}: devices must be among {DEVICES}")
    return Track(
        chart=chart,
        countries=countries,
        devices=devices,
        keyframes=_keyframes(raw, where),
        stagger_hours=int(raw.get("stagger_hours", 0)),
        wobble=int(raw.get("wobble", 0)),
        store=store,
    )


def _keyframes(raw: dict[str, Any], where: str) -> tuple[tuple[int, float], ...]:
    if "path" in raw:
        frames = [(hour_of(_instant(t, where)), float(r)) for t, r in raw["path"]]
    elif "steady_rank" in raw:
        since = _instant(raw.get("since", "1970-01-01T00:00:00Z"), where)
        frames = [(hour_of(since), float(raw["steady_rank"]))]
    else:
        launch = hour_of(_instant(raw["launch"], where))
        climb_end = launch + int(raw["climb_hours"])
        target = float(raw["target_rank"])
        frames = [(launch, float(raw.get("enter_rank", 200))), (climb_end, target)]
        if "hold_hours" in raw:
            hold_end = climb_end + int(raw["hold_hours"])
            frames.append((hold_end, target))
            if "decline_hours" in raw:
                frames.append((hold_end + int(raw["decline_hours"]), float(raw["final_rank"])))
    if any(r < 1 for _, r in frames) or any(b[0] <= a[0] for a, b in itertools.pairwise(frames)):
        raise ValueError(f"{where}: ranks must be >= 1 and times strictly increasing")
    return tuple(frames)
