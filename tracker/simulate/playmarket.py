"""The simulated market as Google Play shows it: the same apps as the App Store's (market.py),
ranked by Play's own draws, for any hour, computed directly from (seed, chart, hour).

An app's Play popularity leans on its App Store popularity (a hit on one store is likely a hit
on the other) plus an independent Android draw, with games weighing more; its waves peak at
other times; its life cycle is the app's own, the same on both stores. The hourly formula is
market.hourly_scores, seeded by words no App Store chart uses, so the stores differ every hour
while each stays deterministic.
"""

from __future__ import annotations

import random
import threading
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import ClassVar

import numpy as np

from tracker.simulate.catalog import COUNTRY_INDEX, Pool, build_pool
from tracker.simulate.market import (
    KNOT_HOURS,
    Market,
    best,
    eligible,
    hourly_scores,
    pin,
    seeded_normal,
)
from tracker.simulate.playcatalog import (
    CATEGORIES,
    CATEGORY_INDEX,
    PLAY_COUNTRIES,
    PlayApp,
    in_category,
    listing,
    on_play,
    play_tail,
)
from tracker.simulate.scenario import CHARTS, hour_of

PLAY_MAX_ROWS = 200  # the deepest chart Play serves since 2023 (feeds.md 6.5)
RANKED_ROWS = PLAY_MAX_ROWS + 10  # ranked past the cap, for the play_extra_rows fault
_PLAY_WORD = 4  # in the seed words where the App Store puts a device index (0-2)
# Android-only niche apps start this far below the apps of both stores (Apple's genre tails:
# -1.5): they fill a chart's lower half, and lead only categories the main pool barely has.
TAIL_BOOST = -3.0
_MAX_TAILS = 256  # category tails kept in memory (rebuilt identically when evicted)


@dataclass(slots=True)
class PlayPool:
    """Apps competing on Play in one country (or one category's Android-only tail)."""

    pool: Pool  # Play's score parameters, index for index with `listings`
    listings: list[PlayApp]
    _masks: dict[str, np.ndarray] = field(default_factory=dict)

    def mask(self, category: str) -> np.ndarray:
        if category not in self._masks:
            self._masks[category] = np.array(
                [in_category(app, category) for app in self.listings], dtype=bool
            )
        return self._masks[category]


class PlayMarket:
    """Google Play charts of every Play country, over one Market's apps, cached per hour.
    `PlayMarket.of(market)` is the one for that Market while anything holds it (servers sharing
    a Market share it)."""

    # By the Market's id: a live entry holds its Market, so the id cannot be reused meanwhile.
    _shared: ClassVar[weakref.WeakValueDictionary[int, PlayMarket]] = weakref.WeakValueDictionary()
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def of(cls, market: Market) -> PlayMarket:
        with cls._shared_lock:
            found = cls._shared.get(id(market))
            if found is None or found.market is not market:
                found = cls._shared[id(market)] = cls(market)
            return found

    def __init__(self, market: Market) -> None:
        self.market = market
        self.seed = market.seed
        self.scenario = market.scenario
        self._scripted = market.scenario.scripted_ids if market.scenario else frozenset()
        self._lock = threading.Lock()
        self._pools: dict[tuple[str, str | None], PlayPool] = {}
        # ranking(country, chart, category, hour) -> up to RANKED_ROWS listings, best first
        self.ranking = lru_cache(maxsize=4096)(self._ranking)
        self._scores = lru_cache(maxsize=2048)(self._scores_uncached)
        self._knot = lru_cache(maxsize=2048)(self._knot_uncached)

    def chart(
        self,
        country: str,
        chart: str,
        at: datetime,
        *,
        category: str = "APPLICATION",
        depth: int = PLAY_MAX_ROWS,
    ) -> list[PlayApp]:
        """The chart as it stands at `at` (chart: top-free, top-paid or top-grossing): at most
        `depth` (and 200) apps, best first; empty for a country without Play (cn)."""
        rows = self.ranking(country, chart, category, hour_of(at))
        return list(rows[: min(depth, PLAY_MAX_ROWS)])

    def rank_of(
        self, package: str, country: str, chart: str, at: datetime, category: str = "APPLICATION"
    ) -> int | None:
        """1-based rank of `package`, or None when it is not in the top 200."""
        rows = self.chart(country, chart, at, category=category)
        return next((r for r, app in enumerate(rows, start=1) if app.package == package), None)

    def pool(self, country: str, category: str | None = None) -> PlayPool:
        """The country's apps on Play (category None) or one category's tail, built once."""
        key = (country, category)
        found = self._pools.get(key)
        if found is None:
            with self._lock:
                found = self._pools.get(key)
                if found is None:
                    if category is None:
                        found = self._main_pool(country)
                    else:
                        found = self._tail_pool(country, category)
                        tails = [k for k in self._pools if k[1] is not None]
                        if len(tails) >= _MAX_TAILS:
                            del self._pools[tails[0]]
                    self._pools[key] = found
        return found

    def _main_pool(self, country: str) -> PlayPool:
        base = self.market.pool(country)
        keep = np.array([i for i, app in enumerate(base.apps) if on_play(app)], dtype=np.intp)
        listings = [listing(base.apps[i]) for i in keep]
        n = len(listings)
        draw = np.random.default_rng([self.seed, COUNTRY_INDEX[country], _PLAY_WORD])
        games = np.array([app.game for app in listings], dtype=bool)
        popularity = 0.6 * base.popularity[keep] + draw.normal(0.0, 0.8, n) + 0.5 * games
        revenue = 0.6 * base.revenue[keep] + draw.normal(0.0, 0.8, n) + 0.4 * games
        waves = base.waves[:, keep].copy()
        waves[2] += draw.uniform(0, 2 * np.pi, n)  # the same rhythms, peaking at other times
        waves[5] += draw.uniform(0, 2 * np.pi, n)
        pool = Pool(
            apps=[base.apps[i] for i in keep],
            free=base.free[keep],
            popularity=popularity,
            revenue=revenue,
            device=np.zeros((1, n)),
            waves=waves,
            life=base.life[:, keep],
        )
        return PlayPool(pool, listings)

    def _tail_pool(self, country: str, category: str) -> PlayPool:
        apps, listings = play_tail(self.seed, country, category, self._scripted)
        rng = random.Random(f"playtail-scores:{self.seed}:{country}:{category}")
        return PlayPool(build_pool(rng, apps, [TAIL_BOOST] * len(apps)), listings)

    def _ranking(self, country: str, chart: str, category: str, hour: int) -> tuple[PlayApp, ...]:
        if chart not in CHARTS or category not in CATEGORIES:
            raise ValueError(f"no such Google Play chart: {chart} {category}")
        if country not in PLAY_COUNTRIES:
            return ()  # Google Play has no storefront here (cn): an empty chart, always
        main, tail = self.pool(country), self.pool(country, category)
        in_main = eligible(main.pool, chart) & main.mask(category)
        in_tail = eligible(tail.pool, chart)
        merged = np.concatenate(
            [
                self._scores(country, chart, None, hour)[in_main],
                self._scores(country, chart, category, hour)[in_tail],
            ]
        )
        apps = [main.listings[i] for i in np.flatnonzero(in_main)]
        apps += [tail.listings[i] for i in np.flatnonzero(in_tail)]
        order = best(merged, np.ones(len(merged), dtype=bool), RANKED_ROWS)
        pins = (
            self.scenario.play_placements(country, chart, category, hour) if self.scenario else []
        )
        return tuple(pin([apps[i] for i in order], pins, RANKED_ROWS))

    def _words(self, country: str, chart: str, category: str | None) -> tuple[int, ...]:
        category_word = 0 if category is None else 1 + CATEGORY_INDEX[category]
        return (self.seed, COUNTRY_INDEX[country], CHARTS.index(chart), _PLAY_WORD, category_word)

    def _scores_uncached(
        self, country: str, chart: str, category: str | None, hour: int
    ) -> np.ndarray:
        pool = self.pool(country, category).pool
        n = len(pool.free)
        base = pool.revenue if chart == "top-grossing" else pool.popularity
        words = self._words(country, chart, category)
        knot = hour // KNOT_HOURS
        knots = (self._knot(words, knot, n), self._knot(words, knot + 1, n))
        return hourly_scores(pool, base, hour, knots, seeded_normal(words, 2, hour, n))

    @staticmethod
    def _knot_uncached(words: tuple[int, ...], knot: int, n: int) -> np.ndarray:
        return seeded_normal(words, 1, knot, n)
