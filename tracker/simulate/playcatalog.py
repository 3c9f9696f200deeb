"""Google Play's view of the simulated catalog: package names, categories, ratings, installs.

The simulated apps are the same on both stores (market.py's pools), seen through Play's own
traits. Every trait is a pure function of the app (its id, name, developer, genres, price), so an
app has one package, category and rating in every country and under every seed that makes it.

- Google Play has no China storefront: `PLAY_COUNTRIES` is Apple's storefronts without `cn`.
- About one app in twelve is iOS-only (`on_play`), so the stores' catalogs differ a little.
- Category charts run 200 deep through Android-only niche apps (`play_tail`), as Apple's genre
  charts do through genre tails (catalog.genre_tail).
"""

from __future__ import annotations

import base64
import hashlib
import random
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from tracker.simulate import names
from tracker.simulate.catalog import COUNTRY_INDEX, GAME_GENRES, App, make_app
from tracker.storefronts import STOREFRONTS

PLAY_COUNTRIES: frozenset[str] = frozenset(cc for cc in STOREFRONTS if cc != "cn")
# Play's collections by the chart names apprank uses for every store.
COLLECTIONS: dict[str, str] = {
    "top-free": "topselling_free",
    "top-paid": "topselling_paid",
    "top-grossing": "topgrossing",
}
CHART_BY_COLLECTION: dict[str, str] = {v: k for k, v in COLLECTIONS.items()}
# Category ids and their English names, as the Play web app's old category menu listed them
# (baltpeter/parse-play src/common/categories.ts; google-play-scraper lib/constants.js).
CATEGORIES: dict[str, str] = {
    "APPLICATION": "Applications",
    "GAME": "Games",
    **{
        c.upper().replace(" & ", "_AND_").replace(" ", "_"): c
        for c in (
            "Art & Design|Auto & Vehicles|Beauty|Books & Reference|Business|Comics|"
            "Communication|Dating|Education|Entertainment|Events|Finance|Food & Drink|"
            "Health & Fitness|House & Home|Libraries & Demo|Lifestyle|Maps & Navigation|"
            "Medical|Music & Audio|News & Magazines|Parenting|Personalization|Photography|"
            "Productivity|Shopping|Social|Sports|Tools|Travel & Local|Weather"
        ).split("|")
    },
    "VIDEO_PLAYERS": "Video Players & Editors",
    "ANDROID_WEAR": "Watch apps",
    "WATCH_FACE": "Watch faces",
    "FAMILY": "Kids",
    **{
        "GAME_" + g.upper().replace(" ", "_"): g
        for g in (
            "Action|Adventure|Arcade|Board|Card|Casino|Casual|Educational|Music|Puzzle|Racing|"
            "Role Playing|Simulation|Sports|Strategy|Trivia|Word"
        ).split("|")
    },
}
CATEGORY_INDEX: dict[str, int] = {c: i for i, c in enumerate(CATEGORIES)}
# Apple genre -> Play category (Play's nearest; Dice games are Board, Family games Casual).
CATEGORY_BY_GENRE: dict[int, str] = {
    6000: "BUSINESS",
    6001: "WEATHER",
    6002: "TOOLS",
    6003: "TRAVEL_AND_LOCAL",
    6004: "SPORTS",
    6005: "SOCIAL",
    6006: "BOOKS_AND_REFERENCE",
    6007: "PRODUCTIVITY",
    6008: "PHOTOGRAPHY",
    6009: "NEWS_AND_MAGAZINES",
    6010: "MAPS_AND_NAVIGATION",
    6011: "MUSIC_AND_AUDIO",
    6012: "LIFESTYLE",
    6013: "HEALTH_AND_FITNESS",
    6014: "GAME_CASUAL",
    6015: "FINANCE",
    6016: "ENTERTAINMENT",
    6017: "EDUCATION",
    6018: "BOOKS_AND_REFERENCE",
    6020: "MEDICAL",
    6021: "NEWS_AND_MAGAZINES",
    6022: "SHOPPING",
    6023: "FOOD_AND_DRINK",
    6024: "SHOPPING",
    6025: "PERSONALIZATION",
    6026: "TOOLS",
    6027: "ART_AND_DESIGN",
    7001: "GAME_ACTION",
    7002: "GAME_ADVENTURE",
    7003: "GAME_CASUAL",
    7004: "GAME_BOARD",
    7005: "GAME_CARD",
    7006: "GAME_CASINO",
    7007: "GAME_BOARD",
    7008: "GAME_EDUCATIONAL",
    7009: "GAME_CASUAL",
    7011: "GAME_MUSIC",
    7012: "GAME_PUZZLE",
    7013: "GAME_RACING",
    7014: "GAME_ROLE_PLAYING",
    7015: "GAME_SIMULATION",
    7016: "GAME_SPORTS",
    7017: "GAME_STRATEGY",
    7018: "GAME_TRIVIA",
    7019: "GAME_WORD",
}
GAME_CATEGORIES: tuple[str, ...] = tuple(c for c in CATEGORIES if c.startswith("GAME_"))
APP_CATEGORIES: tuple[str, ...] = tuple(
    c for c in CATEGORIES if c not in GAME_CATEGORIES and c not in ("APPLICATION", "GAME")
)
# Categories no Apple genre maps to: some apps are filed under one of these on Play instead.
_PLAY_ONLY_APP_CATEGORIES: tuple[str, ...] = tuple(
    c for c in APP_CATEGORIES if c not in CATEGORY_BY_GENRE.values()
)
INSTALL_STEPS: tuple[str, ...] = tuple(
    f"{n:,}+" for e in range(2, 10) for n in (10**e, 5 * 10**e) if n <= 10**9
)
MAIN_INSTALLS = (8, 13)  # apps on both stores: 1,000,000+ to 500,000,000+ (INSTALL_STEPS)
TAIL_INSTALLS = (2, 7)  # Android-only niche apps: 1,000+ to 500,000+
TAIL_SIZE = 400  # half free, half paid: every category chart can run 200 deep
_TAIL_SERIAL0 = 20_000_000  # above every App Store serial (catalog.genre_tail ends near 11.4M)
_SEGMENT = re.compile(r"[a-z][a-z0-9_]*")
_JAVA_KEYWORDS = frozenset(
    "abstract assert boolean break byte case catch char class const continue default do double "
    "else enum extends false final finally float for goto if implements import instanceof int "
    "interface long native new null package private protected public return short static "
    "strictfp super switch synchronized this throw throws transient true try void volatile while "
    "var record yield sealed permits".split()
)


@dataclass(frozen=True, slots=True)
class PlayApp:
    """One app as Google Play lists it. `price` is the USD tier (0.0: free); `kind` is the
    entry's trailing 0|1|2 (its meaning on the real feed is unknown: 1 for a paid app here,
    2 for one free app in twenty, else 0)."""

    package: str
    title: str
    developer: str
    category: str  # a key of CATEGORIES, never APPLICATION or GAME
    price: float
    icon: str
    summary: str
    rating: float  # 1.0 to 5.0, two decimals
    installs: str  # one of INSTALL_STEPS
    kind: int

    @property
    def free(self) -> bool:
        return self.price == 0.0

    @property
    def game(self) -> bool:
        return self.category in GAME_CATEGORIES

    def __hash__(self) -> int:  # packages are unique; hashing every field is slow for caches
        return hash(self.package)


def in_category(app: PlayApp, category: str) -> bool:
    """Whether `app` lists in the `category` chart (APPLICATION: every app that is no game)."""
    if category == "APPLICATION":
        return not app.game
    if category == "GAME":
        return app.game
    return app.category == category


def valid_package(name: str) -> bool:
    """A Java package name Play accepts: two or more segments [a-z][a-z0-9_]*, no keyword."""
    parts = name.split(".")
    return len(parts) >= 2 and all(_SEGMENT.fullmatch(p) and p not in _JAVA_KEYWORDS for p in parts)


def _fraction(app_id: str, salt: str) -> float:
    digest = hashlib.blake2b(f"{salt}:{app_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def on_play(app: App) -> bool:
    """Whether an organic App Store app is on Google Play too (eleven in twelve are)."""
    return _fraction(app.id, "on-play") >= 1 / 12


def _segment(text: str, fallback: str, limit: int) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    segment = re.sub(r"[^a-z0-9]", "", ascii_text)[:limit].lstrip("0123456789")
    return segment or fallback


def _base36(number: int) -> str:
    digits = ""
    while number:
        number, digit = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
    return digits or "0"


def package_name(app: App) -> str:
    """`com.<developer>.<name><id in base 36>`: ASCII letters of the developer and the name,
    and the app id, which makes it unique; always valid_package."""
    developer = _segment(app.developer, "dev", 16)
    leaf = _segment(app.name, "app", 16) + _base36(int(app.id))
    parts = [p + "_" if p in _JAVA_KEYWORDS else p for p in ("com", developer, leaf)]
    return ".".join(parts)


def category_of(app: App) -> str:
    """Play's category for an App Store app: its genre's nearest, or for about one app in
    seven a category only Play has (Communication, Dating, Arcade games, ...)."""
    game = next((g for g in app.genres if g in GAME_GENRES), None)
    mapped = CATEGORY_BY_GENRE[game] if game is not None else CATEGORY_BY_GENRE[app.genres[0]]
    roll = _fraction(app.id, "category")
    if roll < 1 / 7:
        if mapped in GAME_CATEGORIES:
            return "GAME_ARCADE"
        return _PLAY_ONLY_APP_CATEGORIES[int(roll * 7 * len(_PLAY_ONLY_APP_CATEGORIES))]
    return mapped


@lru_cache(maxsize=65_536)
def listing(app: App, installs: tuple[int, int] = MAIN_INSTALLS, category: str = "") -> PlayApp:
    """The Play listing of an App Store app (cached: one object per app)."""
    token = hashlib.blake2b(f"icon:{app.id}:{app.art}".encode(), digest_size=48).digest()
    low, high = installs
    summary = (app.summary or app.name).splitlines()[0][:80]
    kind = 1 if not app.free else 2 if _fraction(app.id, "kind") < 0.05 else 0
    return PlayApp(
        package=package_name(app),
        title=app.name,
        developer=app.developer,
        category=category or category_of(app),
        price=app.price,
        icon="https://play-lh.googleusercontent.com/" + base64.urlsafe_b64encode(token).decode(),
        summary=summary,
        rating=round(3.2 + 1.7 * (1 - (1 - _fraction(app.id, "rating")) ** 2), 2),
        installs=INSTALL_STEPS[low + int(_fraction(app.id, "installs") * (high - low + 1))],
        kind=kind,
    )


def scripted_listing(app: App, raw: dict[str, Any], where: str) -> PlayApp:
    """A scenario app's Play listing from its `[apps.googleplay]` table: `package` (required),
    optional `name`, `category`, `rating`, `installs`; the rest as for any app."""
    package = str(raw["package"])
    if not valid_package(package):
        raise ValueError(f"{where}: googleplay.package {package!r} is not a Java package name")
    category = str(raw.get("category", category_of(app)))
    if category not in CATEGORIES or category in ("APPLICATION", "GAME"):
        raise ValueError(f"{where}: googleplay.category {category!r} is not a Play category")
    base = listing(app, MAIN_INSTALLS, category)
    rating = float(raw.get("rating", base.rating))
    if not 1.0 <= rating <= 5.0:
        raise ValueError(f"{where}: googleplay.rating must be 1.0 to 5.0, got {rating}")
    return replace(
        base,
        package=package,
        title=str(raw.get("name", app.name)),
        rating=rating,
        installs=str(raw.get("installs", base.installs)),
    )


def play_tail(
    seed: int, country: str, category: str, scripted: frozenset[str]
) -> tuple[list[App], list[PlayApp]]:
    """Android-only niche apps that chart only within `category` (APPLICATION and GAME spread
    theirs over the app or game categories), as Apps (for their score draws) and listings."""
    serial0 = _TAIL_SERIAL0 + (COUNTRY_INDEX[country] * 64 + CATEGORY_INDEX[category]) * 1000
    language = names.LANGUAGE_BY_COUNTRY.get(country, "en")
    rng = random.Random(f"playtail:{seed}:{country}:{category}")
    family = {"APPLICATION": APP_CATEGORIES, "GAME": GAME_CATEGORIES}.get(category, (category,))
    genre = 6014 if family[0] in GAME_CATEGORIES else 6007  # games weigh more in grossing
    apps: list[App] = []
    listings: list[PlayApp] = []
    for i in range(TAIL_SIZE):
        lang = language if rng.random() < 0.6 else "en"
        app = make_app(rng, seed, serial0 + i, lang, paid=i >= TAIL_SIZE // 2, genre=genre)
        filed = family[rng.randrange(len(family))]
        if app.id not in scripted:
            apps.append(app)
            listings.append(listing(app, TAIL_INSTALLS, filed))
    return apps, listings
