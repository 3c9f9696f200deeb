"""Time on charts: zones, epoch seconds to Matplotlib dates, date axes and readable ranges."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes

from tracker.errors import UsageError

_STEP_NAMES = {60: "minute", 3600: "hour", 86400: "day", 604800: "week"}


def zone(value: str | tzinfo | None) -> tzinfo:
    """An IANA zone name ("Europe/Paris", "UTC") or a tzinfo; UTC when None."""
    if value is None:
        return UTC
    if isinstance(value, tzinfo):
        return value
    if value.strip().upper() in ("UTC", "Z", "GMT"):
        return UTC
    try:
        return ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"unknown time zone {value!r} (expected an IANA name like Europe/Paris, or UTC)"
        ) from None


def zone_label(tz: tzinfo) -> str:
    return "UTC" if tz is UTC else str(getattr(tz, "key", tz))


def to_num(starts: np.ndarray) -> np.ndarray:
    """Epoch seconds -> Matplotlib date numbers (float days), vectorised."""
    return mdates.date2num(np.asarray(starts, dtype="int64").astype("datetime64[s]"))


def date_axis(ax: Axes, tz: tzinfo, *, labels: bool = True) -> None:
    """Concise dates in `tz` on the x axis (ticks at local midnights, months, ...)."""
    locator = mdates.AutoDateLocator(tz=tz, minticks=3, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=tz))
    if not labels:
        ax.tick_params(axis="x", labelbottom=False)


def local(epoch: int, tz: tzinfo) -> datetime:
    return datetime.fromtimestamp(int(epoch), UTC).astimezone(tz)


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
