"""Durations, instants and the date formats the feeds use. Every datetime here is UTC-aware.

Instants cross into integers (the database, bucket arithmetic, file stamps) only through
`to_epoch` and back only through `from_epoch`: one rule for naive datetimes (refused).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

from tracker.text.redact import quoted

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_duration(text: str) -> timedelta:
    """Parse "90s", "15m", "1h", "7d", "2w" (one number, one unit). Raises ValueError."""
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f"not a duration: {text!r} (expected e.g. 30s, 15m, 1h, 7d)")
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds <= 0:
        raise ValueError(f"duration must be positive: {text!r}")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """A duration as `parse_duration` reads it, in the largest unit that holds it whole:
    5400 s -> "90m", 0.5 s -> "500ms"."""
    seconds = value.total_seconds()
    for unit, size in sorted(_UNIT_SECONDS.items(), key=lambda item: -item[1]):
        count = seconds / size
        if round(count) != 0 and abs(count - round(count)) < 1e-9:
            return f"{round(count)}{unit}"
    return f"{seconds:g}s"


def as_utc(value: datetime) -> datetime:
    """Convert an aware datetime to UTC; refuse naive ones, whose zone is unknown."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: apprank stores aware UTC times only")
    return value.astimezone(UTC)


def parse_instant(text: str, *, now: datetime | None = None) -> datetime:
    """Parse an ISO date/time (UTC when no offset) or a relative "7d" / "24h" (ago)."""
    text = text.strip()
    try:
        delta = parse_duration(text)
    except ValueError:
        pass
    else:
        return (now or utcnow()) - delta
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"not a time: {text!r} (expected an ISO date like 2025-01-27, "
            "a time like 2025-01-27T12:00, or a relative age like 24h or 7d)"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_feed_time(text: str) -> datetime:
    """Parse a feed `updated` stamp: RFC 1123 (v2) or ISO 8601 with offset (legacy)."""
    text = text.strip()
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            from email.utils import parsedate_to_datetime  # 5 ms of imports every command paid

            value = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            raise ValueError(f"unreadable feed time {quoted(text)}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_epoch(value: datetime) -> int:
    """Whole seconds since the Unix epoch (rounded down), as the database stores times.

    A naive datetime is a ValueError (`as_utc`): datetime's own timestamp method would take
    it for local time and shift every stored instant by the host's UTC offset."""
    return math.floor(as_utc(value).timestamp())


def from_epoch(seconds: float) -> datetime:
    """The aware UTC datetime `seconds` (int, or float for sub-second stamps) after the epoch."""
    return datetime.fromtimestamp(seconds, UTC)


def isoformat_z(value: datetime) -> str:
    """ISO 8601 in UTC with a Z suffix, second precision: 2025-01-27T12:00:00Z."""
    return as_utc(value).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def duration(value: object) -> timedelta:
    """A duration from config text ("15m"), a number of seconds (TOML `pause_max = 90`), or a
    timedelta; ValueError in `parse_duration`'s words otherwise. The config's `Duration` type
    and the pydantic-free reading of `[[track]]` both parse with it."""
    if isinstance(value, timedelta):
        if value <= timedelta(0):
            raise ValueError(f"duration must be positive: {format_duration(value)!r}")
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return parse_duration(f"{value}s")
    if isinstance(value, str):
        return parse_duration(value)
    raise ValueError(f"not a duration: {value!r} (expected e.g. 30s, 15m, 1h, 7d)")
