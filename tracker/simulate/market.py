"""The simulated market: every chart, for any hour, computed directly from (seed, chart, hour).

An app's score at hour h is its base popularity (or revenue, for grossing) plus smooth seeded
curves: two sine waves, a slow life cycle that makes transient apps enter and leave, a drift that
interpolates seeded knots every 12 hours (momentum), and a little hourly noise. Nothing is stepped
from a start time, so jumping the clock two weeks ahead costs the same as one hour.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import TypeVar

import numpy as np

from tracker.simulate.catalog import (
    COUNTRY_INDEX,
    App,
    Pool,
    country_pool,
    genre_tail,
)
from tracker.simulate.scenario import CHARTS, DEVICES, Scenario, hour_of
from tracker.storefronts import GENRES

MAX_ROWS = 100  # no simulated chart is deeper than the real feeds serve
EMPTY_GENRES = frozenset({7007, 7008})  # Dice and Educational games: empty on the real feed
KNOT_HOURS = 12
_DRIFT = 0.3
_NOISE = 0.05
_HOUR_OFFSET = 1 << 32  # keeps seed words non-negative for any plausible hour
_MAX_TAILS = 256  # genre long tails kept in memory (rebuilt identically when evicted)
T = TypeVar("T")


def canonical_genre(genre: int | str | None) -> int | None:
    """None for the overall chart: no genre, the root (36) or an id Apple does not know."""
    if genre is None:
        return None
    try:
        value = int(genre)
    except ValueError:
        return None
    return value if value in GENRES else None


class Market:
    """Charts of every storefront, deterministic for a seed and scenario, cached per hour."""

    def __init__(self, seed: int = 0, scenario: Scenario | None = None) -> None:
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self.seed = seed
        self.scenario = scenario
        self._scripted = scenario.scripted_ids if scenario else frozenset()
        self._lock = threading.Lock()
        self._pools: dict[tuple[str, int | None], Pool] = {}
        # ranking(country, chart, device, genre, hour) -> tuple[App, ...], at most 100, best first
        self.ranking = lru_cache(maxsize=16_384)(self._ranking)
        self._base_scores = lru_cache(maxsize=4096)(self._scores_uncached)
        self._knot = lru_cache(maxsize=4096)(self._knot_uncached)

    def chart(
        self,
        country: str,
        chart: str,
        at: datetime,
        *,
        device: str = "iphone",
        genre: int | str | None = None,
        depth: int = MAX_ROWS,
    ) -> list[App]:
        """The chart as it stands at `at`: at most `depth` apps, best first."""
        rows = self.ranking(country, chart, device, canonical_genre(genre), hour_of(at))
        return list(rows[:depth])

    def rank_of(
        self,
        app_id: str,
        country: str,
        chart: str,
        at: datetime,
        *,
        device: str = "iphone",
        genre: int | str | None = None,
    ) -> int | None:
        """1-based rank of `app_id`, or None when it is not in the top 100."""
        apps = self.chart(country, chart, at, device=device, genre=genre)
        return next((rank for rank, app in enumerate(apps, start=1) if app.id == app_id), None)

    def pool(self, country: str, genre: int | None = None) -> Pool:
        """The storefront's main pool (genre None) or one genre's long tail, built once."""
        key = (country, genre)
        pool = self._pools.get(key)
        if pool is None:
            with self._lock:
                pool = self._pools.get(key)
                if pool is None:
                    if genre is None:
                        pool = country_pool(self.seed, country, self._scripted)
                    else:
                        pool = genre_tail(self.seed, country, genre, self._scripted)
                        tails = [k for k in self._pools if k[1] is not None]
                        if len(tails) >= _MAX_TAILS:
                            del self._pools[tails[0]]
                    self._pools[key] = pool
        return pool

    def _ranking(
        self, country: str, chart: str, device: str, genre: int | None, hour: int
    ) -> tuple[App, ...]:
        if country not in COUNTRY_INDEX or chart not in CHARTS or device not in DEVICES:
            raise ValueError(f"no such chart: {country} {chart} {device}")
        if genre in EMPTY_GENRES:
            return ()
        base = self.pool(country)
        scores = self._base_scores(country, chart, device, None, hour)
        eligible_ = eligible(base, chart)
        if genre is None:
            apps, order = base.apps, best(scores, eligible_)
            candidates = [apps[i] for i in order]
        else:
            tail = self.pool(country, genre)
            mask = eligible_ & base.genre_mask(genre)
            tail_scores = self._base_scores(country, chart, device, genre, hour)
            merged = np.concatenate([scores[mask], tail_scores[eligible(tail, chart)]])
            apps_in = [a for a, m in zip(base.apps, mask, strict=True) if m]
            apps_in += [a for a, m in zip(tail.apps, eligible(tail, chart), strict=True) if m]
            candidates = [apps_in[i] for i in best(merged, np.ones(len(merged), dtype=bool))]
        rows = MAX_ROWS - self._paid_shortfall(country, hour) if chart == "top-paid" else MAX_ROWS
        pins = (
            self.scenario.placements(country, chart, device, genre, hour) if self.scenario else []
        )
        return tuple(pin(candidates, pins, rows))

    def _scores_uncached(
        self, country: str, chart: str, device: str, genre: int | None, hour: int
    ) -> np.ndarray:
        pool = self.pool(country, genre)
        n = len(pool.apps)
        base = pool.revenue if chart == "top-grossing" else pool.popularity
        knot = hour // KNOT_HOURS
        k0 = self._knot(country, chart, device, genre, knot, n)
        k1 = self._knot(country, chart, device, genre, knot + 1, n)
        noise = self._normal(country, chart, device, genre, 2, hour, n)
        offset = pool.device[DEVICES.index(device)]
        return hourly_scores(pool, base + offset, hour, (k0, k1), noise)

    def _knot_uncached(
        self, country: str, chart: str, device: str, genre: int | None, knot: int, n: int
    ) -> np.ndarray:
        return self._normal(country, chart, device, genre, 1, knot, n)

    def _normal(
        self, country: str, chart: str, device: str, genre: int | None, salt: int, step: int, n: int
    ) -> np.ndarray:
        """n standard normals seeded by (seed, chart identity, salt, step)."""
        words = (self.seed, COUNTRY_INDEX[country], CHARTS.index(chart), DEVICES.index(device))
        return seeded_normal((*words, genre or 0), salt, step, n)

    def _paid_shortfall(self, country: str, hour: int) -> int:
        """Top-paid feeds now and then return 97-99 rows for 100 (the real captures
        v2-us-top-paid-97-* and v2-jp-top-paid-98-* in tests/fixtures/real/)."""
        roll = np.random.default_rng([self.seed, COUNTRY_INDEX[country], 3, hour + _HOUR_OFFSET])
        value = int(roll.integers(0, 10))
        return 0 if value < 6 else value - 5 if value < 9 else 3


def hourly_scores(
    pool: Pool, base: np.ndarray, hour: int, knots: tuple[np.ndarray, np.ndarray], noise: np.ndarray
) -> np.ndarray:
    """Scores at `hour`: `base` plus the pool's waves and life cycles, the drift between the two
    knots around the hour (eased, so ranks move with momentum) and a little noise. The one
    formula of both stores (market.py for the App Store, playmarket.py for Google Play)."""
    h = float(hour)
    amp1, per1, ph1, amp2, per2, ph2 = pool.waves
    depth, life_period, life_phase = pool.life
    t = (hour % KNOT_HOURS) / KNOT_HOURS
    ease = t * t * (3 - 2 * t)
    k0, k1 = knots
    scores: np.ndarray = (  # NumPy types np.sin of a float as Any
        base
        + amp1 * np.sin(2 * np.pi * h / per1 + ph1)
        + amp2 * np.sin(2 * np.pi * h / per2 + ph2)
        + depth * (np.sin(2 * np.pi * h / life_period + life_phase) - 1) / 2
        + _DRIFT * ((1 - ease) * k0 + ease * k1)
        + _NOISE * noise
    )
    return scores


def seeded_normal(words: tuple[int, ...], salt: int, step: int, n: int) -> np.ndarray:
    """n standard normals seeded by a chart's identity words, a salt and a step (hour, knot)."""
    rng = np.random.default_rng([*words, salt, step + _HOUR_OFFSET])
    return rng.standard_normal(n)


def eligible(pool: Pool, chart: str) -> np.ndarray:
    """Which of the pool's apps a chart can list: free ones, paid ones, or all (grossing)."""
    if chart == "top-free":
        return pool.free
    if chart == "top-paid":
        return ~pool.free
    return np.ones(len(pool.apps), dtype=bool)


def best(scores: np.ndarray, eligible: np.ndarray, limit: int = MAX_ROWS) -> np.ndarray:
    """Indexes of the best `limit` eligible scores, best first (ties: lower index first)."""
    idx = np.flatnonzero(eligible)
    order = np.argsort(-scores[idx], kind="stable")[:limit]
    return idx[order]


def pin(candidates: Sequence[T], pins: list[tuple[int, T]], rows: int) -> list[T]:
    """Place scripted apps at their ranks (ties: earlier in the scenario wins); fill the rest."""
    slots: dict[int, T] = {}
    last = 0
    for position, app in sorted(pins, key=lambda pin: pin[0]):  # stable: file order on ties
        last = max(position, last + 1)
        if last > rows:
            break
        slots[last] = app
    organic = iter(candidates)
    out: list[T] = []
    for rank in range(1, rows + 1):
        placed = slots.get(rank) or next(organic, None)
        if placed is None:  # a short chart: keep the remaining pins, in order
            out.extend(slots[r] for r in sorted(slots) if r > rank)
            break
        out.append(placed)
    return out
