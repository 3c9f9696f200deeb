"""The daemons' tables (SQLModel, for migrations and new databases): heartbeats and cycle
summaries, which `store/daemon_state.py` reads and writes through the Core views in `views.py`,
and the chart claims of `store/claims.py`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Float, Index
from sqlmodel import Field, SQLModel

# chart_claim's foreign key names chart.id: that table must be in the metadata too.
import tracker.store.schema.charts  # noqa: F401
from tracker.store.schema.views import UTCEpoch


class DaemonHeartbeat(SQLModel, table=True):
    """The latest sign of life of one daemon instance (one row per instance, overwritten)."""

    __tablename__ = "daemon_heartbeat"

    instance: str = Field(primary_key=True, max_length=128)
    host: str = Field(max_length=128)
    pid: int
    version: str = Field(max_length=32)
    started_at: datetime = Field(sa_type=UTCEpoch, nullable=False)
    beat_at: datetime = Field(sa_type=UTCEpoch, nullable=False)
    # The promised period between beats, so readers can judge staleness without the config.
    beat_every: float = Field(sa_column=Column(Float, nullable=False))
    state: str = Field(max_length=16)  # "running" or "stopped"
    cycles: int = 0


class DaemonCycle(SQLModel, table=True):
    """What one scheduled fetch cycle of one track did."""

    __tablename__ = "daemon_cycle"
    __table_args__ = (Index("ix_daemon_cycle_finished", "finished_at"),)

    id: int | None = Field(default=None, primary_key=True)
    instance: str = Field(max_length=128)
    track: str = Field(max_length=128)
    slot: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    started_at: datetime = Field(sa_type=UTCEpoch, nullable=False)
    finished_at: datetime = Field(sa_type=UTCEpoch, nullable=False)
    charts: int = 0
    ok: int = 0
    failed: int = 0
    skipped: int = 0  # already stored for the slot (restart, catch-up) or another daemon's
    catch_up: bool = False
    note: str | None = None  # e.g. "deadline reached", "stopped"


class ChartClaim(SQLModel, table=True):
    """Which daemon took a chart for a time slot: several daemons on one database fetch each
    (chart, slot) once. The primary key makes the claim atomic on every database.
    """

    __tablename__ = "chart_claim"

    chart_id: int = Field(foreign_key="chart.id", primary_key=True)
    slot: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    owner: str = Field(max_length=128)
    claimed_at: datetime = Field(sa_type=UTCEpoch, nullable=False)


class DigestSent(SQLModel, table=True):
    """The last slot of each `[[digest]]` sent (or being sent): a digest missed while the
    daemon was down goes once on catch-up, and several daemons send each slot once."""

    __tablename__ = "digest_sent"

    name: str = Field(primary_key=True, max_length=128)
    slot: int = Field(sa_column=Column(BigInteger, nullable=False))  # epoch s of its fire time
    sent_at: datetime = Field(sa_type=UTCEpoch, nullable=False)
    owner: str = Field(max_length=128)
