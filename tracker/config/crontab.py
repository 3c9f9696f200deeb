"""Crontab expressions as crontab means them, on APScheduler 3.

APScheduler 3 numbers weekdays from Monday = 0 (its `from_crontab` warns about it), so
`0 8 * * 1` would fire on Tuesdays. Crontab counts Sunday = 0 (and 7), Monday = 1. Numeric
day-of-week values, ranges, lists and steps are translated to weekday names, which APScheduler
reads as crontab does. And as in crontab, when both the day of month and the day of week are
restricted (neither starts with `*`), a day matching either one fires.
"""

from __future__ import annotations

import re
from datetime import tzinfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

# Indexed by crontab's number (7 wraps to Sunday again).
WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_NUMERIC = re.compile(r"(\*|\d+)(?:-(\d+))?(?:/(\d+))?")
_DAY_NAME = re.compile(r"(?i)\b(?:sun|mon|tue|wed|thu|fri|sat)\b")


def crontab_trigger(expression: str, timezone: tzinfo | str) -> BaseTrigger:
    """The trigger firing when crontab would run `expression`; ValueError when it is invalid."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"Wrong number of fields; got {len(fields)}, expected 5")
    minute, hour, day, month, day_of_week = fields
    weekdays = crontab_weekdays(day_of_week)

    def cron(day: str, day_of_week: str) -> CronTrigger:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=day_of_week,
            timezone=timezone,
        )

    if not day.startswith("*") and not day_of_week.startswith("*"):
        return OrTrigger([cron(day, "*"), cron("*", weekdays)])
    return cron(day, weekdays)


def crontab_weekdays(field: str) -> str:
    """A crontab day-of-week field in APScheduler's terms: `1-5` -> `mon,tue,wed,thu,fri`.

    `*` and names (`mon-fri`, `sun`) mean the same in both and are kept.
    """
    return ",".join(_weekday_part(part) for part in field.split(","))


def _weekday_part(part: str) -> str:
    if part == "*":
        return part
    # Names become crontab's numbers first (sun=0 ... sat=6): APScheduler numbers Sunday 6, so
    # `sun-wed` or `mon-5` passed through as written would be refused or mean another week.
    part = re.sub(r"(?i)-sun\b", "-7", part)  # a range ending on Sunday: `fri-sun` is 5-7
    part = _DAY_NAME.sub(lambda m: str(WEEKDAYS.index(m.group(0).lower())), part)
    match = _NUMERIC.fullmatch(part)
    if match is None:
        raise ValueError(f"invalid day of week {part!r}")
    start, end, step = match.groups()
    if start == "*":
        first, last = 0, 6
    else:
        first = int(start)
        # `5/2` is `5-7/2`, as in cron implementations that accept it.
        last = int(end) if end is not None else (7 if step is not None else first)
    if not 0 <= first <= 7 or not 0 <= last <= 7:
        raise ValueError(f"day of week {part!r} is outside 0-7 (0 and 7 are Sunday)")
    if first > last:
        raise ValueError(f"day of week range {part!r} runs backwards")
    every = int(step) if step is not None else 1
    if every < 1:
        raise ValueError(f"day of week step in {part!r} must be at least 1")
    days = sorted({day % 7 for day in range(first, last + 1, every)})
    return ",".join(WEEKDAYS[day] for day in days)
