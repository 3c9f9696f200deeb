"""A synthetic full world for benchmarks: 174 storefronts x 3 charts x 100 ranks, hour by hour.

Realistic churn: each hour a chart swaps a few neighbours, and one or two apps leave the chart
for new ones, so nearly every chart changes a little every hour (as the real ones do).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.storefronts import STOREFRONTS

CHARTS = ("top-free", "top-paid", "top-grossing")
START = datetime(2025, 1, 1, tzinfo=UTC)


class World:
    def __init__(self, seed: int = 1, countries: tuple[str, ...] = STOREFRONTS, depth: int = 100):
        self.rng = random.Random(seed)
        self.depth = depth
        self.keys = [
            ChartKey("itunes" if c == "top-grossing" else "apple", cc, c)
            for cc in countries
            for c in CHARTS
        ]
        self.next_app = 1_000_000_000
        self.charts = {key: [self._new_app() for _ in range(depth)] for key in self.keys}

    def _new_app(self) -> int:
        self.next_app += 1
        return self.next_app

    def step(self) -> None:
        rng = self.rng
        for ids in self.charts.values():
            for _ in range(3):
                i = rng.randrange(len(ids) - 1)
                ids[i], ids[i + 1] = ids[i + 1], ids[i]
            for _ in range(rng.randint(0, 2)):
                ids.pop(rng.randrange(len(ids)))
                ids.insert(rng.randrange(len(ids)), self._new_app())

    def snapshots(self, hour: int) -> Iterator[ChartSnapshot]:
        at = START + timedelta(hours=hour)
        for key, ids in self.charts.items():
            entries = tuple(
                ChartEntry(rank, str(app), f"App {app}", f"Dev {app % 997}")
                for rank, app in enumerate(ids, start=1)
            )
            yield ChartSnapshot(ChartRequest(key, self.depth), entries, at)

    @staticmethod
    def time(hour: int) -> datetime:
        return START + timedelta(hours=hour)
