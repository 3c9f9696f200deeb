"""What the store holds now: the latest snapshot of one chart (`top`) and, per tracked chart,
its last success and failure (`status`).

`apprank top` / `apprank status` and the web API's `/api/v1/top` / `/api/v1/status` compute
their answers here, so `--json` and the API print the same objects. Light on purpose: `top`
loads neither NumPy nor the history queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from tracker.errors import NothingStored, UsageError
from tracker.models import ChartKey
from tracker.query.params import chart_selection
from tracker.store.reads import TopChart, chart_status, latest_chart
from tracker.timeutil import isoformat_z


def top_key(
    country: str, chart: str, source: str | None, category: str, device: str | None
) -> ChartKey:
    """The chart `top` shows, its options checked as `history` and `movers` check theirs (a
    misspelt chart must not fall through to another source and "no stored snapshot"), and
    offered by its source (--source, else the chart's usual one)."""
    from tracker.config.selection import SelectionError

    selection = chart_selection(chart, source, category, device, country=country)
    try:
        return selection.key()
    except SelectionError as exc:
        raise UsageError(str(exc), param=exc.field) from None


@dataclass(frozen=True, slots=True)
class TopAnswer:
    key: ChartKey
    chart: TopChart

    def json(self) -> dict[str, Any]:
        key, result = self.key, self.chart
        return {
            "source": key.source,
            "country": key.country,
            "chart": key.chart,
            "category": key.category,
            "device": key.device,
            "captured_at": isoformat_z(result.captured_at),
            "feed_updated_at": result.feed_updated_at and isoformat_z(result.feed_updated_at),
            "previous_captured_at": result.previous_captured_at
            and isoformat_z(result.previous_captured_at),
            "simulated": result.simulated,
            "provenance": result.provenance and result.provenance.to_json(),
            "entries": [
                {
                    "rank": e.rank,
                    "app_id": e.app_id,
                    "name": e.name,
                    "developer": e.developer,
                    "previous_rank": e.previous_rank,
                    "change": change(e.previous_rank, e.rank),
                }
                for e in result.entries
            ],
        }


def top(engine: Engine, key: ChartKey, limit: int | None = None) -> TopAnswer:
    """The latest stored snapshot of `key` (its first `limit` ranks), with each app's rank in
    the snapshot before; NothingStored when there is none."""
    result = latest_chart(engine, key, limit)
    if result is None:
        raise NothingStored(f"no stored snapshot of {key.label()}; run `apprank fetch` first")
    return TopAnswer(key, result)


def change(previous: int | None, rank: int) -> int | None:
    """Places gained since the snapshot before (as in `movers`): None when not in it."""
    return None if previous is None else previous - rank


def status_rows(engine: Engine, keys: Sequence[ChartKey], now: datetime) -> list[dict[str, Any]]:
    """Per tracked chart: its last success, last attempt and error, and how long it has been
    failing (`apprank status --json`, one object per chart)."""
    from tracker.store.daemon_state import format_age

    rows = []
    for item in chart_status(engine, keys):
        failing_for = now - item.failing_since if item.failing_since else None
        rows.append(
            {
                "source": item.key.source,
                "country": item.key.country,
                "chart": item.key.chart,
                "category": item.key.category,
                "device": item.key.device,
                "last_success_at": item.last_success_at and isoformat_z(item.last_success_at),
                "last_attempt_at": item.last_attempt_at and isoformat_z(item.last_attempt_at),
                "last_error": item.last_error,
                "last_error_at": item.last_error_at and isoformat_z(item.last_error_at),
                "failing_since": item.failing_since and isoformat_z(item.failing_since),
                "failing_for": failing_for and format_age(failing_for),
                "failing_for_s": failing_for and int(failing_for.total_seconds()),
                "snapshots": item.snapshots,
                "consecutive_failures": item.failures,
            }
        )
    return rows
