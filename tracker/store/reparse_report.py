"""What `apprank reparse` found and did (tracker/store/reparse.py): counts, what differed, and
the first few snapshots that differ. Free of the store's writing code: the CLI formats it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from tracker.models import ChartKey
from tracker.timeutil import isoformat_z

ASPECTS = ("ranks", "depth", "feed_updated_at", "listings")  # what may differ, in report order
EXAMPLES = 10


@dataclass(frozen=True, slots=True)
class Example:
    """A snapshot that differs, and how."""

    snapshot_id: int
    chart: ChartKey
    captured_at: datetime
    changes: tuple[str, ...]  # of ASPECTS

    def to_json(self) -> dict[str, object]:
        return {
            "snapshot_id": self.snapshot_id,
            "chart": self.chart.label(),
            "captured_at": isoformat_z(self.captured_at),
            "changes": list(self.changes),
        }


@dataclass(slots=True)
class ReparseReport:
    snapshots: int = 0  # in the window
    not_archived: int = 0
    unchanged: int = 0
    differ: int = 0
    now_refused: int = 0  # archived bodies the current parser refuses: left as they are
    refused_now_parse: int = 0
    still_refused: int = 0
    changes: Counter[str] = field(default_factory=Counter)  # what differed: ranks, depth, ...
    replaced: int = 0  # snapshots rewritten (apply)
    created: int = 0  # snapshots made from refused bodies (apply)
    applied: bool = False
    seconds: float = 0.0
    examples: list[Example] = field(default_factory=list)  # the first EXAMPLES that differ

    def to_json(self) -> dict[str, object]:
        return {
            "snapshots": self.snapshots,
            "differ": self.differ,
            "refused_now_parse": self.refused_now_parse,
            "still_refused": self.still_refused,
            "unchanged": self.unchanged,
            "not_archived": self.not_archived,
            "now_refused": self.now_refused,
            "changes": {k: self.changes[k] for k in ASPECTS},
            "applied": self.applied,
            "replaced": self.replaced,
            "created": self.created,
            "examples": [e.to_json() for e in self.examples],
        }
