"""The one-line human message of an alert: "DeepSeek is now #1 on the US top-free chart"."""

from __future__ import annotations

from tracker.alerts.rules import Position, places_moved
from tracker.config.facts import SOURCE_FACTS, default_device
from tracker.config.when import Condition, Direction, Kind
from tracker.models import ChartKey


def chart_phrase(key: ChartKey) -> str:
    """`the US top-free chart`, with the genre and device when they are not the defaults, and
    `on Google Play` for that store's charts."""
    facts = SOURCE_FACTS.get(key.source)
    extras = []
    if key.category != "all":
        extras.append(f"genre {key.category}")
    if key.device != default_device(key.source):
        extras.append(key.device)
    suffix = f" ({', '.join(extras)})" if extras else ""
    store = " on Google Play" if facts is not None and facts.store == "googleplay" else ""
    return f"the {key.country.upper()} {key.chart} chart{suffix}{store}"


def _spot(position: Position) -> str:
    return f"#{position.rank}" if position.rank is not None else f"not in the top {position.depth}"


def _was(position: Position) -> str:
    return f"was {_spot(position)}"


def describe(
    condition: Condition,
    app: str,
    key: ChartKey,
    before: Position,
    now: Position,
    *,
    rival: str | None = None,
    rival_before: Position | None = None,
    rival_now: Position | None = None,
) -> str:
    """What happened, in one line, naming the app, the chart and the ranks before and after."""
    chart = chart_phrase(key)
    if condition.kind is Kind.RANK:
        top = "" if condition.exact or condition.limit == 1 else f", in the top {condition.limit}"
        return f"{app} is now #{now.rank} on {chart}{top} ({_was(before)})"
    if condition.kind is Kind.ENTERS:
        return f"{app} entered the top {condition.limit} of {chart} at #{now.rank} ({_was(before)})"
    if condition.kind is Kind.LEAVES:
        where = f"now #{now.rank}" if now.rank is not None else f"now below #{now.depth}"
        return f"{app} left the top {condition.limit} of {chart}: {where} ({_was(before)})"
    if condition.kind is Kind.MOVES:
        up, down = places_moved(before, now)
        exact = before.rank is not None and now.rank is not None
        at_least = "" if exact else "at least "
        going_up = condition.direction is Direction.UP or (
            condition.direction is Direction.ANY and up >= down
        )
        if going_up:
            return f"{app} climbed {at_least}{up} places to #{now.rank} on {chart} ({_was(before)})"
        if now.rank is None:
            return (
                f"{app} dropped {at_least}{down} places, out of the top {now.depth} of {chart} "
                f"({_was(before)})"
            )
        return f"{app} dropped {down} places to #{now.rank} on {chart} ({_was(before)})"
    assert rival_before is not None and rival_now is not None
    return (
        f"{app} overtook {rival} on {chart}: #{now.rank}, {rival} {_spot(rival_now)} "
        f"(was {_spot(before)} and {_spot(rival_before)})"
    )
