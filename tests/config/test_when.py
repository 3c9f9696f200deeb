"""`when` expressions (tracker/config/when.py): every form parses to one condition, and an
unreadable one names the forms there are."""

from __future__ import annotations

import pytest

from tracker.config.when import Condition, Direction, Kind, parse_when


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
