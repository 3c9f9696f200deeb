"""Alignment and downsampling: the three states survive, peaks are never lost."""

from __future__ import annotations

import numpy as np
import pytest

from charts.frame import align, downsample, nice_step, rank_floats
from tests.charts.builders import E0, HOUR, N, X, series


def test_align_keeps_series_on_a_shared_grid_as_they_are() -> None:
    a = series("1", "A", [1, 2, N, X])
    b = series("2", "B", [3, 1, 2, 5])
    frame = align([a, b])
    assert frame.step == HOUR
    assert frame.starts.tolist() == [E0, E0 + HOUR, E0 + 2 * HOUR, E0 + 3 * HOUR]
    assert frame.ranks.tolist() == [[1, 2, 0, -1], [3, 1, 2, 5]]
    assert frame.end == E0 + 4 * HOUR
    assert frame.with_data().tolist() == [True, True, True, True]


def test_align_fills_times_a_series_lacks_with_no_data() -> None:
    a = series("1", "A", [1, 2, 3])
    b = series("2", "B", [4, 5], start=E0 + 2 * HOUR)
    frame = align([a, b])
    assert frame.starts.tolist() == [E0 + h * HOUR for h in range(4)]
    assert frame.ranks.tolist() == [[1, 2, 3, -1], [-1, -1, 4, 5]]


def test_downsample_leaves_a_frame_that_fits_untouched() -> None:
    frame = align([series("1", "A", [1, 2, 3, 4])])
    assert downsample(frame, 4) is frame


@pytest.mark.parametrize(
    ("ranks", "expected"),
    [
        ([7, 3, 9, 4, 5, 6], [3, 4]),  # best (smallest) rank per 3-hour bucket
        ([N, 3, X, N, N, X], [3, 0]),  # no rank but some data: not in chart
        ([X, X, X, X, N, X], [-1, 0]),  # NO_DATA only when the whole bucket had none
        ([X, 1, X, X, X, X], [1, -1]),
    ],
    ids=["best-rank", "not-in-chart", "no-data", "peak-kept"],
)
def test_downsample_keeps_best_rank_and_the_three_states(
    ranks: list[int], expected: list[int]
) -> None:
    frame = align([series("1", "A", ranks)])
    small = downsample(frame, 2)
    assert small.step == 3 * HOUR
    assert small.starts.tolist() == [E0, E0 + 3 * HOUR]
    assert small.ranks.tolist() == [expected]


def test_downsample_aligns_buckets_on_whole_days_for_every_row() -> None:
    # Starts at 20:00: the first daily bucket is the 4 hours left of that day.
    start = E0 - 4 * HOUR
    ranks_a = [9, 8, 7, 6] + [5] * 24 + [4] * 20
    ranks_b = [1] * 48
    frame = align([series("1", "A", ranks_a, start=start), series("2", "B", ranks_b, start=start)])
    small = downsample(frame, 3)
    assert small.step == 86400
    assert small.starts.tolist() == [E0 - 86400, E0, E0 + 86400]
    assert small.ranks.tolist() == [[6, 5, 4], [1, 1, 1]]


def test_nice_step_rounds_up_to_readable_buckets() -> None:
    assert nice_step(3600, 5) == 6 * 3600
    assert nice_step(3600, 13) == 86400
    assert nice_step(3600, 25) == 2 * 86400
    assert nice_step(7, 3) == 21  # no nice bucket is a multiple of 7 s close enough
    assert nice_step(3600, 10**6) == 3600 * 10**6


def test_year_of_hourly_buckets_fits_400_pixels_as_days() -> None:
    ranks = np.full(24 * 365, 50, dtype=np.int16)
    ranks[24 * 100 + 13] = 1  # one hour at #1 in the whole year
    frame = align([series("1", "A", ranks.tolist())])
    small = downsample(frame, 400)
    assert small.step == 86400
    assert small.starts.size == 365
    assert int(small.ranks.min()) == 1
    assert small.ranks[0, 100] == 1


def test_rank_floats_break_lines_where_not_ranked() -> None:
    values = rank_floats(np.array([1, 0, -1, 4], dtype=np.int16))
    assert values[0] == 1.0 and values[3] == 4.0
    assert np.isnan(values[1]) and np.isnan(values[2])
