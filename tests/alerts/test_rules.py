"""`when` expressions: every form parses to one condition, and fires only on a provable change.

P(rank, depth) is an app in one real snapshot: ranked `rank`, or not in the chart (None) of a
snapshot that returned `depth` rows.
"""

from __future__ import annotations

import pytest

from tracker.alerts.rules import Condition, Direction, Kind, Position, fires, parse_when

P = Position


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rank <= 1", Condition(Kind.RANK, 1)),
        ("rank<=10", Condition(Kind.RANK, 10)),
        ("rank < 11", Condition(Kind.RANK, 10)),
        ("rank = 3", Condition(Kind.RANK, 3, exact=True)),
        ("rank == 3", Condition(Kind.RANK, 3, exact=True)),
        ("enters top 10", Condition(Kind.ENTERS, 10)),
        ("Enters the Top 10", Condition(Kind.ENTERS, 10)),
        ("leaves top 50", Condition(Kind.LEAVES, 50)),
        ("moves 20", Condition(Kind.MOVES, 20)),
        ("moves by 20", Condition(Kind.MOVES, 20)),
        ("moves up 5", Condition(Kind.MOVES, 5, direction=Direction.UP)),
        ("climbs 5", Condition(Kind.MOVES, 5, direction=Direction.UP)),
        ("moves down 5", Condition(Kind.MOVES, 5, direction=Direction.DOWN)),
        ("drops 5", Condition(Kind.MOVES, 5, direction=Direction.DOWN)),
        ("overtakes chatgpt", Condition(Kind.OVERTAKES, rival="chatgpt")),
        ("overtakes  Google Gemini ", Condition(Kind.OVERTAKES, rival="Google Gemini")),
        ('overtakes "TikTok"', Condition(Kind.OVERTAKES, rival="TikTok")),
    ],
)
def test_every_form_parses(text: str, expected: Condition) -> None:
    assert parse_when(text) == expected


FORMS = (
    '"rank <= N", "enters top N", "leaves top N", "moves N", "moves up N", "moves down N", '
    '"climbs N", "drops N" or "overtakes APP"'
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rank >= 3", f"cannot read 'rank >= 3': expected {FORMS}"),
        ("top 10", f"cannot read 'top 10': expected {FORMS}"),
        ("enters top ten", f"cannot read 'enters top ten': expected {FORMS}"),
        ("overtakes", f"cannot read 'overtakes': expected {FORMS}"),
        ("rank < 1", "'rank < 1' can never hold: ranks start at 1"),
        ("enters top 0", "'enters top 0' can never hold: ranks start at 1"),
    ],
)
def test_unreadable_expressions_name_the_accepted_forms(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_when(text)
    assert str(info.value) == message


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
