"""digest_sent: the last slot of each [[digest]] sent

Revision ID: 0010
Revises: 0009

One row per digest name: the slot (epoch seconds of the cron fire time) last claimed for
sending, when and by which daemon. A digest missed while the daemon was down is then sent once
on catch-up, not once per missed slot, and several daemons send each slot once.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # the submodule autogenerate references, imported by name
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digest_sent",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("slot", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", sa.BigInteger(), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("digest_sent")
