"""alerts: fired events and their deliveries

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # the submodule autogenerate references, imported by name
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("rule", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("condition", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("app_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("app_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("chart", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("device", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("previous_rank", sa.Integer(), nullable=True),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("previous_depth", sa.Integer(), nullable=False),
        sa.Column("captured_at", sa.BigInteger(), nullable=False),
        sa.Column("previous_captured_at", sa.BigInteger(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("rival_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("rival_name", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("rival_rank", sa.Integer(), nullable=True),
        sa.Column("rival_previous_rank", sa.Integer(), nullable=True),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", name="uq_alert_event_id"),
        sa.UniqueConstraint("rule", "snapshot_id", name="uq_alert_event_rule_snapshot"),
    )
    with op.batch_alter_table("alert_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alert_event_cooldown", ["rule", "country", "captured_at"], unique=False
        )

    op.create_table(
        "alert_delivery",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger(), nullable=False),
        sa.Column("last_attempt_at", sa.BigInteger(), nullable=True),
        sa.Column("delivered_at", sa.BigInteger(), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["alert_event.id"]),
        sa.PrimaryKeyConstraint("alert_id", "target"),
    )
    with op.batch_alter_table("alert_delivery", schema=None) as batch_op:
        batch_op.create_index("ix_alert_delivery_due", ["state", "next_attempt_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alert_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_delivery_due")
    op.drop_table("alert_delivery")
    with op.batch_alter_table("alert_event", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_event_cooldown")
    op.drop_table("alert_event")
