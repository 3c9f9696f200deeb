"""The types every layer shares: which chart (`ChartKey`), what to fetch (`ChartRequest`), what a
fetch returned (`ChartSnapshot` of `ChartEntry` rows), and what history queries answer and
charts draw (`RankSeries`).

A series is one app in one chart over a grid of time buckets. Each bucket holds one of three
states, kept distinct everywhere:

- ranked N (N >= 1): the app's best rank among the snapshots in that bucket;
- NOT_IN_CHART (0): the chart was fetched in that bucket and the app was below the depth returned;
- NO_DATA (-1): no snapshot of that chart in that bucket (not fetched, or the fetch failed).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from tracker.timeutil import from_epoch

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True, slots=True)
class ChartKey:
    """Identifies one chart: which list, where, for which device."""

    source: str
    country: str
    chart: str
    category: str = "all"
    device: str = "iphone"

    def label(self) -> str:
        parts = [self.source, self.country, self.chart]
        if self.category != "all":
            parts.append(f"genre {self.category}")
        if self.device != "iphone":
            parts.append(self.device)
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class ChartRequest:
    """One chart to fetch, to a given depth."""

    key: ChartKey
    depth: int


class ChartEntry(NamedTuple):
    """One row of a chart. `rank` is the 1-based position in the feed.

    A named tuple, not a dataclass: a cycle makes about 50,000 of these, and the write path
    reads their fields in C (`entry[2:]` is an entry's listing, `LISTING_FIELDS`); a frozen
    dataclass took three times as long to build and eleven attribute reads to take apart.
    Change an entry with `entry._replace(...)`.
    """

    rank: int
    app_id: str
    name: str
    developer: str | None = None
    bundle_id: str | None = None
    icon_url: str | None = None
    url: str | None = None
    genre: str | None = None
    release_date: str | None = None  # ISO date, YYYY-MM-DD
    # Google Play's entries carry these; Apple's charts do not.
    price_micros: int | None = None  # the price in millionths of `currency` (0: free)
    currency: str | None = None  # ISO 4217, as served
    rating: float | None = None  # the average star rating, as served
    installs: str | None = None  # the install count as the store words it ("10,000,000+")


# What a storefront lists for an app, in the order of ChartEntry's fields after rank and app_id
# (the store keeps them per storefront and over time: `app_listing`).
LISTING_FIELDS = ChartEntry._fields[2:]
# An entry's rank, store id and listing (LISTING_FIELDS' values), read in C: for the passes over
# every row of a cycle.
entry_rank: Callable[[ChartEntry], int] = itemgetter(0)
entry_app_id: Callable[[ChartEntry], str] = itemgetter(1)
entry_listing: Callable[[ChartEntry], tuple[str | int | float | None, ...]] = itemgetter(
    slice(len(ChartEntry._fields) - len(LISTING_FIELDS), None)
)


@dataclass(frozen=True, slots=True)
class ChartSnapshot:
    """A validated chart as one fetch returned it."""

    request: ChartRequest
    entries: tuple[ChartEntry, ...]
    feed_updated_at: datetime | None
    url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    # Served by apprank's simulator, not the App Store (set by the fetch from its header).
    simulated: bool = False

    @property
    def depth_returned(self) -> int:
        return len(self.entries)


NOT_IN_CHART = 0
NO_DATA = -1


def rank_state(value: int) -> str:
    """The state of a bucket's value: "ranked", "not_in_chart" or "no_data"."""
    if value >= 1:
        return "ranked"
    return "not_in_chart" if value == NOT_IN_CHART else "no_data"


@dataclass(frozen=True, slots=True)
class RankSeries:
    """One app's rank in one chart, bucket by bucket."""

    app_id: str
    app_name: str
    developer: str | None
    key: ChartKey
    bucket: timedelta
    # A small history is joined without NumPy (tracker.query.history.SMALL_JOIN): its series hold
    # `array.array`s ('q' starts, 'h' ranks), a large one's NumPy arrays; both index, iterate
    # and convert (.tolist(), np.asarray) alike.
    # Bucket starts as epoch seconds (UTC), ascending, evenly spaced by `bucket`.
    starts: np.ndarray | array[int]
    # int16 per bucket: rank >= 1, NOT_IN_CHART or NO_DATA.
    ranks: np.ndarray | array[int]
    # Largest depth returned by the chart within the range (what "not in chart" means).
    depth: int = 100
    # Some snapshot of the chart within the range came from apprank's simulator.
    simulated: bool = False

    def __post_init__(self) -> None:
        if len(self.starts) != len(self.ranks):
            raise ValueError("starts and ranks differ in length")

    def times(self) -> list[datetime]:
        return [from_epoch(int(s)) for s in self.starts]

    def best(self) -> int | None:
        return min((r for r in self.ranks.tolist() if r >= 1), default=None)

    def state_at(self, index: int) -> str:
        return rank_state(int(self.ranks[index]))
