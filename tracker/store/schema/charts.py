"""The chart history tables. `ranking_entry` is the big one: narrow, integers only, WITHOUT ROWID.

A ranking is the ordered list of apps a chart showed, content-addressed by a digest of its app
ids, so an unchanged chart fetched again adds a `snapshot` row and no `ranking_entry` rows.
Times are UTC-aware datetimes in Python and integer epoch seconds in the database (the same
on SQLite and PostgreSQL, compact, and immune to SQLite dropping offsets).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    LargeBinary,
    SmallInteger,
    UniqueConstraint,
    false,
    text,
)
from sqlmodel import Field, SQLModel

from tracker.store.schema.base import table_of
from tracker.store.schema.views import UTCEpoch
from tracker.text.values import PACKAGE_NAME_MAX, STORE_ID_MAX


class App(SQLModel, table=True):
    """One store app, with the latest metadata a feed showed for it."""

    __tablename__ = "app"
    __table_args__ = (UniqueConstraint("store", "store_id", name="uq_app_store_id"),)

    id: int | None = Field(default=None, primary_key=True)
    store: str = Field(default="apple", max_length=16)
    # The longest id any store's rule takes: Google Play's package names run to 150 characters.
    store_id: str = Field(max_length=max(STORE_ID_MAX, PACKAGE_NAME_MAX))
    name: str
    developer: str | None = None
    bundle_id: str | None = None
    icon_url: str | None = None
    url: str | None = None
    genre: str | None = None
    release_date: str | None = Field(default=None, max_length=10)
    # Google Play's entries carry these (migration 0009); the App Store's leave them NULL.
    price_micros: int | None = Field(default=None, sa_type=BigInteger)
    currency: str | None = Field(default=None, max_length=3)
    rating: float | None = None
    installs: str | None = None


class Chart(SQLModel, table=True):
    """One distinct chart: source x country x chart kind x category x device."""

    __tablename__ = "chart"
    __table_args__ = (
        UniqueConstraint("source", "country", "kind", "category", "device", name="uq_chart"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)
    country: str = Field(max_length=8)
    kind: str = Field(max_length=32)
    category: str = Field(default="all", max_length=16)
    device: str = Field(default="iphone", max_length=16)


class Ranking(SQLModel, table=True):
    """An ordered list of apps, stored once however often a chart showed it."""

    __tablename__ = "ranking"

    id: int | None = Field(default=None, primary_key=True)
    digest: bytes = Field(sa_column=Column(LargeBinary(16), nullable=False, unique=True))
    size: int = Field(sa_column=Column(SmallInteger, nullable=False))


class RankingEntry(SQLModel, table=True):
    """(ranking, rank) -> app. The only table that grows with every changed chart."""

    __tablename__ = "ranking_entry"
    __table_args__ = (
        Index("ix_ranking_entry_app", "app_id", "ranking_id"),
        {"sqlite_with_rowid": False},
    )

    ranking_id: int = Field(foreign_key="ranking.id", primary_key=True)
    rank: int = Field(sa_column=Column(SmallInteger, primary_key=True, autoincrement=False))
    app_id: int = Field(foreign_key="app.id")


class Snapshot(SQLModel, table=True):
    """One successful fetch of one chart: when, the feed's own time, depths, the ranking."""

    __tablename__ = "snapshot"
    __table_args__ = (
        # Covering: history and presence read (chart, time) ranges without table rows.
        Index("ix_snapshot_chart_time", "chart_id", "captured_at", "ranking_id", "depth_returned"),
        Index("ix_snapshot_ranking", "ranking_id"),
        # Pruning the archive finds a body's snapshots (and PostgreSQL checks the foreign key).
        Index("ix_snapshot_payload", "payload_id"),
        # ix_snapshot_simulated, partial, is added by simulated_index() for migrations and new
        # databases only: its postgresql_where would load the PostgreSQL dialect in every process.
        UniqueConstraint("chart_id", "slot", name="uq_snapshot_slot"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chart_id: int = Field(foreign_key="chart.id")
    captured_at: datetime = Field(sa_type=UTCEpoch, nullable=False)
    feed_updated_at: datetime | None = Field(default=None, sa_type=UTCEpoch)
    depth_requested: int = Field(sa_column=Column(SmallInteger, nullable=False))
    depth_returned: int = Field(sa_column=Column(SmallInteger, nullable=False))
    ranking_id: int = Field(foreign_key="ranking.id")
    # The scheduled time slot (epoch seconds of its start) when a daemon took it; NULL otherwise.
    slot: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    # Served by apprank's simulator (it says so in a response header), not by the App Store.
    simulated: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    # The archived response body it was parsed from (schema/archive.py); NULL for snapshots
    # stored before the archive existed, with `[archive] keep = "off"` or once pruned.
    payload_id: int | None = Field(default=None, foreign_key="payload.id")


class FetchAttempt(SQLModel, table=True):
    """Every try at fetching a chart, success or failure."""

    __tablename__ = "fetch_attempt"
    __table_args__ = (
        Index("ix_fetch_attempt_chart_time", "chart_id", "started_at"),
        Index("ix_fetch_attempt_payload", "payload_id"),
        # A snapshot's attempt (the URL it came from: provenance) is one seek.
        Index("ix_fetch_attempt_snapshot", "snapshot_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chart_id: int = Field(foreign_key="chart.id")
    started_at: datetime = Field(sa_type=UTCEpoch, nullable=False)
    duration_ms: int = 0
    outcome: str = Field(max_length=16)
    http_status: int | None = None
    error: str | None = None
    url: str | None = None
    snapshot_id: int | None = Field(default=None, foreign_key="snapshot.id")
    # A refused body (format, empty) is archived with its attempt, to be diagnosed later.
    payload_id: int | None = Field(default=None, foreign_key="payload.id")


OUTCOMES = (
    "ok",
    "http_error",
    "timeout",
    "network",
    "format",
    "empty",
    "too_large",
    "paused",
    "store",
)


_SIMULATED_INDEX = "ix_snapshot_simulated"


def with_simulated_index() -> None:
    """Add the partial index holding only simulated snapshots (none in a real deployment), so
    asking whether the data in a range was simulated is one probe and costs real histories
    nothing. Declared here, at first need, not on the model: a dialect keyword argument
    (`postgresql_where`) imports that dialect, and with it asyncpg's, in every process that
    loads the schema. Idempotent; migrate.target_metadata() calls it."""
    snapshot = table_of(Snapshot)
    if any(index.name == _SIMULATED_INDEX for index in snapshot.indexes):
        return
    Index(
        _SIMULATED_INDEX,
        snapshot.c.chart_id,
        snapshot.c.captured_at,
        sqlite_where=text("simulated"),
        postgresql_where=text("simulated"),
    )
