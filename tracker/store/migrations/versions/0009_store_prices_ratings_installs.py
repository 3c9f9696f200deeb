"""app and app_listing: price (micros and currency), rating and install count per entry

Revision ID: 0009
Revises: 0008

Google Play's charts serve each app's price in millionths of its currency, its star rating and
its install count ("10,000,000+"); the App Store's feeds serve none of them. Four nullable
columns on `app` (the latest any storefront listed) and on `app_listing` (what each storefront
listed, over time). Every stored row reads NULL for them: no App Store feed ever served them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # the submodule autogenerate references, imported by name
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("app", "app_listing")


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("price_micros", sa.BigInteger(), nullable=True),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
        sa.Column("rating", sa.Float(), nullable=True),
        sa.Column("installs", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    ]


def upgrade() -> None:
    # Nullable and without a default: SQLite adds each column without rebuilding the table,
    # PostgreSQL without rewriting it.
    for table in _TABLES:
        for column in _columns():
            op.add_column(table, column)


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in reversed(_columns()):
                batch_op.drop_column(column.name)
