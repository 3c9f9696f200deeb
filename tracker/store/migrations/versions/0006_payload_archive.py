"""payload: the raw archive of response bodies; snapshot and fetch_attempt point at theirs

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # the submodule autogenerate references, imported by name
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Both tables gain a nullable reference: every stored row reads "not archived" (NULL).
REFERRING = (
    ("snapshot", "ix_snapshot_payload"),
    ("fetch_attempt", "ix_fetch_attempt_payload"),
)


def upgrade() -> None:
    op.create_table(
        "payload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.LargeBinary(length=32), nullable=False),
        sa.Column("chart_id", sa.Integer(), nullable=False),
        sa.Column("stored_at", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("codec", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("base_id", sa.Integer(), nullable=True),
        sa.Column("chain", sa.SmallInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["base_id"], ["payload.id"]),
        sa.ForeignKeyConstraint(["chart_id"], ["chart.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256"),
    )
    op.create_index("ix_payload_chart", "payload", ["chart_id", "id"], unique=False)
    op.create_index("ix_payload_base", "payload", ["base_id"], unique=False)
    op.create_index("ix_payload_stored", "payload", ["stored_at"], unique=False)
    for table, index in REFERRING:
        _add_reference(table)
        op.create_index(index, table, ["payload_id"], unique=False)


def _add_reference(table: str) -> None:
    """Add `payload_id` with its foreign key without copying the table: SQLite's ALTER TABLE
    takes a REFERENCES clause on a column whose default is NULL (Alembic's add_column would
    drop it there, and batch mode would rebuild the whole table); PostgreSQL adds the
    constraint without rewriting the table."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} ADD COLUMN payload_id INTEGER REFERENCES payload (id)")
    else:
        op.add_column(
            table,
            sa.Column("payload_id", sa.Integer(), sa.ForeignKey("payload.id"), nullable=True),
        )


def downgrade() -> None:
    for table, index in REFERRING:
        op.drop_index(index, table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("payload_id")
    op.drop_index("ix_payload_stored", table_name="payload")
    op.drop_index("ix_payload_base", table_name="payload")
    op.drop_index("ix_payload_chart", table_name="payload")
    op.drop_table("payload")
