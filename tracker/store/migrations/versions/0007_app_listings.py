"""app_listing: every app's name and metadata per storefront over time, seeded from `app`

Revision ID: 0007
Revises: 0006

A database before this revision knows one name per app (the last one any feed showed). That name
becomes the app's listing "as of the upgrade" (valid from the time of the upgrade, no snapshot)
in each storefront, a (source, country), where a stored snapshot showed the app; the next fetch
of that storefront corrects it where it served something else. No row of another table changes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # the submodule autogenerate references, imported by name
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_METADATA = "name, developer, bundle_id, icon_url, url, genre, release_date"

# The storefronts each app was seen in: the (ranking, storefront) pairs first, a small set (a
# ranking is shown by few snapshots), then their rank rows, so the big table is read once by
# its primary key rather than joined row by row with the snapshots.
_SEED_SQL = f"""
INSERT INTO app_listing (app_id, source, country, valid_from, snapshot_id, {_METADATA})
SELECT a.id, seen.source, seen.country, :upgraded_at, NULL,
       a.name, a.developer, a.bundle_id, a.icon_url, a.url, a.genre, a.release_date
FROM (
    SELECT DISTINCT e.app_id, shown.source, shown.country
    FROM (
        SELECT DISTINCT s.ranking_id, c.source, c.country
        FROM snapshot s JOIN chart c ON c.id = s.chart_id
    ) shown
    JOIN ranking_entry e ON e.ranking_id = shown.ranking_id
) seen
JOIN app a ON a.id = seen.app_id
"""


def upgrade() -> None:
    op.create_table(
        "app_listing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("valid_from", sa.BigInteger(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=True),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("developer", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("bundle_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("icon_url", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("genre", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("release_date", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.ForeignKeyConstraint(["app_id"], ["app.id"]),
        sa.ForeignKeyConstraint(["snapshot_id"], ["snapshot.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("app_id", "source", "country", "valid_from", name="uq_app_listing"),
    )
    op.create_index("ix_app_listing_snapshot", "app_listing", ["snapshot_id"], unique=False)
    op.execute(sa.text(_SEED_SQL).bindparams(upgraded_at=int(time.time())))


def downgrade() -> None:
    op.drop_index("ix_app_listing_snapshot", table_name="app_listing")
    op.drop_table("app_listing")
