"""Rank-over-time pictures: pure functions from `RankSeries` to a Matplotlib `Figure`.

Four kinds (`rank`, `grid`, `heatmap`, `leaders`), each returning a `ChartResult` that holds the
figure and exactly what was drawn; `save_figure` writes PNG, SVG or PDF atomically. No pyplot:
every figure has its own Agg canvas, so charts render safely in several threads at once.

    from charts import render, save_figure
    result = render("rank", history(engine, ["6448311069"], countries=["us"]))
    save_figure(result.figure, "chatgpt.png")

Names load on first use, so `tracker.config.charts` (imported by the configuration) stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "Built": "tracker.files.charts",
    "Rendered": "tracker.files.charts",
    "build_chart": "tracker.files.charts",
    "render_configured_charts": "tracker.files.charts",
    "render_grid": "charts.grid",
    "render_heatmap": "charts.heatmap",
    "render_leaders": "charts.leaders",
    "render_rank": "charts.rank",
    "render": "charts.render",
    "ChartResult": "charts.result",
    "Note": "charts.result",
    "NothingToChart": "charts.result",
    "PlottedSeries": "charts.result",
    "Span": "charts.result",
    "save_figure": "charts.save",
    "FORMATS": "tracker.config.charts",
    "KINDS": "tracker.config.charts",
    "ChartSpec": "tracker.config.charts",
    "chart_format": "tracker.config.charts",
    "spec_from_options": "tracker.config.charts",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'charts' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


def __dir__() -> list[str]:
    return __all__
