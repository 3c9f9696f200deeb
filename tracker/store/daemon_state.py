"""Daemon bookkeeping: a heartbeat row per daemon instance and a summary row per fetch cycle.

`apprank status` and `apprank health` read these to tell whether a daemon is alive and what its
last cycles did. Writes are tiny single-row transactions; a failure raises StoreError like every
other write, and the daemon logs it and carries on. The tables are defined in
`schema/daemon.py` (SQLModel, for migrations); this module reads and writes them through
`schema/views.py`'s Core views, so `status` loads no ORM.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Row, delete, func, insert, select, update

from tracker.store.engine import read_connection, write_transaction
from tracker.store.schema.views import CYCLE, HEARTBEAT
from tracker.timeutil import from_epoch, isoformat_z

# The busy timeout a heartbeat write may spend waiting on a locked database, plus slack: a
# heartbeat this much older than three periods means the daemon is gone, not merely slow.
STALE_SLACK = timedelta(seconds=15)


@dataclass(frozen=True, slots=True)
class Heartbeat:
    instance: str
    host: str
    pid: int
    version: str
    started_at: datetime
    beat_at: datetime
    beat_every: float
    state: str
    cycles: int

    def age(self, now: datetime) -> timedelta:
        return max(timedelta(0), now - self.beat_at)

    def stale_after(self) -> timedelta:
        return timedelta(seconds=3 * self.beat_every) + STALE_SLACK

    def alive(self, now: datetime) -> bool:
        """Running, and beat recently enough (three periods plus the database's busy wait)."""
        return self.state == "running" and self.age(now) <= self.stale_after()

    def describe(self, now: datetime) -> str:
        """One line on the daemon's liveness, for `status` and `health`."""
        who = f"{self.host} pid {self.pid}"
        age = format_age(self.age(now))
        if self.state == "stopped":
            return f"daemon: stopped ({who}, {age} ago at {isoformat_z(self.beat_at)})"
        if self.alive(now):
            up = format_age(now - self.started_at)
            return f"daemon: alive ({who}, heartbeat {age} ago, up {up}, {self.cycles} cycles)"
        return (
            f"daemon: not responding ({who}, last heartbeat {age} ago at "
            f"{isoformat_z(self.beat_at)}; it beats every {self.beat_every:g} s)"
        )


NO_DAEMON = "daemon: none has run on this database (no heartbeat)"


def describe_heartbeat(heartbeat: Heartbeat | None, now: datetime) -> str:
    return NO_DAEMON if heartbeat is None else heartbeat.describe(now)


def format_age(delta: timedelta) -> str:
    """A short human duration: 45s, 12m 5s, 3h 20m, 2d 4h."""
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m {secs}s" if secs else f"{minutes}m"
    return f"{secs}s"


@dataclass(frozen=True, slots=True)
class CycleSummary:
    instance: str
    track: str
    slot: int | None
    started_at: datetime
    finished_at: datetime
    charts: int
    ok: int
    failed: int
    skipped: int
    catch_up: bool = False
    note: str | None = None

    def describe(self, now: datetime) -> str:
        """`last cycle: <track> slot <t>, finished 5s ago: 10 ok, 2 failed, 0 already stored`."""
        slot = f" slot {isoformat_z(from_epoch(self.slot))}" if self.slot is not None else ""
        extra = f" ({self.note})" if self.note else ""
        return (
            f"last cycle: {self.track}{slot}, finished {format_age(now - self.finished_at)} ago: "
            f"{self.ok} ok, {self.failed} failed, {self.skipped} already stored{extra}"
        )


def beat(engine: Engine, heartbeat: Heartbeat) -> None:
    """Insert or overwrite this instance's heartbeat row."""
    values = {
        "host": heartbeat.host,
        "pid": heartbeat.pid,
        "version": heartbeat.version,
        "started_at": heartbeat.started_at,
        "beat_at": heartbeat.beat_at,
        "beat_every": heartbeat.beat_every,
        "state": heartbeat.state,
        "cycles": heartbeat.cycles,
    }
    with write_transaction(engine) as conn:
        changed = conn.execute(
            update(HEARTBEAT).where(HEARTBEAT.c.instance == heartbeat.instance).values(values)
        ).rowcount
        if not changed:
            conn.execute(insert(HEARTBEAT).values(instance=heartbeat.instance, **values))


def record_cycle(engine: Engine, summary: CycleSummary) -> None:
    with write_transaction(engine) as conn:
        conn.execute(
            insert(CYCLE).values(
                instance=summary.instance,
                track=summary.track,
                slot=summary.slot,
                started_at=summary.started_at,
                finished_at=summary.finished_at,
                charts=summary.charts,
                ok=summary.ok,
                failed=summary.failed,
                skipped=summary.skipped,
                catch_up=summary.catch_up,
                note=summary.note,
            )
        )


def prune_cycles(engine: Engine, before: datetime) -> int:
    """Drop cycle summaries older than `before` (they are a log, not history)."""
    with write_transaction(engine) as conn:
        return conn.execute(delete(CYCLE).where(CYCLE.c.finished_at < before)).rowcount


def prune_heartbeats(engine: Engine, before: datetime) -> int:
    """Drop the heartbeats of daemons silent since before `before` (each run has its own row)."""
    with write_transaction(engine) as conn:
        return conn.execute(delete(HEARTBEAT).where(HEARTBEAT.c.beat_at < before)).rowcount


def latest_heartbeat(engine: Engine) -> Heartbeat | None:
    """The most recent heartbeat of any instance."""
    with read_connection(engine) as conn:
        newest = (HEARTBEAT.c.beat_at.desc(), HEARTBEAT.c.started_at.desc())
        row = conn.execute(select(HEARTBEAT).order_by(*newest).limit(1)).first()
    return None if row is None else _heartbeat(row)


def live_instances(engine: Engine, now: datetime) -> list[str]:
    """The instances whose heartbeat says they are running at `now` (see Heartbeat.alive)."""
    with read_connection(engine) as conn:
        rows = conn.execute(select(HEARTBEAT).where(HEARTBEAT.c.state == "running")).all()
    return sorted(h.instance for h in map(_heartbeat, rows) if h.alive(now))


def _heartbeat(row: Row[Any]) -> Heartbeat:
    return Heartbeat(
        instance=row.instance,
        host=row.host,
        pid=row.pid,
        version=row.version,
        started_at=row.started_at,
        beat_at=row.beat_at,
        beat_every=row.beat_every,
        state=row.state,
        cycles=row.cycles,
    )


def last_cycle_by_track(engine: Engine) -> dict[str, datetime]:
    """When each track's latest recorded cycle finished (the table is pruned, so it is small)."""
    with read_connection(engine) as conn:
        rows = conn.execute(
            select(CYCLE.c.track, func.max(CYCLE.c.finished_at)).group_by(CYCLE.c.track)
        ).all()
    return {track: finished for track, finished in rows}


def recent_cycles(engine: Engine, limit: int = 10) -> list[CycleSummary]:
    """The latest cycle summaries, newest first."""
    with read_connection(engine) as conn:
        rows = conn.execute(
            select(CYCLE).order_by(CYCLE.c.finished_at.desc(), CYCLE.c.id.desc()).limit(limit)
        ).all()
    return [
        CycleSummary(
            instance=r.instance,
            track=r.track,
            slot=r.slot,
            started_at=r.started_at,
            finished_at=r.finished_at,
            charts=r.charts,
            ok=r.ok,
            failed=r.failed,
            skipped=r.skipped,
            catch_up=bool(r.catch_up),
            note=r.note,
        )
        for r in rows
    ]
