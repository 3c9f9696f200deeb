"""What each chart source offers (its charts, devices, deepest chart, genre support and
default server), and the settings a fetch from it takes (`SourceSettings`).

`SOURCE_FACTS` is the one home of each source's facts: the configuration validates tracks and
rules against it, the query layer validates selections against it, and each source class in
`tracker/fetch/sources/` reads its own from it. No pydantic here: read commands use the facts
without loading the config models.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourceFacts:
    """One source's charts, devices, deepest chart, genre support and default server."""

    name: str
    charts: tuple[str, ...]
    devices: tuple[str, ...]
    max_depth: int
    supports_categories: bool
    default_base_url: str
    # The store whose apps the charts list (`app.store`): both Apple sources list the App
    # Store's, whose ids are the same in each.
    store: str = "apple"


# Apple Marketing Tools RSS v2: top free and top paid iPhone apps, 1 to 100 deep, no genres.
APPLE = SourceFacts(
    name="apple",
    charts=("top-free", "top-paid"),
    devices=("iphone",),
    max_depth=100,
    supports_categories=False,
    default_base_url="https://rss.marketingtools.apple.com",
)
# The legacy iTunes RSS: free, paid and grossing for iPhone, iPad and Mac, by genre, 200 deep.
ITUNES = SourceFacts(
    name="itunes",
    charts=("top-free", "top-paid", "top-grossing"),
    devices=("iphone", "ipad", "mac"),
    max_depth=200,
    supports_categories=True,
    default_base_url="https://itunes.apple.com",
)
# Google Play's top charts (the web app's `batchexecute` RPC): free, paid and grossing phone
# apps, by category (tracker/config/playcategories.py), 200 deep since 2023.
GOOGLEPLAY = SourceFacts(
    name="googleplay",
    charts=("top-free", "top-paid", "top-grossing"),
    devices=("phone",),
    max_depth=200,
    supports_categories=True,
    default_base_url="https://play.google.com",
    store="googleplay",
)
SOURCE_FACTS: dict[str, SourceFacts] = {facts.name: facts for facts in (APPLE, ITUNES, GOOGLEPLAY)}


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """A source's `[sources.NAME]` table as the fetch uses it."""

    base_url: str
    # The storefront language a source asks for where it takes one (Google Play's `hl`).
    language: str = "en"
    # Added to every request to the source, over what it builds itself.
    headers: tuple[tuple[str, str], ...] = ()
    params: tuple[tuple[str, str], ...] = ()


def default_device(source: str) -> str:
    """The device a source's charts mean when none is named (iphone; phone on Google Play)."""
    facts = SOURCE_FACTS.get(source)
    return facts.devices[0] if facts else "iphone"


def known_source(name: str) -> str:
    """`name` if it is a source; ValueError listing the sources otherwise."""
    if name not in SOURCE_FACTS:
        raise ValueError(f"unknown source (expected one of: {', '.join(SOURCE_FACTS)})")
    return name
