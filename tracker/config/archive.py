"""`[archive]`: how long the raw response bodies are kept (docs/archive.md).

keep = "forever"   every body, for as long as the database lives (the default)
keep = "90d"       a body while a snapshot or attempt of the last 90 days points at it
keep = "off"       no new bodies (what is archived already stays until pruned)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import BeforeValidator

from tracker.config.fields import Strict, duration

FOREVER: Final = "forever"
OFF: Final = "off"

Keep = Literal["forever", "off"] | timedelta


def keep_rule(value: object) -> Keep:
    """ "forever", "off" or a positive duration ("90d", or a number of seconds); ValueError
    otherwise, naming the three."""
    if value == FOREVER:
        return FOREVER
    if value == OFF:
        return OFF
    try:
        return duration(value)
    except ValueError as exc:
        if "positive" in str(exc):  # a duration, but of no time: say that
            raise
        raise ValueError('expected "forever", "off" or a duration such as "90d"') from None


class ArchiveConfig(Strict):
    keep: Annotated[Keep, BeforeValidator(keep_rule)] = FOREVER

    @property
    def enabled(self) -> bool:
        """Whether fetches archive their bodies."""
        return self.keep != OFF

    def cutoff(self, now: datetime) -> datetime | None:
        """Bodies only older snapshots and attempts point at may go; None: keep them all."""
        return now - self.keep if isinstance(self.keep, timedelta) else None


class _ArchiveSection(Strict):
    archive: ArchiveConfig = ArchiveConfig()


def archive_section(data: dict[str, Any], path: Path | str) -> ArchiveConfig:
    """`[archive]` of a parsed config file alone, for a command that reads nothing else of the
    full configuration; a broken value fails as it would in the whole file's check."""
    from tracker.config.errors import validated

    section = {"archive": data["archive"]} if "archive" in data else {}
    return validated(_ArchiveSection, section, path).archive
