"""Alert tables (SQLModel): fired events and their deliveries, one row per (event, target).

The queries on them are `tracker/alerts/store.py`'s; the tables are here with every other one,
so migrations and the store never import the alerts package.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.store.schema.base import table_of
from tracker.store.schema.views import UTCEpoch


class AlertEventRow(SQLModel, table=True):
    """One rule firing for one app in one snapshot of one chart."""

    __tablename__ = "alert_event"
    __table_args__ = (
        UniqueConstraint("event_id", name="uq_alert_event_id"),
        # One event per rule and snapshot: evaluating the same snapshot twice fires once.
        UniqueConstraint("rule", "snapshot_id", name="uq_alert_event_rule_snapshot"),
        Index("ix_alert_event_cooldown", "rule", "country", "captured_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=32)
    rule: str = Field(max_length=128)
    condition: str = Field(max_length=256)
    app_id: str = Field(max_length=64)
    app_name: str
    source: str = Field(max_length=16)
    country: str = Field(max_length=8)
    chart: str = Field(max_length=32)
    category: str = Field(max_length=16)
    device: str = Field(max_length=16)
    rank: int | None = None  # None: not in chart
    previous_rank: int | None = None
    depth: int
    previous_depth: int
    captured_at: datetime = Field(sa_type=UTCEpoch, nullable=False)
    previous_captured_at: datetime = Field(sa_type=UTCEpoch, nullable=False)
    snapshot_id: int
    rival_id: str | None = Field(default=None, max_length=64)
    rival_name: str | None = None
    rival_rank: int | None = None
    rival_previous_rank: int | None = None
    message: str
    created_at: datetime = Field(sa_type=UTCEpoch, nullable=False)


class AlertDeliveryRow(SQLModel, table=True):
    """One event's delivery to one target: pending until a send succeeds."""

    __tablename__ = "alert_delivery"
    __table_args__ = (Index("ix_alert_delivery_due", "state", "next_attempt_at"),)

    alert_id: int = Field(foreign_key="alert_event.id", primary_key=True)
    target: str = Field(primary_key=True, max_length=80)
    state: str = Field(max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCEpoch, nullable=False)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCEpoch)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCEpoch)
    http_status: int | None = None
    last_error: str | None = None


EVENT = table_of(AlertEventRow)
DELIVERY = table_of(AlertDeliveryRow)
TABLES = (EVENT, DELIVERY)
