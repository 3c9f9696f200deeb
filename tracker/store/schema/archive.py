"""The raw archive's table: every response body a fetch kept, byte for byte, compressed.

A body is stored once (unique by the SHA-256 of the bytes as served): the snapshot or refused
fetch attempt that came from it points at its row (`snapshot.payload_id`,
`fetch_attempt.payload_id`). Hour-to-hour bodies of one chart are near-identical, so a body is
compressed with zstd against the chart's previous body used as a raw-content dictionary
(`codec = "zstd-dict"`, `base_id` that body's row); `chain` counts the bases to the nearest
plain frame (`codec = "zstd"`, chain 0) and is capped (tracker/store/archive.py), so reading
one body decompresses at most that many. The reading and writing are in tracker/store/archive.py.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary, SmallInteger
from sqlmodel import Field, SQLModel

# payload.chart_id names chart.id: that table must be in the metadata too.
import tracker.store.schema.charts  # noqa: F401
from tracker.store.schema.views import UTCEpoch


class Payload(SQLModel, table=True):
    """One archived response body."""

    __tablename__ = "payload"
    __table_args__ = (
        # The chart's latest body (the next one's dictionary) is one backward seek.
        Index("ix_payload_chart", "chart_id", "id"),
        # Pruning asks which bodies are the base of another; PostgreSQL's foreign-key check on
        # deleting a base would scan the table without it.
        Index("ix_payload_base", "base_id"),
        # Retention visits the oldest bodies first (tracker/store/archive_prune.py).
        Index("ix_payload_stored", "stored_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sha256: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False, unique=True))
    chart_id: int = Field(foreign_key="chart.id")
    # The time of the snapshot or attempt it came with; retention moves it up to the latest
    # one still pointing at it (an identical body served again later).
    stored_at: datetime = Field(sa_type=UTCEpoch, nullable=False)
    size: int  # bytes of the body as served
    codec: str = Field(max_length=16)  # "zstd" or "zstd-dict"
    base_id: int | None = Field(default=None, foreign_key="payload.id")
    chain: int = Field(sa_column=Column(SmallInteger, nullable=False))
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


CODECS = ("zstd", "zstd-dict")
