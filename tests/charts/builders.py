"""Builders for the chart tests: exact RankSeries, PNG headers, and a small stored history."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from tracker.models import NO_DATA, NOT_IN_CHART, ChartKey, RankSeries

# 2025-01-26 00:00 UTC: every test history starts here, one bucket an hour.
T0 = datetime(2025, 1, 26, tzinfo=UTC)
E0 = int(T0.timestamp())
HOUR = 3600
N = NOT_IN_CHART
X = NO_DATA


def series(
    app_id: str,
    name: str,
    ranks: Sequence[int],
    *,
    country: str = "us",
    start: int = E0,
    step: int = HOUR,
    depth: int = 100,
    chart: str = "top-free",
) -> RankSeries:
    """A RankSeries with exactly these rank states, one per `step` from `start`."""
    return RankSeries(
        app_id=app_id,
        app_name=name,
        developer=None,
        key=ChartKey("apple", country, chart),
        bucket=timedelta(seconds=step),
        starts=start + step * np.arange(len(ranks), dtype=np.int64),
        ranks=np.array(ranks, dtype=np.int16),
        depth=depth,
    )


def hours(*offsets: int) -> list[int]:
    """Epoch seconds of whole hours after T0."""
    return [E0 + HOUR * h for h in offsets]


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's IHDR chunk."""
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])
