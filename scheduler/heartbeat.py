"""The daemon's heartbeat: a row rewritten every few seconds and after each cycle.

It runs in its own thread so a slow or locked database never delays signal handling in the main
thread. A failed write is logged when the failures start and when they stop, not every time.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from sqlalchemy import Engine

from tracker import __version__
from tracker.errors import StoreError
from tracker.store.claims import prune as prune_claims
from tracker.store.daemon_state import Heartbeat, beat, prune_cycles, prune_heartbeats
from tracker.timeutil import to_epoch, utcnow

log = logging.getLogger("apprank.daemon")

PRUNE_EVERY = timedelta(hours=6)
CLAIMS_KEPT = timedelta(days=8)


def instance_name() -> str:
    """This daemon run's name: host and pid (also its owner name for chart claims)."""
    return f"{socket.gethostname()[:100] or 'localhost'}:{os.getpid()}"


class Beater:
    """Writes heartbeats; `start()` adds a thread that beats every `every` seconds."""

    def __init__(self, engine: Engine, every: float, keep_cycles: timedelta) -> None:
        self.engine = engine
        self.every = every
        self.keep_cycles = keep_cycles
        self.instance = instance_name()
        self.started_at = utcnow()
        self.cycles = 0
        self._lock = threading.Lock()
        self._failing = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pruned_at: datetime | None = None

    def beat(self, state: str = "running") -> bool:
        """Write one heartbeat; False (and logged on the first failure) when it did not land."""
        heartbeat = Heartbeat(
            instance=self.instance,
            host=socket.gethostname(),
            pid=os.getpid(),
            version=__version__,
            started_at=self.started_at,
            beat_at=utcnow(),
            beat_every=self.every,
            state=state,
            cycles=self.cycles,
        )
        with self._lock:
            try:
                beat(self.engine, heartbeat)
            except StoreError as exc:
                if not self._failing:
                    log.error("heartbeat not recorded (will keep trying): %s", exc)
                self._failing = True
                return False
            if self._failing:
                log.info("heartbeat recorded again")
            self._failing = False
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="heartbeat", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            if self.beat():
                self._prune()

    def _prune(self) -> None:
        now = utcnow()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        before = now - self.keep_cycles
        try:
            removed = prune_cycles(self.engine, before) + prune_heartbeats(self.engine, before)
            # Claims only guard the present slot; a week covers the longest usual cron slot.
            prune_claims(self.engine, to_epoch(now - CLAIMS_KEPT))
        except StoreError as exc:
            log.warning("could not prune old daemon bookkeeping: %s", exc)
            return
        if removed:
            log.info("pruned %d cycle and heartbeat rows older than %s", removed, before)
