"""Rank-over-time pictures: pure functions from `RankSeries` to a Matplotlib `Figure`.

Four kinds (`rank`, `grid`, `heatmap`, `leaders`), each returning a `ChartResult` that holds the
figure and exactly what was drawn; `save_figure` writes PNG, SVG or PDF atomically. No pyplot:
every figure has its own Agg canvas, so charts render safely in several threads at once.

    from charts.render import render
    from charts.save import save_figure
    us = ChartSelection.of(countries=["us"])  # tracker.config.selection; top free, iPhone
    result = render("rank", history(engine, ["6448311069"], us))
    save_figure(result.figure, "chatgpt.png")

Nothing is imported here: a caller imports the modules it uses, and importing the package
(for `charts.save` alone, say) loads no chart kind. What a chart is (`ChartSpec`) is configuration
(tracker/config/charts.py); building one from the store is tracker/files/charts.py.
"""
