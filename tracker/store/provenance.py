"""Where a stored snapshot came from: the URL fetched, when, the feed's own time, the digest of
the body as served (tracker/store/archive.py), the depths and the source. `top --json` and
`export --format jsonl` carry it (issue 17 item 5).

One statement per IN_LIST snapshots: each joins its chart, its payload's digest (NULL: not
archived) and its attempt's URL by ix_fetch_attempt_snapshot. A snapshot made by `apprank
import` has no attempt (url null); one reparse made from a refused body has the refused attempt.
Through the Core views: no ORM, and no zstandard (digests only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from tracker.store.schema.views import ATTEMPT, CHART, PAYLOAD, SNAPSHOT
from tracker.timeutil import isoformat_z

IN_LIST = 500  # ids per IN (...): under SQLite's old limit of 999 parameters


@dataclass(frozen=True, slots=True)
class Provenance:
    url: str | None  # as stored: credentials of a base_url masked
    fetched_at: datetime  # the snapshot's captured_at (the simulator's clock for its charts)
    feed_updated_at: datetime | None
    payload_sha256: str | None  # hex; None: the body is not archived
    depth_requested: int
    depth_returned: int
    source: str

    def to_json(self) -> dict[str, object]:
        return {
            "url": self.url,
            "fetched_at": isoformat_z(self.fetched_at),
            "feed_updated_at": self.feed_updated_at and isoformat_z(self.feed_updated_at),
            "payload_sha256": self.payload_sha256,
            "depth_requested": self.depth_requested,
            "depth_returned": self.depth_returned,
            "source": self.source,
        }


def provenance(conn: Connection, snapshot_ids: Sequence[int]) -> dict[int, Provenance]:
    """snapshot id -> its provenance, for those of `snapshot_ids` that exist."""
    found: dict[int, Provenance] = {}
    ids = list(dict.fromkeys(snapshot_ids))
    # An attempt per snapshot; min() only makes the statement well defined.
    url = (
        select(func.min(ATTEMPT.c.url))
        .where(ATTEMPT.c.snapshot_id == SNAPSHOT.c.id)
        .scalar_subquery()
    )
    for start in range(0, len(ids), IN_LIST):
        query = (
            select(
                SNAPSHOT.c.id,
                SNAPSHOT.c.captured_at,
                SNAPSHOT.c.feed_updated_at,
                SNAPSHOT.c.depth_requested,
                SNAPSHOT.c.depth_returned,
                CHART.c.source,
                PAYLOAD.c.sha256,
                url.label("url"),
            )
            .select_from(
                SNAPSHOT.join(CHART, CHART.c.id == SNAPSHOT.c.chart_id).outerjoin(
                    PAYLOAD, PAYLOAD.c.id == SNAPSHOT.c.payload_id
                )
            )
            .where(SNAPSHOT.c.id.in_(ids[start : start + IN_LIST]))
        )
        for row in conn.execute(query):
            found[int(row.id)] = Provenance(
                url=row.url,
                fetched_at=row.captured_at,
                feed_updated_at=row.feed_updated_at,
                payload_sha256=None if row.sha256 is None else bytes(row.sha256).hex(),
                depth_requested=int(row.depth_requested),
                depth_returned=int(row.depth_returned),
                source=row.source,
            )
    return found
