"""When a parsed `when` fires: only on a provable change between two real snapshots.

P(rank, depth) is an app in one real snapshot: ranked `rank`, or not in the chart (None) of a
snapshot that returned `depth` rows.
"""

from __future__ import annotations

import pytest

from tracker.alerts.rules import Position, fires
from tracker.config.when import parse_when

P = Position


TOP10 = parse_when("rank <= 10")
LEAVES50 = parse_when("leaves top 50")


@pytest.mark.parametrize(
    ("before", "now", "expected"),
    [
        (P(11, 100), P(10, 100), True),
        (P(None, 100), P(3, 100), True),
        (P(10, 100), P(9, 100), False),  # already in: it holds, it does not newly fire
        (P(12, 100), P(11, 100), False),
        # Absent from a 5-row chart: maybe 6th, maybe 50th; entering the top 10 is not proven.
        (P(None, 5), P(3, 100), False),
    ],
)
def test_rank_fires_on_entering_only(before: Position, now: Position, expected: bool) -> None:
    assert fires(TOP10, before, now) is expected


@pytest.mark.parametrize(
    ("before", "now", "expected"),
    [
        (P(50, 100), P(51, 100), True),
        (P(12, 100), P(None, 100), True),  # not in chart: below 100, so below 50
        (P(12, 100), P(None, 50), True),
        (P(12, 100), P(None, 20), False),  # a 20-row chart cannot show a leave from the top 50
        (P(51, 100), P(None, 100), False),  # already out
        (P(50, 100), P(50, 100), False),
    ],
)
def test_leaves_needs_a_snapshot_deep_enough_to_prove_it(
    before: Position, now: Position, expected: bool
) -> None:
    assert fires(LEAVES50, before, now) is expected


@pytest.mark.parametrize(
    ("when", "before", "now", "expected"),
    [
        ("moves 20", P(30, 100), P(10, 100), True),
        ("moves 20", P(10, 100), P(30, 100), True),
        ("moves 20", P(10, 100), P(29, 100), False),
        ("moves up 20", P(10, 100), P(30, 100), False),
        ("moves down 20", P(10, 100), P(30, 100), True),
        ("drops 20", P(30, 100), P(10, 100), False),
        ("moves 20", P(85, 100), P(None, 100), False),  # out of 100 from 85: at least 16
        ("moves 20", P(80, 100), P(None, 100), True),  # at least 21
        ("moves 20", P(None, 100), P(81, 100), True),  # in from below 100: at least 20
        ("moves 20", P(None, 100), P(82, 100), False),
        ("moves 20", P(None, 100), P(None, 100), False),
    ],
)
def test_moves_count_only_the_places_the_depths_prove(
    when: str, before: Position, now: Position, expected: bool
) -> None:
    assert fires(parse_when(when), before, now) is expected


@pytest.mark.parametrize(
    ("app", "rival", "expected"),
    [
        ((P(2, 100), P(1, 100)), (P(1, 100), P(2, 100)), True),
        ((P(None, 100), P(5, 100)), (P(3, 100), P(None, 100)), True),
        ((P(3, 100), P(1, 100)), (P(5, 100), P(2, 100)), False),  # was already ahead
        ((P(None, 100), P(1, 100)), (P(None, 100), P(2, 100)), False),  # both out: not behind
        ((P(2, 100), P(None, 100)), (P(1, 100), P(None, 100)), False),
    ],
)
def test_overtakes_fires_when_behind_becomes_ahead(
    app: tuple[Position, Position], rival: tuple[Position, Position], expected: bool
) -> None:
    condition = parse_when("overtakes chatgpt")
    assert fires(condition, app[0], app[1], rival[0], rival[1]) is expected
