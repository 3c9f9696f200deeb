"""Storage: tables, engine set-up, the write path and the reads behind `top` and `status`."""

from tracker.store.engine import open_engine, read_connection, write_transaction
from tracker.store.writer import Attempt, Saved, SnapshotWriter

__all__ = [
    "Attempt",
    "Saved",
    "SnapshotWriter",
    "open_engine",
    "read_connection",
    "write_transaction",
]
