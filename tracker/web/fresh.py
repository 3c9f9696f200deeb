"""Answers kept until the database changes: the latest chart (`/api/v1/top`), asked far more
often than a chart is fetched, is computed once per change instead of once per request.

Change is seen through SQLite's `PRAGMA data_version`, which moves on a connection whenever
another connection (the daemon's writer) commits. Each request looks on a connection of the
engine's pool (the driver's own, without a transaction: a look is some microseconds); a
connection that saw a move since its last look, or that looks for the first time, starts a new
generation, and answers of older generations are never served again. Every connection that
was open before a commit therefore starts the new generation at its next look, and every one
opened after it at its first. Only answers that depend on nothing but the stored
data may be kept (not `status`, whose ages run with the clock). On PostgreSQL nothing is kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import Engine

from tracker.store.engine import is_sqlite, translate_errors

_SEEN = "apprank_data_version"


class Fresh:
    """At most `size` answers (bytes), each valid for the generation it was computed in."""

    def __init__(self, engine: Engine, size: int = 256) -> None:
        self.engine = engine
        self.size = size
        self.enabled = is_sqlite(engine)
        self.generation = 0
        self._answers: OrderedDict[Hashable, tuple[int, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def look(self) -> int:
        """The current generation, after looking for a change (call it in a worker thread)."""
        with translate_errors(self.engine):
            conn: Any = self.engine.raw_connection()
            try:
                cursor = conn.cursor()
                version = cursor.execute("PRAGMA data_version").fetchone()[0]
                cursor.close()
                # Kept with the pooled connection, as the version is the connection's own.
                changed = conn.info.get(_SEEN) != version
                conn.info[_SEEN] = version
            finally:
                conn.close()  # back to the pool
        if changed:
            with self._lock:
                self.generation += 1
                self._answers.clear()
        return self.generation

    def get(self, key: Hashable, compute: Callable[[], bytes]) -> bytes:
        """The answer for `key`: kept, or computed now (and kept)."""
        if not self.enabled:
            return compute()
        generation = self.look()
        with self._lock:
            kept = self._answers.get(key)
            if kept is not None and kept[0] == generation:
                self._answers.move_to_end(key)
                return kept[1]
        answer = compute()
        with self._lock:
            if generation == self.generation:  # no change seen while it was computed
                self._answers[key] = (generation, answer)
                while len(self._answers) > self.size:
                    self._answers.popitem(last=False)
        return answer
