"""snapshot index by (chart, time) covers ranking and depth: history reads no table rows

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COVERING = ["chart_id", "captured_at", "ranking_id", "depth_returned"]


def upgrade() -> None:
    with op.batch_alter_table("snapshot", schema=None) as batch_op:
        batch_op.drop_index("ix_snapshot_chart_time")
        batch_op.create_index("ix_snapshot_chart_time", COVERING, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("snapshot", schema=None) as batch_op:
        batch_op.drop_index("ix_snapshot_chart_time")
        batch_op.create_index("ix_snapshot_chart_time", ["chart_id", "captured_at"], unique=False)
