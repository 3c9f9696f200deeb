"""snapshot.simulated: data the simulator served stays labelled (existing rows are real)

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A constant default: SQLite adds the column without rebuilding the table, PostgreSQL
    # without rewriting it, and every stored snapshot reads as real (false).
    op.add_column(
        "snapshot",
        sa.Column("simulated", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index(
        "ix_snapshot_simulated",
        "snapshot",
        ["chart_id", "captured_at"],
        unique=False,
        sqlite_where=sa.text("simulated"),
        postgresql_where=sa.text("simulated"),
    )


def downgrade() -> None:
    op.drop_index("ix_snapshot_simulated", table_name="snapshot")
    with op.batch_alter_table("snapshot", schema=None) as batch_op:
        batch_op.drop_column("simulated")
