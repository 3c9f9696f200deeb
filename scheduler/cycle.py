"""One scheduled fetch cycle of one track: its slot, a deadline, cancellation, a summary.

A cycle runs `tracker.fetch.cycle.fetch_charts` on its own event loop in the scheduler's worker
thread.
Charts already stored for the slot (by an earlier run that was cut short) are skipped; charts the
deadline cut off are recorded as timed-out attempts unless their write landed after all. Nothing
from the cycle is kept afterwards, so the daemon's memory does not grow with the cycles it ran.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tracker.config.load import Config
from tracker.errors import StoreError
from tracker.fetch.cycle import ChartOutcome, fetch_charts
from tracker.fetch.pauses import HostGate
from tracker.metrics import CHART_FETCHES, count
from tracker.models import ChartKey, ChartRequest
from tracker.store.claims import claim, share
from tracker.store.daemon_state import CycleSummary, live_instances
from tracker.store.snapshots import stored_for_slot
from tracker.store.writer import Attempt, SnapshotWriter
from tracker.timeutil import to_epoch, utcnow

log = logging.getLogger("apprank.daemon")


@dataclass
class Canceller:
    """Lets another thread cancel the cycle running on this worker's event loop."""

    loop: asyncio.AbstractEventLoop | None = None
    task: asyncio.Task[object] | None = None
    cancelled: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, loop: asyncio.AbstractEventLoop, task: asyncio.Task[object]) -> None:
        with self._lock:
            self.loop, self.task = loop, task
            if self.cancelled:
                task.cancel()

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
            if self.loop is not None and self.task is not None and not self.loop.is_closed():
                # Cancelling stops the HTTP work; writes already handed to threads still finish
                # (asyncio.run waits for its executor), each in its own transaction.
                self.loop.call_soon_threadsafe(self.task.cancel)


@dataclass(frozen=True, slots=True)
class CycleReport:
    summary: CycleSummary
    store_failures: int  # charts fetched fine but refused by the database
    # (chart, snapshot id) of each snapshot stored, for the alert rules
    stored: tuple[tuple[ChartKey, int], ...] = ()


def run_cycle(
    config: Config,
    requests: Sequence[ChartRequest],
    writer: SnapshotWriter,
    *,
    instance: str,
    track: str,
    slot: datetime,
    deadline: float,
    gate: HostGate,
    canceller: Canceller,
    catch_up: bool = False,
    shared: bool = False,
    clock: Callable[[], datetime] = utcnow,
) -> CycleReport:
    """Fetch `requests` for `slot` within `deadline` seconds and summarise what happened.

    `shared`: other daemons use this database too, so claim each chart for the slot first and
    fetch only the ones this daemon won: its own share, then what is left (tracker.store.claims).
    """
    started_at = clock()
    slot_epoch = to_epoch(slot)
    keys = [r.key for r in requests]
    try:
        already = stored_for_slot(writer.engine, keys, slot_epoch)
    except StoreError as exc:
        # Can't tell; fetch everything. A duplicate is refused by the slot's unique key.
        log.warning("could not check which charts slot %s already has: %s", slot_epoch, exc)
        already = set()
    todo = [r for r in requests if r.key not in already]
    done: dict[ChartKey, ChartOutcome] = {}
    # Shared: this daemon's share first, then what the others left (a dead daemon's share).
    rounds = _shares(writer, todo, slot_epoch, instance, started_at) if shared else [todo]
    work = _Work(config, writer, gate, canceller, slot_epoch, time.monotonic() + deadline, done)
    todo, elsewhere, note = work.run(rounds, instance if shared else None, started_at)
    landed = 0
    if note in ("deadline reached", "stopped"):
        # Cut off while their batch was being written: count the ones that landed; on a deadline
        # record the others as timed out (a stop is not the chart's failure).
        landed = _settle_cut_off(
            writer, todo, done, slot_epoch, started_at, deadline, record=note != "stopped"
        )
    ok = sum(1 for o in done.values() if o.ok) + landed
    # A stop leaves the unfinished charts neither ok nor failed: they were not given their chance.
    failed = (len(done) + landed if note == "stopped" else len(todo)) - ok
    refused = [o for o in done.values() if o.outcome == "store"]
    if refused:
        stored_note = f"{len(refused)} not stored: {refused[0].error}"
        note = f"{note}; {stored_note}" if note else stored_note
    summary = CycleSummary(
        instance=instance,
        track=track,
        slot=slot_epoch,
        started_at=started_at,
        finished_at=clock(),
        charts=len(requests),
        ok=ok,
        failed=failed,
        skipped=len(already) + elsewhere,
        catch_up=catch_up,
        note=note,
    )
    stored = tuple(
        (key, o.snapshot_id) for key, o in done.items() if o.ok and o.snapshot_id is not None
    )
    done.clear()
    return CycleReport(summary, len(refused), stored)


@dataclass
class _Work:
    """One cycle's claims and fetches, round by round, within one deadline."""

    config: Config
    writer: SnapshotWriter
    gate: HostGate
    canceller: Canceller
    slot: int
    expires: float  # time.monotonic() at the cycle's deadline
    done: dict[ChartKey, ChartOutcome]

    def run(
        self, rounds: list[list[ChartRequest]], owner: str | None, now: datetime
    ) -> tuple[list[ChartRequest], int, str | None]:
        """Claim (as `owner`, when shared) and fetch each round in turn; returns the charts
        this daemon took on, how many went to others, and a note if it stopped short."""
        taken: list[ChartRequest] = []
        elsewhere = 0
        for batch in rounds:
            if taken and time.monotonic() >= self.expires:
                return taken, elsewhere, "deadline reached"  # the rest left to daemons with time
            if owner is not None:
                try:
                    won = claim(self.writer, batch, self.slot, owner, now)
                except StoreError as exc:
                    # Without a claim another daemon may be fetching the same charts; let it.
                    log.error("could not claim the charts of slot %s; skipping: %s", self.slot, exc)
                    return taken, elsewhere, f"claim failed: {exc}"
                elsewhere, batch = elsewhere + len(batch) - len(won), won
            if batch:
                taken += batch
                left = max(0.0, self.expires - time.monotonic())
                note = _fetch(
                    self.config, batch, self.writer, self.gate, self.canceller, self.slot, left,
                    self.done,
                )  # fmt: skip
                if note is not None:
                    return taken, elsewhere, note
        return taken, elsewhere, None


def _shares(
    writer: SnapshotWriter, todo: list[ChartRequest], slot: int, instance: str, now: datetime
) -> list[list[ChartRequest]]:
    """This daemon's share of `todo`, then the rest (tracker.store.claims.share)."""
    if not todo:
        return []
    try:
        live = live_instances(writer.engine, now)
    except StoreError as exc:
        log.warning("could not read which daemons are alive; claiming every chart: %s", exc)
        return [todo]
    return [batch for batch in share(todo, slot, live, instance) if batch]


def _fetch(
    config: Config,
    todo: list[ChartRequest],
    writer: SnapshotWriter,
    gate: HostGate,
    canceller: Canceller,
    slot_epoch: int,
    deadline: float,
    done: dict[ChartKey, ChartOutcome],
) -> str | None:
    """Run the fetch on a fresh event loop; returns a note when it did not run to the end."""
    expires = time.monotonic() + deadline

    async def main() -> None:
        task = asyncio.current_task()
        assert task is not None
        canceller.attach(asyncio.get_running_loop(), task)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(deadline):
                await fetch_charts(
                    config,
                    todo,
                    writer,
                    gate=gate,
                    on_done=lambda outcome: done.__setitem__(outcome.request.key, outcome),
                    slot_of=lambda _request: slot_epoch,
                )

    try:
        asyncio.run(main())
    except asyncio.CancelledError:
        pass
    except Exception as exc:
        # Whatever broke, the schedule goes on; what was stored is stored (each batch of
        # snapshots commits atomically) and the next cycle fills in the rest.
        log.error("cycle fetch failed: %s: %s", type(exc).__name__, exc, exc_info=exc)
        if not canceller.cancelled and time.monotonic() < expires:
            return f"error: {type(exc).__name__}"
    if canceller.cancelled:
        return "stopped"
    return "deadline reached" if time.monotonic() >= expires else None


def _settle_cut_off(
    writer: SnapshotWriter,
    todo: list[ChartRequest],
    done: dict[ChartKey, ChartOutcome],
    slot_epoch: int,
    started_at: datetime,
    deadline: float,
    *,
    record: bool,
) -> int:
    """How many unfinished charts landed anyway (snapshot and "ok" attempt commit together);
    with `record`, store the others as timed-out attempts."""
    missing = [r for r in todo if r.key not in done]
    if not missing:
        return 0
    try:
        landed = stored_for_slot(writer.engine, [r.key for r in missing], slot_epoch)
    except StoreError:
        landed = set()
    for request in missing:
        if request.key in landed or not record:
            continue
        message = f"cycle deadline of {deadline:.1f} s reached before this chart finished"
        key = request.key
        log.warning(
            "fetch failed: source=%s country=%s chart=%s reason=timeout status=None: %s",
            key.source,
            key.country,
            key.chart,
            message,
            extra={
                "source": key.source,
                "country": key.country,
                "chart": key.chart,
                "reason": "timeout",
                "http_status": None,
            },
        )
        attempt = Attempt(started_at, int(deadline * 1000), "timeout", None, message)
        count(CHART_FETCHES, key.source, "timeout")
        try:
            writer.record_failure(key, attempt)
        except StoreError as exc:
            log.error("could not record the timed-out attempt for %s: %s", key.label(), exc)
    return len(landed)
