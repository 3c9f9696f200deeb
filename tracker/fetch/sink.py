"""Where a fetch cycle hands what it fetched: the `SnapshotSink` protocol and its records.

The fetch layer sits below the store, so it names the writer it needs by what it calls, not by
import; `tracker.store.writer.SnapshotWriter` is the one the commands and the daemon pass in.
Nothing here loads the HTTP stack or the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from tracker.models import ChartKey, ChartSnapshot


@dataclass(frozen=True, slots=True)
class Attempt:
    """How one fetch went, for the `fetch_attempt` table."""

    started_at: datetime
    duration_ms: int
    outcome: str
    http_status: int | None = None
    error: str | None = None
    url: str | None = None
    # The response body as served (decoded), for the raw archive: a snapshot's, or a refused
    # one's (format, empty); None when there was none or `[archive] keep = "off"`.
    body: bytes | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Saved:
    """Where a stored snapshot went: its id, its ranking's, and whether that ranking was new."""

    snapshot_id: int
    ranking_id: int
    new_ranking: bool


class SnapshotSink(Protocol):
    """What a fetch cycle writes through. It is called from worker threads, several at once
    (a batch being saved while failed attempts are recorded), and raises StoreError when the
    database refuses a write."""

    def save_many(
        self,
        items: Sequence[tuple[ChartSnapshot, datetime, Attempt]],
        *,
        slots: Sequence[int | None] | None = None,
    ) -> list[Saved]:
        """Store the snapshots with their successful attempts in one transaction (all or none),
        each in its daemon slot (`slots`, or None for all); returns one `Saved` per item."""
        ...

    def begin(self, key: ChartKey, body: bytes) -> None:
        """A body that `save_many` will soon be handed for this chart, as it arrives: a sink
        may start work on it (the writer hashes and compresses it for the archive) while the
        cycle goes on; nothing is stored until `save_many`. Called on the event loop: it must
        not block."""
        ...

    def record_failure(self, key: ChartKey, attempt: Attempt) -> None:
        """Store a failed attempt at a chart (never a rank)."""
        ...
