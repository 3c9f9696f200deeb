"""The tables as read paths see them: SQLAlchemy Core `table()`s, no SQLModel, no ORM.

The SQLModel modules beside this one (`charts`, `daemon`, `alerts`) define the tables for
migrations and writes; importing them loads SQLModel, pydantic and SQLAlchemy's ORM, about
0.16 s of every command's start-up. The reads behind `top`, `status` and app names select from
these lightweight views instead; tests/store/test_tables.py keeps every column here equal, in
name and type, to the SQLModel tables'.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    column,
)
from sqlalchemy import table as core_table
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import TypeDecorator

from tracker.models import ChartKey
from tracker.timeutil import from_epoch, to_epoch


class UTCEpoch(TypeDecorator[datetime]):
    """An aware datetime stored as integer seconds since the epoch (UTC)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, int):
            return value
        return to_epoch(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else from_epoch(int(value))


APP: TableClause = core_table(
    "app",
    column("id", Integer),
    column("store", String),
    column("store_id", String),
    column("name", String),
    column("developer", String),
    column("bundle_id", String),
    column("icon_url", String),
    column("url", String),
    column("genre", String),
    column("release_date", String),
    column("price_micros", BigInteger),
    column("currency", String),
    column("rating", Float),
    column("installs", String),
)
CHART: TableClause = core_table(
    "chart",
    column("id", Integer),
    column("source", String),
    column("country", String),
    column("kind", String),
    column("category", String),
    column("device", String),
)
RANKING: TableClause = core_table(
    "ranking",
    column("id", Integer),
    column("digest", LargeBinary),
    column("size", SmallInteger),
)
ENTRY: TableClause = core_table(
    "ranking_entry",
    column("ranking_id", Integer),
    column("rank", SmallInteger),
    column("app_id", Integer),
)
SNAPSHOT: TableClause = core_table(
    "snapshot",
    column("id", Integer),
    column("chart_id", Integer),
    column("captured_at", UTCEpoch),
    column("feed_updated_at", UTCEpoch),
    column("depth_requested", SmallInteger),
    column("depth_returned", SmallInteger),
    column("ranking_id", Integer),
    column("slot", BigInteger),
    column("simulated", Boolean),
    column("payload_id", Integer),
)
ATTEMPT: TableClause = core_table(
    "fetch_attempt",
    column("id", Integer),
    column("chart_id", Integer),
    column("started_at", UTCEpoch),
    column("duration_ms", Integer),
    column("outcome", String),
    column("http_status", Integer),
    column("error", String),
    column("url", String),
    column("snapshot_id", Integer),
    column("payload_id", Integer),
)
PAYLOAD: TableClause = core_table(
    "payload",
    column("id", Integer),
    column("sha256", LargeBinary),
    column("chart_id", Integer),
    column("stored_at", UTCEpoch),
    column("size", Integer),
    column("codec", String),
    column("base_id", Integer),
    column("chain", SmallInteger),
    column("data", LargeBinary),
)
CLAIM: TableClause = core_table(
    "chart_claim",
    column("chart_id", Integer),
    column("slot", BigInteger),
    column("owner", String),
    column("claimed_at", UTCEpoch),
)

HEARTBEAT: TableClause = core_table(
    "daemon_heartbeat",
    column("instance", String),
    column("host", String),
    column("pid", Integer),
    column("version", String),
    column("started_at", UTCEpoch),
    column("beat_at", UTCEpoch),
    column("beat_every", Float),
    column("state", String),
    column("cycles", Integer),
)
CYCLE: TableClause = core_table(
    "daemon_cycle",
    column("id", Integer),
    column("instance", String),
    column("track", String),
    column("slot", BigInteger),
    column("started_at", UTCEpoch),
    column("finished_at", UTCEpoch),
    column("charts", Integer),
    column("ok", Integer),
    column("failed", Integer),
    column("skipped", Integer),
    column("catch_up", Boolean),
    column("note", String),
)

LISTING: TableClause = core_table(
    "app_listing",
    column("id", Integer),
    column("app_id", Integer),
    column("source", String),
    column("country", String),
    column("valid_from", UTCEpoch),
    column("snapshot_id", Integer),
    column("name", String),
    column("developer", String),
    column("bundle_id", String),
    column("icon_url", String),
    column("url", String),
    column("genre", String),
    column("release_date", String),
    column("price_micros", BigInteger),
    column("currency", String),
    column("rating", Float),
    column("installs", String),
)

TABLES = (
    APP,
    LISTING,
    CHART,
    RANKING,
    ENTRY,
    SNAPSHOT,
    ATTEMPT,
    PAYLOAD,
    CLAIM,
    HEARTBEAT,
    CYCLE,
)


def chart_key(row: Any, *, kind: str = "kind") -> ChartKey:
    """The chart a row names by the `chart` table's columns (source, country, kind, category,
    device). Alert events call the kind column `chart`: pass `kind="chart"` for those."""
    return ChartKey(row.source, row.country, getattr(row, kind), row.category, row.device)
