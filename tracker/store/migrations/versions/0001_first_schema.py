"""first schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 13:45:39.320592
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # the submodule autogenerate references, imported by name
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# long: a migration is written once, as it ran against real databases; splitting it now would
# only risk changing what it creates.
def upgrade() -> None:
    op.create_table(
        "app",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("store_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("developer", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("bundle_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("icon_url", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("genre", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("release_date", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("store", "store_id", name="uq_app_store_id"),
    )
    op.create_table(
        "chart",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("device", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "country", "kind", "category", "device", name="uq_chart"),
    )
    op.create_table(
        "ranking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.LargeBinary(length=16), nullable=False),
        sa.Column("size", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest"),
    )
    op.create_table(
        "ranking_entry",
        sa.Column("ranking_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["app.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ranking_id"],
            ["ranking.id"],
        ),
        sa.PrimaryKeyConstraint("ranking_id", "rank"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("ranking_entry", schema=None) as batch_op:
        batch_op.create_index("ix_ranking_entry_app", ["app_id", "ranking_id"], unique=False)

    op.create_table(
        "snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chart_id", sa.Integer(), nullable=False),
        sa.Column("captured_at", sa.BigInteger(), nullable=False),
        sa.Column("feed_updated_at", sa.BigInteger(), nullable=True),
        sa.Column("depth_requested", sa.SmallInteger(), nullable=False),
        sa.Column("depth_returned", sa.SmallInteger(), nullable=False),
        sa.Column("ranking_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["chart_id"],
            ["chart.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ranking_id"],
            ["ranking.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chart_id", "slot", name="uq_snapshot_slot"),
    )
    with op.batch_alter_table("snapshot", schema=None) as batch_op:
        batch_op.create_index("ix_snapshot_chart_time", ["chart_id", "captured_at"], unique=False)
        batch_op.create_index("ix_snapshot_ranking", ["ranking_id"], unique=False)

    op.create_table(
        "fetch_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chart_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("snapshot_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["chart_id"],
            ["chart.id"],
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["snapshot.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("fetch_attempt", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fetch_attempt_chart_time", ["chart_id", "started_at"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("fetch_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_fetch_attempt_chart_time")

    op.drop_table("fetch_attempt")
    with op.batch_alter_table("snapshot", schema=None) as batch_op:
        batch_op.drop_index("ix_snapshot_ranking")
        batch_op.drop_index("ix_snapshot_chart_time")

    op.drop_table("snapshot")
    with op.batch_alter_table("ranking_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_ranking_entry_app")

    op.drop_table("ranking_entry")
    op.drop_table("ranking")
    op.drop_table("chart")
    op.drop_table("app")
