"""Movers: who rose, fell, entered and left one chart between two of its snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine

from tracker.config.selection import ChartSelection
from tracker.errors import ApprankError, UsageError
from tracker.models import ChartKey
from tracker.query.selection import select_charts, sql
from tracker.store.engine import read_connection
from tracker.store.listings import names_at
from tracker.timeutil import from_epoch, to_epoch


class NothingToCompare(ApprankError):
    """The chart has fewer than two snapshots (exit 1: nothing to show)."""


@dataclass(frozen=True, slots=True)
class Move:
    """One app's change: `previous` and `rank` are None where it was not in the chart."""

    app_id: str
    name: str
    developer: str | None
    previous: int | None
    rank: int | None

    @property
    def change(self) -> int | None:
        """Places gained (positive) or lost (negative); None for entries and drop-outs."""
        if self.previous is None or self.rank is None:
            return None
        return self.previous - self.rank


@dataclass(frozen=True, slots=True)
class Movers:
    """The moves between the snapshot at `from_at` and the one at `to_at`."""

    key: ChartKey
    from_at: datetime
    to_at: datetime
    gainers: list[Move]
    losers: list[Move]
    entered: list[Move]
    dropped: list[Move]


US = ChartSelection(countries=("us",))

_SNAPSHOT_SQL = """
SELECT s.id, s.captured_at, s.ranking_id, s.depth_returned FROM snapshot s
WHERE s.chart_id = :chart {where}
ORDER BY s.captured_at {order}, s.id {order} LIMIT 1
"""

_ENTRIES_SQL = """
SELECT e.rank, e.app_id, a.store_id, a.name, a.developer FROM ranking_entry e
JOIN app a ON a.id = e.app_id
WHERE e.ranking_id = :ranking ORDER BY e.rank
"""


def movers(
    engine: Engine,
    selection: ChartSelection = US,
    *,
    since: timedelta | datetime = timedelta(hours=24),
    limit: int | None = 10,
) -> Movers:
    """Compare the latest snapshot of the selection's chart in its one country (default: top
    free iPhone apps in the US) with the earlier one nearest `since`.

    A timedelta counts back from the latest snapshot (not from now, so a paused tracker still
    answers); a datetime is taken as is. An app beyond the other snapshot's returned depth is
    neither an entry nor a drop-out: that snapshot cannot say where it was.
    """
    if limit is not None and limit < 1:
        raise UsageError(f"limit must be at least 1, not {limit}")
    with read_connection(engine) as conn:
        country = selection.country  # ValueError unless it names exactly one
        charts = [c for c in select_charts(conn, selection) if c.key.country == country]
        stored = charts[0] if charts else None
        # select_charts keeps only charts with a snapshot, and none is ever deleted: `latest`
        # is None only if that changed in between, which is the same answer.
        latest = None if stored is None else _snapshot(conn, stored.id, "", "DESC", {})
        if stored is None or latest is None:
            raise NothingToCompare(
                f"no stored snapshot of {selection.chart} in {country}; run `apprank fetch` first"
            )
        target = (
            to_epoch(since)
            if isinstance(since, datetime)
            else latest[1] - int(since.total_seconds())
        )
        before = _snapshot(
            conn,
            stored.id,
            "AND s.captured_at <= :t AND s.id <> :latest",
            "DESC",
            {"t": target, "latest": latest[0]},
        )
        after = _snapshot(
            conn,
            stored.id,
            "AND s.captured_at >= :t AND s.id <> :latest",
            "ASC",
            {"t": target, "latest": latest[0]},
        )
        choices = [s for s in (before, after) if s is not None]
        if not choices:
            raise NothingToCompare(
                f"only one snapshot of {stored.key.label()}; nothing to compare yet"
            )
        # Nearest to the target; on a tie, the earlier one (the longer comparison).
        base = min(choices, key=lambda s: (abs(s[1] - target), s[1]))
        old = _entries(conn, stored.key, base)
        new = _entries(conn, stored.key, latest)
    return _moves(stored.key, base, latest, old, new, limit)


def _snapshot(
    conn: Connection, chart_id: int, where: str, order: str, params: dict[str, int]
) -> tuple[int, int, int, int] | None:
    row = conn.execute(
        sql(_SNAPSHOT_SQL.format(where=where, order=order)), {"chart": chart_id, **params}
    ).first()
    return (
        None if row is None else (row.id, int(row.captured_at), row.ranking_id, row.depth_returned)
    )


def _entries(
    conn: Connection, key: ChartKey, snapshot: tuple[int, int, int, int]
) -> dict[str, tuple[int, str, str | None]]:
    """store id -> (rank, name, developer) in the snapshot: the names its storefront showed
    then (an app dropped since keeps the name it had in the older snapshot)."""
    rows = conn.execute(sql(_ENTRIES_SQL), {"ranking": snapshot[2]}).all()
    shown = names_at(conn, (key.source, key.country), [r.app_id for r in rows], snapshot[1])
    return {r.store_id: (int(r.rank), *shown.get(r.app_id, (r.name, r.developer))) for r in rows}


def _moves(
    key: ChartKey,
    base: tuple[int, int, int, int],
    latest: tuple[int, int, int, int],
    old: dict[str, tuple[int, str, str | None]],
    new: dict[str, tuple[int, str, str | None]],
    limit: int | None,
) -> Movers:
    old_depth, new_depth = base[3], latest[3]
    both = [
        Move(app, name, dev, old[app][0], rank)
        for app, (rank, name, dev) in new.items()
        if app in old
    ]
    gainers = sorted(
        (m for m in both if (m.change or 0) > 0), key=lambda m: (-(m.change or 0), m.rank)
    )
    losers = sorted((m for m in both if (m.change or 0) < 0), key=lambda m: (m.change or 0, m.rank))
    entered = [
        Move(app, name, dev, None, rank)
        for app, (rank, name, dev) in new.items()
        if app not in old and rank <= old_depth
    ]
    dropped = [
        Move(app, name, dev, rank, None)
        for app, (rank, name, dev) in old.items()
        if app not in new and rank <= new_depth
    ]
    dropped.sort(key=lambda m: m.previous or 0)
    return Movers(
        key=key,
        from_at=from_epoch(base[1]),
        to_at=from_epoch(latest[1]),
        gainers=gainers[:limit],
        losers=losers[:limit],
        entered=entered[:limit],
        dropped=dropped[:limit],
    )
