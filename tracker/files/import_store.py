"""Storing imported snapshots: in batches, one transaction each, through the SnapshotWriter.

A snapshot already stored (same chart, same captured_at) is skipped, so importing a file twice
adds nothing. Each row's name and developer are what its storefront showed at that snapshot (as
export writes them), and so are a JSONL row's Google Play fields (price, currency, rating,
installs): the writer keeps them as the app's listing there, so a rename or a new price in the
file stays one, valid from the first snapshot that showed it. The fields export leaves out
(bundle id, icon, URL, genre, release date; CSV's Google Play fields) are given as unknown, so
the stored ones stay.
"""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import Engine

from tracker.files.import_rows import ImportRow
from tracker.models import ChartEntry, ChartRequest, ChartSnapshot
from tracker.query.selection import sql
from tracker.store.engine import read_connection
from tracker.store.writer import Attempt, SnapshotWriter
from tracker.timeutil import from_epoch

# Snapshots stored per transaction: one commit per snapshot would dominate a large import.
BATCH_SNAPSHOTS = 200
BATCH_ROWS = 20_000

_EXISTS_SQL = """
SELECT 1 FROM snapshot s JOIN chart c ON c.id = s.chart_id
WHERE c.source = :source AND c.country = :country AND c.kind = :chart
  AND c.category = :category AND c.device = :device AND s.captured_at = :at
"""


class ImportStore:
    """Pass two: snapshots in batches through the writer, skipping those already stored;
    counts what it stored (or, on a dry run, would store) and what it found present."""

    def __init__(self, engine: Engine, dry_run: bool) -> None:
        self.engine = engine
        self.writer = SnapshotWriter(engine)
        self.dry_run = dry_run
        self.present = 0  # snapshots already stored
        self.added = 0  # snapshots stored
        self.rows_added = 0
        self.pending: list[list[ImportRow]] = []
        self.pending_rows = 0

    def add(self, rows: list[ImportRow]) -> None:
        self.pending.append(rows)
        self.pending_rows += len(rows)
        if len(self.pending) >= BATCH_SNAPSHOTS or self.pending_rows >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Store the pending snapshots in one transaction (all or none)."""
        items = []
        with read_connection(self.engine) as conn:
            for rows in self.pending:
                first = rows[0]
                key = {**asdict(first.key), "at": first.captured_at}
                if conn.execute(sql(_EXISTS_SQL), key).first() is not None:
                    self.present += 1
                    continue
                entries = tuple(
                    ChartEntry(
                        r.rank,
                        r.app_id,
                        r.name,
                        r.developer,
                        price_micros=r.price_micros,
                        currency=r.currency,
                        rating=r.rating,
                        installs=r.installs,
                    )
                    for r in sorted(rows, key=lambda r: r.rank)
                )
                when = from_epoch(first.captured_at)
                snapshot = ChartSnapshot(
                    ChartRequest(first.key, len(entries)),
                    entries,
                    None,
                    simulated=any(r.simulated for r in rows),  # never passed off as real
                )
                items.append((snapshot, when, Attempt(when, 0, "ok")))
        if items and not self.dry_run:
            self.writer.save_many(items)
        self.added += len(items)
        self.rows_added += sum(len(snapshot.entries) for snapshot, _, _ in items)
        self.pending, self.pending_rows = [], 0
