"""An alert rule's `when`: the forms it may take, parsed into a `Condition`.

    rank <= N, rank < N, rank = N   fires when the condition starts to hold ("rank <= 1": #1)
    enters top N                    the same as rank <= N, worded as an entry
    leaves top N                    was in the top N, now provably below it
    moves N                         by at least N places, either way
    moves up N / climbs N           up by at least N places
    moves down N / drops N          down by at least N places
    overtakes APP                   was behind APP, now ahead of it (APP: id, alias or name)

The configuration parses each rule's `when` here when it loads; what makes a condition fire
between two snapshots is `tracker.alerts.rules`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

FORMS = (
    '"rank <= N", "enters top N", "leaves top N", "moves N", "moves up N", "moves down N", '
    '"climbs N", "drops N" or "overtakes APP"'
)


class Kind(StrEnum):
    RANK = "rank"
    ENTERS = "enters"
    LEAVES = "leaves"
    MOVES = "moves"
    OVERTAKES = "overtakes"


class Direction(StrEnum):
    ANY = "any"
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed `when`. `limit` is N; `exact` marks "rank = N"; `rival` names the app to pass."""

    kind: Kind
    limit: int = 0
    exact: bool = False
    direction: Direction = Direction.ANY
    rival: str | None = None


_NUMBER = r"(\d{1,5})"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), name)
    for pattern, name in (
        (rf"rank\s*(<=|<|==|=)\s*{_NUMBER}", "rank"),
        (rf"enters\s+(?:the\s+)?top\s+{_NUMBER}", "enters"),
        (rf"leaves\s+(?:the\s+)?top\s+{_NUMBER}", "leaves"),
        (rf"moves\s+(up|down)\s+(?:by\s+)?{_NUMBER}", "moves-dir"),
        (rf"moves\s+(?:by\s+)?{_NUMBER}", "moves"),
        (rf"(climbs|rises|drops|falls)\s+(?:by\s+)?{_NUMBER}", "moves-verb"),
        (r"overtakes\s+(\S.*)", "overtakes"),
    )
)


def parse_when(text: str) -> Condition:
    """Parse a `when` expression; raises ValueError naming the accepted forms."""
    cleaned = " ".join(str(text).split())
    for pattern, name in _PATTERNS:
        match = pattern.fullmatch(cleaned)
        if match is None:
            continue
        groups = match.groups()
        if name == "overtakes":
            rival = groups[0].strip().strip("\"'")
            if not rival:
                break
            return Condition(Kind.OVERTAKES, rival=rival)
        limit = int(groups[-1])
        if name == "rank":
            operator = groups[0]
            if operator == "<":
                limit -= 1
            _positive(limit, cleaned)
            return Condition(Kind.RANK, limit, exact=operator in ("=", "=="))
        _positive(limit, cleaned)
        if name == "enters":
            return Condition(Kind.ENTERS, limit)
        if name == "leaves":
            return Condition(Kind.LEAVES, limit)
        if name == "moves":
            return Condition(Kind.MOVES, limit)
        word = groups[0].lower()
        up = word in ("up", "climbs", "rises")
        return Condition(Kind.MOVES, limit, direction=Direction.UP if up else Direction.DOWN)
    raise ValueError(f"cannot read {text!r}: expected {FORMS}")


def _positive(limit: int, text: str) -> None:
    if limit < 1:
        raise ValueError(f"{text!r} can never hold: ranks start at 1")
