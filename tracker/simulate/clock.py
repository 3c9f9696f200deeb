"""The simulated clock: a UTC instant that moves only when told, or at a chosen speed."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

from tracker.timeutil import as_utc


class SimClock:
    """Simulated UTC time. `speed` is simulated hours per real second (0: frozen)."""

    def __init__(self, start: datetime, speed: float = 0.0) -> None:
        if speed < 0:
            raise ValueError(f"speed must be >= 0, got {speed}")
        self._lock = threading.Lock()
        self._base = as_utc(start)
        self._since = time.monotonic()
        self._speed = float(speed)

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> datetime:
        """The current simulated instant (UTC-aware)."""
        with self._lock:
            return self._now_locked()

    def _now_locked(self) -> datetime:
        if not self._speed:
            return self._base
        elapsed = time.monotonic() - self._since
        return self._base + timedelta(hours=self._speed * elapsed)

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward (or back, with a negative delta); return the new instant."""
        with self._lock:
            self._base = self._now_locked() + delta
            self._since = time.monotonic()
            return self._base

    def set(self, moment: datetime) -> datetime:
        """Jump to `moment` (aware); return it in UTC."""
        with self._lock:
            self._base = as_utc(moment)
            self._since = time.monotonic()
            return self._base

    def set_speed(self, speed: float) -> None:
        """Change the speed from now on, without a jump."""
        if speed < 0:
            raise ValueError(f"speed must be >= 0, got {speed}")
        with self._lock:
            self._base = self._now_locked()
            self._since = time.monotonic()
            self._speed = float(speed)
