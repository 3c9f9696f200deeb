"""When a parsed `when` fires: deciding whether two snapshots of one chart make a transition.

A condition fires on a *transition* between two real snapshots of one chart, never while it
merely holds, and never across missing data (the caller only ever passes two real snapshots).
Inside a real snapshot an app is either ranked N or not in the chart, which only says that its
rank is below the depth the chart returned. So every test here is three-valued: true, false, or
unknown (None) when a short chart cannot tell, and a rule fires only on a provable change:
"leaves top 50" does not fire for an app missing from a chart that returned 20 rows.

The forms, and their parser, are `tracker.config.when` (the configuration checks each rule's
`when` when it loads).
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.config.when import Condition, Direction, Kind


@dataclass(frozen=True, slots=True)
class Position:
    """An app in one real snapshot: ranked `rank`, or not in the chart (rank None) whose
    snapshot returned `depth` rows."""

    rank: int | None
    depth: int

    def in_top(self, n: int) -> bool | None:
        if self.rank is not None:
            return self.rank <= n
        # Absent from a chart of `depth` rows: below the top n only if the chart reached n.
        return False if self.depth >= n else None

    def at(self, n: int) -> bool | None:
        if self.rank is not None:
            return self.rank == n
        return False if self.depth >= n else None


def state(condition: Condition, position: Position) -> bool | None:
    """Whether a rank/enters/leaves condition's "in the top N" (or "at N") holds."""
    return position.at(condition.limit) if condition.exact else position.in_top(condition.limit)


def places_moved(before: Position, now: Position) -> tuple[int, int]:
    """(at least this many places up, at least this many down) between two snapshots.

    Exact when ranked in both; from or into "not in chart" only the bound the depth proves.
    """
    if before.rank is not None and now.rank is not None:
        change = before.rank - now.rank
        return max(change, 0), max(-change, 0)
    if before.rank is None and now.rank is not None:
        return max(before.depth + 1 - now.rank, 0), 0
    if before.rank is not None and now.rank is None:
        return 0, max(now.depth + 1 - before.rank, 0)
    return 0, 0


def ahead(app: Position, rival: Position) -> bool | None:
    """Whether `app` ranks above `rival` in one snapshot (None: both absent, cannot tell)."""
    if app.rank is not None and rival.rank is not None:
        return app.rank < rival.rank
    if app.rank is not None:
        return True  # the rival is below the depth, so below every ranked app
    if rival.rank is not None:
        return False
    return None


def fires(
    condition: Condition,
    before: Position,
    now: Position,
    rival_before: Position | None = None,
    rival_now: Position | None = None,
) -> bool:
    """Whether going from `before` to `now` (two real snapshots) fires `condition`."""
    if condition.kind in (Kind.RANK, Kind.ENTERS):
        return state(condition, before) is False and state(condition, now) is True
    if condition.kind is Kind.LEAVES:
        return state(condition, before) is True and state(condition, now) is False
    if condition.kind is Kind.MOVES:
        up, down = places_moved(before, now)
        if condition.direction is Direction.UP:
            return up >= condition.limit
        if condition.direction is Direction.DOWN:
            return down >= condition.limit
        return max(up, down) >= condition.limit
    if rival_before is None or rival_now is None:
        raise ValueError("an overtakes condition needs the rival's positions")
    return ahead(before, rival_before) is False and ahead(now, rival_now) is True
