"""One database copy's state, and the row helpers its steps share (tracker/store/copy.py runs
the copy; tracker/store/copy_snapshots.py copies the snapshots)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, Table

from tracker.store.migrate import target_metadata

BATCH = 500  # snapshots per transaction (with their rankings' rank rows: ~50,000 rows)
IN_LIST = 500  # values per IN (...): under SQLite's old limit of 999 parameters

Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class CopyRun:
    """What one copy learnt and wrote: id maps source -> destination, and counts."""

    source: Engine
    destination: Engine
    batch: int
    progress: Progress | None
    apps: dict[int, int] = field(default_factory=dict)
    charts: dict[int, int] = field(default_factory=dict)
    new_rankings: list[tuple[int, int]] = field(default_factory=list)  # (source id, dest id)
    copied: Counter[str] = field(default_factory=Counter)
    snapshots: list[dict[str, Any]] = field(default_factory=list)  # pending, with attempts
    attempts: list[dict[str, Any]] = field(default_factory=list)  # pending, on their own
    done: int = 0
    total: int = 0


def named_table(name: str) -> Table:
    """A table of the schema the migrations create, by name (the copy reads every column)."""
    return target_metadata().tables[name]


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def without(row: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in names}
