"""Time on charts: zones, epoch seconds to Matplotlib dates, date axes and readable ranges."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FixedLocator

from tracker.config.charts import zone
from tracker.timeutil import from_epoch

__all__ = ["date_axis", "date_ticks", "local", "range_text", "runs", "to_num", "zone"]

_STEP_NAMES = {60: "minute", 3600: "hour", 86400: "day", 604800: "week"}


def zone_label(tz: tzinfo) -> str:
    return "UTC" if tz is UTC else str(getattr(tz, "key", tz))


def to_num(starts: np.ndarray) -> np.ndarray:
    """Epoch seconds -> Matplotlib date numbers (float days), vectorised."""
    nums: np.ndarray = mdates.date2num(np.asarray(starts, dtype="int64").astype("datetime64[s]"))
    return nums


def date_ticks(first: float, last: float, tz: tzinfo, width_inches: float) -> np.ndarray:
    """Round times in `tz` (local midnights, month starts...) between two date numbers.

    Worked out once per chart, not by every axis at every draw: Matplotlib's AutoDateLocator
    walks dateutil rules each time it is asked, which dominated the rendering of a grid.
    """
    locator = mdates.AutoDateLocator(tz=tz, minticks=3, maxticks=max(5, int(width_inches / 0.5)))
    ticks: np.ndarray = locator.tick_values(mdates.num2date(first, tz), mdates.num2date(last, tz))
    # A label on the right edge would run into the next panel's first one: drop it.
    return ticks[(ticks >= first - 1e-9) & (ticks < last - 0.02 * (last - first))]


def date_axis(ax: Axes, tz: tzinfo, ticks: np.ndarray) -> None:
    """Concise date labels in `tz` (e.g. "Jan-27", "06:00", "Feb") at the given ticks."""
    locator = FixedLocator(ticks.tolist())  # it keeps np.asarray(locs): the same array
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=tz))


def local(epoch: int, tz: tzinfo) -> datetime:
    return from_epoch(int(epoch)).astimezone(tz)


def range_text(first: int, last: int, tz: tzinfo) -> str:
    """A title's "when": "3–31 Jan 2025", "28 Dec 2024 – 4 Jan 2025", "3 Jan 2025"."""
    a, b = local(first, tz), local(last, tz)
    if a.date() == b.date():
        return f"{a.day} {a:%b %Y}"
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}–{b.day} {b:%b %Y}"
    if a.year == b.year:
        return f"{a.day} {a:%b} – {b.day} {b:%b %Y}"
    return f"{a.day} {a:%b %Y} – {b.day} {b:%b %Y}"


def stamp(epoch: int, tz: tzinfo) -> str:
    return f"{local(epoch, tz):%Y-%m-%d %H:%M}"


def step_text(seconds: int) -> str:
    """3600 -> "hour", 21600 -> "6 h", 86400 -> "day", 172800 -> "2 days"."""
    if seconds in _STEP_NAMES:
        return _STEP_NAMES[seconds]
    if seconds % 86400 == 0:
        return f"{seconds // 86400} days"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Index ranges [start, stop) where `mask` is True, in order."""
    if not mask.size:
        return []
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(
        zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True)
    )
