"""History's join in NumPy, for large selections (see tracker.query.history.SMALL_JOIN).

Imported only when a selection is large: NumPy costs a command ~70 ms to import, more than
the plain-Python join takes below the threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain

import numpy as np

# Ranks above this can't be real (feeds go to 200): the "no rank yet" mark of a bucket.
_UNRANKED = np.iinfo(np.int16).max
NO_ENTRIES = np.empty((0, 2), dtype=np.int64)


def int_rows(rows: Iterable[Sequence[int]], width: int) -> np.ndarray:
    """Integer rows as an (n, width) int64 array, streamed: no list of them is built."""
    values = np.fromiter(chain.from_iterable(rows), dtype=np.int64)
    return values.reshape(-1, width)


def as_rows(rows: Sequence[Sequence[int]] | np.ndarray, width: int) -> np.ndarray:
    if isinstance(rows, np.ndarray):
        return rows
    return int_rows(rows, width) if len(rows) else np.empty((0, width), dtype=np.int64)


class Grids:
    """The buckets of one history call: which charts were fetched when, and each app's ranks.

    `snaps` holds (chart id, captured_at, ranking id, depth returned) rows.
    """

    def __init__(self, snaps: np.ndarray, start: int, step: int, count: int) -> None:
        self.count = count
        self.charts_of = snaps[:, 0]
        self.buckets = snaps[:, 1] // step - start // step
        self.starts = np.arange(start, start + count * step, step, dtype=np.int64)
        self.starts.flags.writeable = False  # shared by every series of the call
        # chart id -> (its grid without the app, the largest depth it returned)
        self.charts: dict[int, tuple[np.ndarray, int]] = {}
        for chart_id in np.unique(self.charts_of).tolist():
            mine = self.charts_of == chart_id
            grid = np.full(count, -1, dtype=np.int16)  # NO_DATA
            grid[self.buckets[mine]] = 0  # NOT_IN_CHART
            self.charts[chart_id] = grid, int(snaps[mine, 3].max())
        self._index = _RankingIndex(snaps[:, 2])

    def app(self, entries: Sequence[Sequence[int]] | np.ndarray | None) -> dict[int, np.ndarray]:
        """Chart id -> this app's grid, from its (ranking id, rank) rows."""
        rows, ranks = self._index.join(NO_ENTRIES if entries is None else as_rows(entries, 2))
        out = {}
        for chart_id, (grid, _) in self.charts.items():
            here = self.charts_of[rows] == chart_id
            best = np.full(self.count, _UNRANKED, dtype=np.int16)
            np.minimum.at(best, self.buckets[rows[here]], ranks[here])  # best rank per bucket
            out[chart_id] = np.where(best != _UNRANKED, best, grid)
        return out


class _RankingIndex:
    """Which snapshots show each ranking (many may: rankings are content-addressed)."""

    def __init__(self, ranking_ids: np.ndarray) -> None:
        self.order = np.argsort(ranking_ids, kind="stable")
        self.sorted = ranking_ids[self.order]

    def join(self, entries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For (ranking id, rank) rows: the snapshot row numbers showing them, and the ranks."""
        left = np.searchsorted(self.sorted, entries[:, 0], side="left")
        counts = np.searchsorted(self.sorted, entries[:, 0], side="right") - left
        total = int(counts.sum())
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        rows = self.order[np.repeat(left, counts) + offsets]
        return rows, np.repeat(entries[:, 1], counts).astype(np.int16)
