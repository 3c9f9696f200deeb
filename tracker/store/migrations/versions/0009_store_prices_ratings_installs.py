"""app and app_listing: price (micros and currency), rating and install count; longer store ids

Revision ID: 0009
Revises: 0008

Google Play's charts serve each app's price in millionths of its currency, its star rating and
its install count ("10,000,000+"); the App Store's feeds serve none of them. Four nullable
columns on `app` (the latest any storefront listed) and on `app_listing` (what each storefront
listed, over time). Every stored row reads NULL for them: no App Store feed ever served them.

`app.store_id` grows from 64 to 150 characters: a Google Play id is a package name, which Play
takes up to 150 characters long. PostgreSQL widens a VARCHAR without rewriting the table; SQLite,
which cannot alter a column, copies `app` (batch mode; migrate.upgrade turns its foreign keys
off meanwhile and checks them after). No value changes.
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


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("price_micros", sa.BigInteger(), nullable=True),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
        sa.Column("rating", sa.Float(), nullable=True),
        sa.Column("installs", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    ]


def upgrade() -> None:
    # Nullable and without a default: added without rewriting a table (SQLite copies `app` once,
    # for its store_id, taking the new columns in the same copy).
    with op.batch_alter_table("app", schema=None) as batch_op:
        for column in _columns():
            batch_op.add_column(column)
        batch_op.alter_column(
            "store_id",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
            type_=sqlmodel.sql.sqltypes.AutoString(length=150),
            existing_nullable=False,
        )
    for column in _columns():
        op.add_column("app_listing", column)


def downgrade() -> None:
    # PostgreSQL refuses this while an app holds a package name longer than 64 characters.
    with op.batch_alter_table("app", schema=None) as batch_op:
        batch_op.alter_column(
            "store_id",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=150),
            type_=sqlmodel.sql.sqltypes.AutoString(length=64),
            existing_nullable=False,
        )
        for column in reversed(_columns()):
            batch_op.drop_column(column.name)
    with op.batch_alter_table("app_listing", schema=None) as batch_op:
        for column in reversed(_columns()):
            batch_op.drop_column(column.name)
