"""Series aligned on one time grid, and downsampled to the pixels a chart has.

Every chart kind first turns its `RankSeries` into a `Frame`: a rows x buckets matrix of rank
states on the union of the series' bucket starts. A chart with more buckets than pixels gets
`downsample`d to the best rank per larger bucket, which keeps every peak (the moment an app was
#1 never disappears between two pixels) and the three states apart: a bucket is NO_DATA only if
every bucket in it was, NOT_IN_CHART if none was ranked but some had data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tracker.models import NO_DATA, NOT_IN_CHART, RankSeries

# Larger buckets a downsampled chart uses, so footnotes and ticks read "6 h" or "day", not "7 h".
NICE_STEPS = (
    60,
    300,
    600,
    900,
    1800,
    3600,
    7200,
    10800,
    14400,
    21600,
    28800,
    43200,
    86400,
    172800,
    259200,
    604800,
    1209600,
    2419200,
)
_UNRANKED = np.int32(1 << 20)


@dataclass(frozen=True, slots=True)
class Frame:
    """Rank states of several series over one grid of bucket starts."""

    series: tuple[RankSeries, ...]
    # Bucket starts, epoch seconds, ascending.
    starts: np.ndarray
    # int16, shape (len(series), len(starts)): rank >= 1, NOT_IN_CHART or NO_DATA.
    ranks: np.ndarray
    # Seconds per bucket.
    step: int

    @property
    def end(self) -> int:
        """Where the last bucket ends (epoch seconds)."""
        return int(self.starts[-1]) + self.step if self.starts.size else 0

    def data_span(self) -> tuple[int, int]:
        """The first and last bucket starts that hold any data (epoch seconds)."""
        with_data = np.flatnonzero(self.with_data())
        return int(self.starts[with_data[0]]), int(self.starts[with_data[-1]])

    def with_data(self) -> np.ndarray:
        """Per bucket: did any row's chart have a snapshot?"""
        any_data: np.ndarray = (self.ranks != NO_DATA).any(axis=0)  # NumPy types `!=` as Any
        return any_data

    @property
    def simulated(self) -> bool:
        """Any series drew on a simulated snapshot: then the whole chart is labelled simulated,
        so a picture mixing real and simulated data can never pass for real."""
        return any(s.simulated for s in self.series)


def align(series: Sequence[RankSeries]) -> Frame:
    """Put series on the union of their bucket starts; a start a series lacks is NO_DATA."""
    if not series:
        return Frame((), np.zeros(0, np.int64), np.zeros((0, 0), np.int16), 3600)
    step = min(max(1, int(s.bucket.total_seconds())) for s in series)
    first = series[0].starts
    if all(np.array_equal(s.starts, first) for s in series):
        starts = np.asarray(first, dtype=np.int64)
        ranks = np.vstack([np.asarray(s.ranks, dtype=np.int16) for s in series])
        return Frame(tuple(series), starts, ranks.reshape(len(series), starts.size), step)
    starts = np.unique(np.concatenate([np.asarray(s.starts, dtype=np.int64) for s in series]))
    ranks = np.full((len(series), starts.size), NO_DATA, dtype=np.int16)
    for row, s in enumerate(series):
        ranks[row, np.searchsorted(starts, np.asarray(s.starts, dtype=np.int64))] = s.ranks
    return Frame(tuple(series), starts, ranks, step)


def nice_step(step: int, factor: int) -> int:
    """The smallest nice bucket at least `factor` times `step`, a multiple of it, and at most
    twice as long as needed; else exactly `factor` times `step`."""
    wanted = step * factor
    for nice in NICE_STEPS:
        if wanted <= nice <= 2 * wanted and nice % step == 0:
            return nice
    return wanted


def downsample(frame: Frame, max_buckets: int) -> Frame:
    """Best rank per larger bucket when the frame has more buckets than `max_buckets`.

    Larger buckets are aligned on epoch multiples of their length (whole UTC days for a day),
    so every row of a frame, and every panel built from the same series, is cut the same way.
    """
    count = frame.starts.size
    if count <= max(1, max_buckets):
        return frame
    span_buckets = (int(frame.starts[-1]) - int(frame.starts[0])) // frame.step + 1
    step = nice_step(frame.step, math.ceil(max(span_buckets, count) / max(1, max_buckets)))
    groups = frame.starts // step
    cuts = np.flatnonzero(np.diff(groups)) + 1
    first = np.concatenate(([0], cuts))
    ranks = frame.ranks.astype(np.int32)
    best = np.minimum.reduceat(np.where(ranks >= 1, ranks, _UNRANKED), first, axis=1)
    any_data = np.maximum.reduceat(ranks, first, axis=1) >= NOT_IN_CHART
    out = np.where(best < _UNRANKED, best, np.where(any_data, NOT_IN_CHART, NO_DATA))
    return Frame(frame.series, groups[first] * step, out.astype(np.int16), step)


def rank_floats(ranks: np.ndarray) -> np.ndarray:
    """Ranks as floats with NaN wherever the app was not ranked (so a line breaks there)."""
    return np.where(ranks >= 1, ranks, np.nan).astype(float)
