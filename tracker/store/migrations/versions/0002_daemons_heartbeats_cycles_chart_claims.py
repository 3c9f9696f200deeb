"""daemons: heartbeats, cycles, chart claims

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 14:01:58.851081
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # the submodule autogenerate references, imported by name
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "daemon_cycle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("track", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("slot", sa.BigInteger(), nullable=True),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.BigInteger(), nullable=False),
        sa.Column("charts", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("catch_up", sa.Boolean(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("daemon_cycle", schema=None) as batch_op:
        batch_op.create_index("ix_daemon_cycle_finished", ["finished_at"], unique=False)

    op.create_table(
        "daemon_heartbeat",
        sa.Column("instance", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("host", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("beat_at", sa.BigInteger(), nullable=False),
        sa.Column("beat_every", sa.Float(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("cycles", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("instance"),
    )
    op.create_table(
        "chart_claim",
        sa.Column("chart_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("claimed_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chart_id"],
            ["chart.id"],
        ),
        sa.PrimaryKeyConstraint("chart_id", "slot"),
    )


def downgrade() -> None:
    op.drop_table("chart_claim")
    op.drop_table("daemon_heartbeat")
    with op.batch_alter_table("daemon_cycle", schema=None) as batch_op:
        batch_op.drop_index("ix_daemon_cycle_finished")

    op.drop_table("daemon_cycle")
