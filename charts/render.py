"""One entry point for every chart kind: `render(kind, series, ...)`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from charts.grid import render_grid
from charts.heatmap import render_heatmap
from charts.leaders import render_leaders
from charts.rank import render_rank
from charts.result import ChartResult
from charts.spec import KINDS
from tracker.errors import UsageError
from tracker.series import RankSeries


def render(
    kind: str,
    series: Sequence[RankSeries],
    *,
    tz: str | tzinfo | None = "UTC",
    scale: str = "zoom",
    top: int = 1,
    simulated: bool = False,
) -> ChartResult:
    """Draw `series` as a chart of `kind` (rank, grid, heatmap or leaders).

    Raises NothingToChart when there is nothing to draw, UsageError for a bad option.
    """
    if kind == "rank":
        return render_rank(series, tz=tz, scale=scale, simulated=simulated)
    if kind == "grid":
        return render_grid(series, tz=tz, scale=scale, simulated=simulated)
    if kind == "heatmap":
        return render_heatmap(series, tz=tz, simulated=simulated)
    if kind == "leaders":
        return render_leaders(series, top=top, tz=tz, simulated=simulated)
    raise UsageError(f"unknown chart kind {kind!r} (expected one of: {', '.join(KINDS)})")
