"""What a chart function returns: the figure and exactly what it drew, so tests can check it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from tracker.errors import ApprankError
from tracker.models import ChartKey


class NothingToChart(ApprankError):
    """The request has no data, or the apps were never ranked in it: no picture is drawn."""


@dataclass(frozen=True, slots=True)
class PlottedSeries:
    """One drawn line (or heat-map row), after alignment and any downsampling."""

    label: str
    app_id: str
    app_name: str
    # The chart it comes from; for `leaders`, the chart with country "*" (all countries).
    key: ChartKey
    # Bucket starts, epoch seconds.
    starts: np.ndarray
    # rank kinds: rank >= 1, NOT_IN_CHART (0) or NO_DATA (-1) per bucket;
    # leaders: the number of countries, or NO_DATA where no country had data.
    values: np.ndarray
    color: str
    linestyle: str = "-"
    # Which panel (grid) or row (heatmap) it is drawn in.
    panel: int = 0


@dataclass(frozen=True, slots=True)
class Span:
    """A shaded "no data" stretch [start, end) in epoch seconds."""

    start: int
    end: int
    panel: int = 0
    # True when only some of the charts drawn in the panel lacked data.
    partial: bool = False


@dataclass(frozen=True, slots=True)
class Note:
    """An annotation: "first_number_one", "overtake", "peak", or "not_in_top" (an app with no
    line in a panel: fetched, never ranked; `value` is the depth fetched)."""

    kind: str
    at: int
    app_id: str
    value: int
    text: str
    other_app_id: str | None = None
    panel: int = 0


@dataclass(frozen=True, slots=True)
class ChartResult:
    """A rendered chart and the data behind every mark on it."""

    kind: str
    figure: Figure
    title: str
    series: tuple[PlottedSeries, ...]
    no_data: tuple[Span, ...]
    notes: tuple[Note, ...]
    # Seconds per drawn bucket (larger than the query's when downsampled).
    step: int
    downsampled: bool = False
