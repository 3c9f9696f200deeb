"""`app_listing`: what each storefront showed for an app (name, developer, the other per-entry
fields), as a history of changes.

An app has other names in other storefronts (Duolingo is `多邻国Duolingo英语日语法语` in China,
`Duolingo: Sprachen und Schach` in Germany) and is renamed over time, so `app`'s one set of
columns (the latest seen anywhere) cannot say what a chart showed. A row here holds the values a
storefront served from `valid_from` (the captured_at of the first snapshot that showed them, whose
id `snapshot_id` is) until the app's next row of the same storefront; an unchanged listing adds
no row. Rows made by migration 0007 from the one name a database knew carry the time of the
upgrade and no snapshot ("as of the upgrade").

The storefront is the feed as well as the country: the RSS v2 feed and the legacy iTunes feed of
one country serve the same app with other fields (the legacy page URL ends in `?uo=2`, only the
legacy feed has bundle ids, its names can lag), so one history per country would change back and
forth with every cycle that fetches both. The writer is tracker/store/listing_writer.py, the reads
tracker/store/listings.py.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

# app_listing.app_id names app.id, snapshot_id snapshot.id: those tables must be in the metadata.
import tracker.store.schema.charts  # noqa: F401
from tracker.store.schema.views import UTCEpoch


class AppListing(SQLModel, table=True):
    """An app's listing in one storefront (source, country), valid from a time."""

    __tablename__ = "app_listing"
    __table_args__ = (
        # An app's history in a storefront is one seek; the writer and every reader ask that way.
        UniqueConstraint("app_id", "source", "country", "valid_from", name="uq_app_listing"),
        # Deleting a snapshot (none is deleted today) would otherwise scan for its listings.
        Index("ix_app_listing_snapshot", "snapshot_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    app_id: int = Field(foreign_key="app.id")
    source: str = Field(max_length=16)
    country: str = Field(max_length=8)
    valid_from: datetime = Field(sa_type=UTCEpoch, nullable=False)
    # The first snapshot that showed these values; NULL for "as of the upgrade" (migration 0007).
    snapshot_id: int | None = Field(default=None, foreign_key="snapshot.id")
    name: str
    developer: str | None = None
    bundle_id: str | None = None
    icon_url: str | None = None
    url: str | None = None
    genre: str | None = None
    release_date: str | None = Field(default=None, max_length=10)
    # Google Play's price (millionths of `currency`), rating and install count (migration 0009).
    price_micros: int | None = Field(default=None, sa_type=BigInteger)
    currency: str | None = Field(default=None, max_length=3)
    rating: float | None = None
    installs: str | None = None
