"""From `[[track]]` entries to schedules: triggers on a fixed slot grid, jitter, grace, slots.

Every track fires on a grid of *slots*: an `every` track at whole multiples of its interval since
the epoch (so restarts do not shift it), a `cron` track at its cron times (UTC). A run is delayed
by a small random jitter and may start up to the misfire grace time late; both together stay well
under one slot length, so the run that starts at time t belongs to the latest grid point <= t. That
grid point is stored on each snapshot (`snapshot.slot`, unique per chart), which makes a catch-up or
a restarted daemon fill in what a slot is missing instead of storing it twice.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property

from apscheduler.triggers.base import BaseTrigger

from tracker.config.crontab import crontab_trigger
from tracker.config.reader import ReaderConfig
from tracker.config.tracks import TrackConfig
from tracker.errors import ConfigError
from tracker.models import ChartRequest
from tracker.timeutil import as_utc, format_duration, from_epoch

MIN_INTERVAL = timedelta(seconds=1)
MAX_JITTER = 60.0
MAX_GRACE = 900.0
# Cron gaps are sampled over this many upcoming fire times to find the shortest one.
CRON_SAMPLES = 64


class Grid:
    """The un-jittered fire times of a track."""

    def next_after(self, t: datetime) -> datetime:
        raise NotImplementedError

    def latest_at_or_before(self, t: datetime) -> datetime:
        raise NotImplementedError

    def shortest_gap(self) -> float:
        raise NotImplementedError


def _seconds(t: datetime) -> float:
    # Not `to_epoch`: an interval may be fractional (1.5s), so the fraction of a second counts.
    # `as_utc` refuses a naive time as `to_epoch` does (datetime's own timestamp method would
    # take it for local time).
    return as_utc(t).timestamp()


@dataclass(frozen=True)
class IntervalGrid(Grid):
    """Whole multiples of `seconds` since the epoch."""

    seconds: float

    def next_after(self, t: datetime) -> datetime:
        n = math.floor(_seconds(t) / self.seconds) + 1
        return from_epoch(n * self.seconds)

    def latest_at_or_before(self, t: datetime) -> datetime:
        n = math.floor(_seconds(t) / self.seconds)
        return from_epoch(n * self.seconds)

    def shortest_gap(self) -> float:
        return self.seconds


@dataclass(frozen=True)
class CronGrid(Grid):
    """The fire times of a crontab expression, in UTC, as crontab means it (`config.crontab`)."""

    expression: str

    @cached_property
    def _trigger(self) -> BaseTrigger:
        return crontab_trigger(self.expression, UTC)

    def _first_fire_from(self, t: datetime) -> datetime | None:
        # APScheduler is untyped: this is where its answer gets its type.
        fire: datetime | None = self._trigger.get_next_fire_time(None, t)
        return fire

    def next_after(self, t: datetime) -> datetime:
        fire = self._first_fire_from(t + timedelta(microseconds=1))
        if fire is None:  # pragma: no cover (a crontab without end date always has a next time)
            raise ConfigError(f"cron {self.expression!r} never fires again")
        return fire.astimezone(UTC)

    def latest_at_or_before(self, t: datetime) -> datetime:
        window = timedelta(seconds=max(60.0, self.shortest_gap()))
        while True:
            fire = self._first_fire_from(t - window)
            if fire is not None and fire <= t:
                break
            window *= 2
        while True:
            following = self._first_fire_from(fire + timedelta(microseconds=1))
            if following is None or following > t:
                return fire.astimezone(UTC)
            fire = following

    def shortest_gap(self) -> float:
        return self._shortest_gap

    @cached_property
    def _shortest_gap(self) -> float:
        fire = self._first_fire_from(datetime(2025, 1, 1, tzinfo=UTC))
        if fire is None:  # pragma: no cover (a crontab without end date always has a next time)
            return 86400.0
        gaps = []
        for _ in range(CRON_SAMPLES):
            following = self._first_fire_from(fire + timedelta(microseconds=1))
            if following is None:  # pragma: no cover
                break
            gaps.append((following - fire).total_seconds())
            fire = following
        return min(gaps) if gaps else 86400.0


# BaseTrigger is Any (APScheduler is untyped); subclassing it is how APScheduler takes a trigger.
class SlotTrigger(BaseTrigger):  # type: ignore[misc]
    """Fires at each grid point plus a random delay of at most `jitter` seconds.

    APScheduler's own IntervalTrigger adds jitter to the *previous jittered* time, so the schedule
    drifts a little every run; this trigger always jitters from the grid, so it never drifts.
    """

    __slots__ = ("grid", "jitter")

    def __init__(self, grid: Grid, jitter: float) -> None:
        self.grid = grid
        self.jitter = jitter

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        # A jittered previous time lies inside its slot, so the next grid point after it is the
        # next slot; without a previous time, the next grid point after now.
        base = previous_fire_time if previous_fire_time is not None else now
        fire = self.grid.next_after(base)
        return fire + timedelta(seconds=random.uniform(0, self.jitter)) if self.jitter else fire

    def __str__(self) -> str:
        return f"slots[{self.grid}, jitter {self.jitter:g} s]"


@dataclass(frozen=True)
class TrackPlan:
    """One schedulable track: its charts, grid and timing policy."""

    job_id: str
    label: str
    grid: Grid
    requests: tuple[ChartRequest, ...]

    @property
    def gap(self) -> float:
        """The slot length in seconds (the shortest gap for cron)."""
        return self.grid.shortest_gap()

    @property
    def jitter(self) -> float:
        """Small against the slot: a tenth of it, at most a minute."""
        return min(MAX_JITTER, self.gap / 10)

    @property
    def misfire_grace(self) -> float:
        """How late a run may still start: half a slot, at most 15 minutes."""
        return min(self.gap / 2, MAX_GRACE)

    def trigger(self) -> SlotTrigger:
        return SlotTrigger(self.grid, self.jitter)

    def slot_at(self, t: datetime) -> datetime:
        """The slot a run starting at `t` belongs to."""
        return self.grid.latest_at_or_before(t)

    def deadline(self, slot: datetime, now: datetime) -> float:
        """Seconds this run may take: until 90% into the slot, and never under half a slot.

        Ending before the next grid point keeps a slow cycle from making the next one skip.
        """
        until_slot_end = (slot - now).total_seconds() + 0.9 * self.gap
        return max(until_slot_end, 0.5 * self.gap)


def build_plans(config: ReaderConfig) -> list[TrackPlan]:
    """One plan per `[[track]]`. A chart listed by several tracks goes to the most frequent one
    (at the deepest depth any of them asks), so each chart has one slot grid."""
    if not config.track:
        raise ConfigError(f"{config.path}: no [[track]] entries; the daemon has nothing to fetch")
    grids: list[Grid] = []
    for index, track in enumerate(config.track):
        grids.append(_grid(config, index, track))
    owner: dict[object, int] = {}
    depth: dict[object, int] = {}
    for index, track in enumerate(config.track):
        for request in track.requests():
            key = request.key
            depth[key] = max(depth.get(key, 0), request.depth)
            current = owner.get(key)
            if current is None or grids[index].shortest_gap() < grids[current].shortest_gap():
                owner[key] = index
    plans = []
    for index, track in enumerate(config.track):
        requests = tuple(
            ChartRequest(r.key, depth[r.key]) for r in track.requests() if owner[r.key] == index
        )
        job_id = f"track:{track.name}" if track.name else f"track#{index + 1}:{track.label}"
        plans.append(TrackPlan(job_id, track.label, grids[index], requests))
    return plans


def _grid(config: ReaderConfig, index: int, track: TrackConfig) -> Grid:
    if track.cron:
        return CronGrid(track.cron)
    interval = track.interval
    if interval < MIN_INTERVAL:
        raise ConfigError(
            f"{config.path}: track[{index}].every = {format_duration(interval)!r}: "
            "the daemon needs an interval of at least 1s"
        )
    return IntervalGrid(interval.total_seconds())
