"""A question's parameters from text, as the command line and the web API both give them.

Each parser names the option it reads in its error ("--since: ...", as a command prints it) and
carries the parameter's name without dashes (`UsageError.param`: "since"), which the web API
answers with. One home for each rule: `tracker/cli/common.py` and `tracker/web/api.py` call
these, never their own copies.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tracker.errors import UsageError
from tracker.timeutil import parse_duration, parse_instant

if TYPE_CHECKING:
    from tracker.config.selection import ChartSelection

# A selection's field -> the option (and query parameter) that sets it.
_PARAMS = {"countries": "country"}


def param_of(option: str) -> str:
    """ "--since" -> "since"; a name without dashes stays as it is."""
    return option.lstrip("-").replace("-", "_")


def selection_param(field: str) -> str:
    """The parameter that sets a selection's field (`SelectionError.field`): "countries" is set
    by --country."""
    return _PARAMS.get(field, field)


def split_values(values: Sequence[str] | None) -> list[str]:
    """`--country us,gb --country jp` -> ["us", "gb", "jp"] (order kept, duplicates dropped)."""
    out: list[str] = []
    for value in values or ():
        for part in value.split(","):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return out


def instant(text: str | None, option: str) -> datetime | None:
    """Parse --since/--until/--at (an ISO time or an age), naming the option when bad."""
    if text is None:
        return None
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}", param=param_of(option)) from None


def duration(text: str, option: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}", param=param_of(option)) from None


def reference(text: str, option: str) -> timedelta | datetime:
    """`movers --since`: an age before the latest snapshot (24h, 7d) or an ISO time."""
    try:
        return parse_duration(text)
    except ValueError:
        found = instant(text, option)
    assert found is not None
    return found


def chart_selection(
    chart: str,
    source: str | None,
    category: str,
    device: str | None,
    countries: Sequence[str] | None = None,
    *,
    country: str | None = None,
) -> ChartSelection:
    """The chart a question's options select (`countries` as given, comma-separated or
    repeated, "all": every country with data; `country`: the one storefront of a question
    about one chart); a value no source offers is a UsageError naming its parameter, in the
    words of `ChartSelection.of`."""
    # Imported here: the facts and storefront tables load only for a command that runs.
    from tracker.config.selection import ChartSelection, SelectionError

    try:
        return ChartSelection.of(
            chart,
            source=source,
            category=category,
            device=device,
            countries=split_values(countries),
            country=country,
        )
    except SelectionError as exc:
        raise UsageError(str(exc), param=selection_param(exc.field)) from None
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def positive(value: int | None, option: str) -> int | None:
    """A count (--limit, --rank, --top): at least 1; None stays None."""
    if value is not None and value < 1:
        raise UsageError(f"{option}: must be at least 1, not {value}", param=param_of(option))
    return value
