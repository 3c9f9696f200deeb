"""An alert event: one rule firing for one app in one chart, and its stable JSON shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tracker.models import ChartKey
from tracker.timeutil import isoformat_z


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """What fired. `rank` / `previous_rank` None means "not in chart" (below `depth` /
    `previous_depth`, the rows those snapshots returned); never "no data": rules only ever
    compare two real snapshots.
    """

    event_id: str  # uuid4 hex: receivers de-duplicate on it (delivery is at least once)
    rule: str
    when: str
    app_id: str
    app_name: str
    key: ChartKey
    rank: int | None
    previous_rank: int | None
    depth: int
    previous_depth: int
    captured_at: datetime
    previous_captured_at: datetime
    snapshot_id: int
    message: str
    rival_id: str | None = None
    rival_name: str | None = None
    rival_rank: int | None = None
    rival_previous_rank: int | None = None
    targets: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The event as webhooks and `apprank alerts list --json` show it."""
        return {
            "event_id": self.event_id,
            "rule": self.rule,
            "when": self.when,
            "app_id": self.app_id,
            "app_name": self.app_name,
            "source": self.key.source,
            "country": self.key.country,
            "chart": self.key.chart,
            "category": self.key.category,
            "device": self.key.device,
            "rank": self.rank,
            "previous_rank": self.previous_rank,
            "depth": self.depth,
            "previous_depth": self.previous_depth,
            "captured_at": isoformat_z(self.captured_at),
            "previous_captured_at": isoformat_z(self.previous_captured_at),
            "rival_id": self.rival_id,
            "rival_name": self.rival_name,
            "rival_rank": self.rival_rank,
            "rival_previous_rank": self.rival_previous_rank,
            "message": self.message,
        }
