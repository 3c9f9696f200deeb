"""The simulated App Store catalog: which apps exist in each storefront, and their fixed traits.

Everything is a pure function of (seed, country[, genre]); the hourly dynamics live in market.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import numpy as np

from tracker.simulate import names
from tracker.storefronts import GENRES, STOREFRONTS

COUNTRY_INDEX: dict[str, int] = {cc: i for i, cc in enumerate(STOREFRONTS)}
GENRE_INDEX: dict[int, int] = {gid: i for i, gid in enumerate(GENRES)}
GAME_GENRES: tuple[int, ...] = tuple(g for g in GENRES if 7000 < g < 8000)
_TOP_GENRES: tuple[int, ...] = tuple(g for g in GENRES if g < 7000 and g != 6014)
_PRICES: tuple[float, ...] = (0.99, 1.99, 2.99, 3.99, 4.99, 6.99, 9.99, 14.99)
_ID_RANGE = 5_800_000_000  # ids are 1_000_000_000 + a seeded bijection of [0, _ID_RANGE)
_ID_PRIME = 5_800_000_027
_EPOCH_2009 = datetime(2009, 7, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class App:
    """One app as a storefront shows it. `price` 0.0 means free."""

    id: str
    name: str
    developer: str
    artist_id: str
    bundle_id: str
    released: datetime
    genres: tuple[int, ...]
    price: float
    art: str
    summary: str | None = None
    link_as_object: bool = False
    artist_href: bool = True

    @property
    def free(self) -> bool:
        return self.price == 0.0

    def __hash__(self) -> int:  # ids are unique; hashing every field is slow for the caches
        return hash(self.id)


@dataclass(slots=True)
class Pool:
    """Apps competing in one storefront (or one genre's long tail), with their score parameters."""

    apps: list[App]
    free: np.ndarray
    popularity: np.ndarray
    revenue: np.ndarray
    device: np.ndarray  # shape (3, n): iphone, ipad, mac offsets
    waves: np.ndarray  # shape (6, n): amp1, period1, phase1, amp2, period2, phase2
    life: np.ndarray  # shape (3, n): depth, period, phase (depth 0 = evergreen)
    by_genre: dict[int, np.ndarray] = field(default_factory=dict)

    def genre_mask(self, genre: int) -> np.ndarray:
        """Which of these apps belong to `genre` (Games includes every game sub-genre)."""
        if genre not in self.by_genre:
            self.by_genre[genre] = np.array([genre in app.genres for app in self.apps], dtype=bool)
        return self.by_genre[genre]


@lru_cache(maxsize=64)
def _id_coefficients(seed: int) -> tuple[int, int]:
    rng = random.Random(f"ids:{seed}")
    return rng.randrange(1, _ID_PRIME), rng.randrange(_ID_PRIME)


def app_id(seed: int, serial: int) -> str:
    """A unique 10-digit id for the app with this serial number (a bijection per seed)."""
    a, b = _id_coefficients(seed)
    x = serial
    while True:
        x = (a * x + b) % _ID_PRIME
        if x < _ID_RANGE:
            return str(1_000_000_000 + x)


def icon_art(rng: random.Random) -> str:
    """The variable part of an mzstatic icon URL."""
    h = f"{rng.getrandbits(128):032x}"
    uuid = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return (
        f"Purple{rng.choice((116, 211, 221))}/v4/{h[:2]}/{h[2:4]}/{h[4:6]}/{uuid}/"
        f"AppIcon-0-0-1x_U007emarketing-0-{rng.randrange(10)}-0-85-220.png"
    )


def _genres(rng: random.Random, genre: int | None) -> tuple[int, ...]:
    primary = genre if genre is not None else rng.choice((6014, 6014, 6014, *_TOP_GENRES))
    if primary == 6014 or primary in GAME_GENRES:
        sub = primary if primary in GAME_GENRES else rng.choice(GAME_GENRES)
        return (6014, sub)
    if rng.random() < 0.5:
        other = rng.choice(_TOP_GENRES)
        if other != primary:
            return (primary, other)
    return (primary,)


def _summary(rng: random.Random, name: str) -> str | None:
    if rng.random() < 0.15:
        return None
    first = name.splitlines()[0] if name.strip() else "This app"
    lines = [f"{first} is the easiest way to get things done, wherever you are.", ""]
    first_feature = rng.randrange(len(names.FEATURES))
    lines += [f"• {names.FEATURES[(first_feature + k) % len(names.FEATURES)]}" for k in range(3)]
    return "\n".join(lines)


def make_app(
    rng: random.Random,
    seed: int,
    serial: int,
    language: str,
    *,
    paid: bool,
    genre: int | None = None,
    name: str | None = None,
    developer: str | None = None,
) -> App:
    name = name or names.app_name(rng, language)
    developer = developer or names.developer_name(rng, language)
    released = _EPOCH_2009 + timedelta(seconds=rng.randrange(int(15.4 * 365 * 86400)))
    return App(
        id=app_id(seed, serial),
        name=name,
        developer=developer,
        artist_id=str(rng.randrange(280_000_000, 1_700_000_000)),
        bundle_id=names.bundle_id(rng, developer),
        released=released.replace(microsecond=0),
        genres=_genres(rng, genre),
        price=rng.choice(_PRICES) if paid else 0.0,
        art=icon_art(rng),
        summary=_summary(rng, name),
        link_as_object=rng.random() < 0.3,
        artist_href=rng.random() >= 0.1,
    )


def build_pool(rng: random.Random, apps: list[App], boost: list[float]) -> Pool:
    n = len(apps)
    draw = np.random.default_rng(rng.getrandbits(64))
    day = 24.0
    free = np.array([app.free for app in apps], dtype=bool)
    games = np.array([6014 in app.genres for app in apps], dtype=bool)
    popularity = draw.normal(0.0, 1.0, n) + np.asarray(boost)
    revenue = popularity * 0.6 + draw.normal(0.0, 0.9, n) + 0.8 * games
    device = np.stack([np.zeros(n), draw.normal(0.0, 0.6, n), draw.normal(-0.2, 0.8, n)])
    waves = np.stack(
        [
            draw.uniform(0.1, 0.6, n),
            draw.uniform(5, 40, n) * day,
            draw.uniform(0, 2 * np.pi, n),
            draw.uniform(0.05, 0.25, n),
            draw.uniform(1, 4, n) * day,
            draw.uniform(0, 2 * np.pi, n),
        ]
    )
    transient = draw.random(n) < 0.4
    life = np.stack(
        [
            np.where(transient, draw.uniform(1.5, 5.0, n), 0.0),
            draw.uniform(20, 120, n) * day,
            draw.uniform(0, 2 * np.pi, n),
        ]
    )
    return Pool(apps, free, popularity, revenue, device, waves, life)


@lru_cache(maxsize=8)
def global_apps(seed: int) -> tuple[tuple[App, ...], tuple[float, ...]]:
    """International apps (Latin script, emoji, hostile names) and their popularity boosts."""
    rng = random.Random(f"global:{seed}")
    apps: list[App] = []
    boosts: list[float] = []
    for i in range(160):
        hostile = i < len(names.HOSTILE_NAMES)
        name = names.HOSTILE_NAMES[i] if hostile else None
        dev = names.HOSTILE_DEVELOPERS[i % len(names.HOSTILE_DEVELOPERS)] if i % 9 == 4 else None
        apps.append(
            make_app(
                rng,
                seed,
                i,
                "en",
                paid=i % 16 in (3, 7, 11, 13, 15) and not hostile,
                name=name,
                developer=dev,
            )
        )
        boosts.append(1.01 if hostile else 0.4)
    return tuple(apps), tuple(boosts)


def country_pool(seed: int, country: str, scripted_ids: frozenset[str]) -> Pool:
    """The apps of one storefront: most international apps plus 260 local ones."""
    index = COUNTRY_INDEX[country]
    language = names.LANGUAGE_BY_COUNTRY.get(country, "en")
    rng = random.Random(f"country:{seed}:{country}")
    apps: list[App] = []
    boosts: list[float] = []
    for app, boost in zip(*global_apps(seed), strict=True):
        if boost > 1.0 or rng.random() < 0.85:  # hostile names are everywhere
            apps.append(app)
            boosts.append(min(boost, 0.6) + rng.gauss(0.0, 0.5))
    for i in range(260):
        lang = language if rng.random() < 0.7 else "en"
        apps.append(make_app(rng, seed, 1000 + index * 1000 + i, lang, paid=i >= 170))
        boosts.append(0.0)
    keep = [i for i, app in enumerate(apps) if app.id not in scripted_ids]
    return build_pool(rng, [apps[i] for i in keep], [boosts[i] for i in keep])


def genre_tail(seed: int, country: str, genre: int, scripted_ids: frozenset[str]) -> Pool:
    """Niche apps that only ever chart within one genre (so genre charts run 100+ deep)."""
    serial0 = 200_000 + (COUNTRY_INDEX[country] * 64 + GENRE_INDEX[genre]) * 1000
    language = names.LANGUAGE_BY_COUNTRY.get(country, "en")
    rng = random.Random(f"tail:{seed}:{country}:{genre}")
    apps = [
        make_app(
            rng,
            seed,
            serial0 + i,
            language if rng.random() < 0.6 else "en",
            paid=i >= 120,
            genre=genre,
        )
        for i in range(230)
    ]
    apps = [app for app in apps if app.id not in scripted_ids]
    return build_pool(rng, apps, [-1.5] * len(apps))
