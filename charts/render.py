"""One entry point for every chart kind: `render(kind, series, ...)`."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import tzinfo

from charts.grid import render_grid
from charts.heatmap import render_heatmap
from charts.leaders import render_leaders
from charts.rank import render_rank
from charts.result import ChartResult
from tracker.config.charts import KINDS
from tracker.errors import UsageError
from tracker.models import RankSeries


def render(
    kind: str,
    series: Sequence[RankSeries],
    *,
    tz: str | tzinfo | None = "UTC",
    scale: str = "zoom",
    top: int = 1,
    simulated: bool = False,
    share_y: bool | None = None,
) -> ChartResult:
    """Draw `series` as a chart of `kind` (rank, grid, heatmap or leaders).

    `share_y` is the grid's choice of one rank axis for all panels (None: when spans are close).
    Raises NothingToChart when there is nothing to draw, UsageError for a bad option.
    A chart is labelled simulated (title and footnote) when any series drew on a simulated
    snapshot; `simulated` forces the label whatever the data says.
    """
    if simulated:
        series = [s if s.simulated else dataclasses.replace(s, simulated=True) for s in series]
    if kind == "rank":
        return render_rank(series, tz=tz, scale=scale, simulated=simulated)
    if kind == "grid":
        return render_grid(series, tz=tz, scale=scale, simulated=simulated, share_y=share_y)
    if kind == "heatmap":
        return render_heatmap(series, tz=tz, simulated=simulated)
    if kind == "leaders":
        return render_leaders(series, top=top, tz=tz, simulated=simulated)
    raise UsageError(f"unknown chart kind {kind!r} (expected one of: {', '.join(KINDS)})")
