"""Alert delivery off the fetch path: one thread sends what the outbox holds.

A track's cycle only records the events its rules fired (`process_cycle(..., deliver=False)`)
and wakes this thread, so a slow or dead receiver costs its own time, never a cycle's. The queue
is the outbox table (tracker/alerts/store.py); in memory there is only a wake-up flag, so however
many cycles fire during one slow send, the next pass takes everything then due: a bounded queue
of one. The thread also passes every `poll` seconds, for retries that fall due between cycles.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import Engine

from tracker.config.load import Config

log = logging.getLogger("apprank.alerts")

# Between cycles, how often due retries are looked for (the first retry waits 30 s).
POLL_SECONDS = 30.0


class DeliveryWorker:
    """Sends due alert deliveries in its own thread; `wake()` asks for a pass now."""

    def __init__(
        self, engine: Engine, config: Callable[[], Config], *, poll: float = POLL_SECONDS
    ) -> None:
        self.engine = engine
        self.config = config  # read at each pass, so a reload's targets are used
        self.poll = poll
        self.passes = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="alert-delivery", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop after the send in flight, waiting at most `timeout`; False if it is still busy
        (its deliveries stay leased, and go again once the lease ends: at least once)."""
        self._stop.set()
        self._wake.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _loop(self) -> None:
        from tracker.alerts.cycle import deliver_pending

        while not self._stop.is_set():
            self._wake.wait(self.poll)
            self._wake.clear()
            if self._stop.is_set():
                return
            config = self.config()
            if config.alert:
                try:
                    deliver_pending(self.engine, config)
                except Exception:  # never raised on purpose; a bug must not end delivery
                    log.exception("alerts: a delivery pass failed unexpectedly")
            self.passes += 1
