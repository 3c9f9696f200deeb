"""`heatmap`: countries x time for one app, colour = rank; "not in chart" and "no data" have
their own looks (flat grey, hatched). Countries are sorted by the best rank they saw, then by
when they first got there, so the rows read as the order in which the app rose country by
country."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Colormap, LogNorm, to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from charts.frame import Frame, align, downsample
from charts.lines import depth_of, require_ranks
from charts.names import chart_name, country_label, country_name
from charts.result import ChartResult, PlottedSeries, Span
from charts.style import (
    DPI,
    NO_DATA_EDGE,
    NO_DATA_HATCH,
    NOT_IN_CHART,
    SIZE_LABEL,
    SIZE_TICK,
    TEXT,
    frame_footnote,
    literal_text,
    new_figure,
    no_data_handle,
    set_footnote,
    set_title,
    style_axes,
)
from charts.timeaxis import date_axis, date_ticks, range_text, runs, to_num, zone
from tracker.errors import UsageError
from tracker.models import NO_DATA, RankSeries
from tracker.models import NOT_IN_CHART as NOT_IN_CHART_STATE

# Perceptually uniform and colour-blind safe; reversed so that #1 is the brightest cell.
CMAP = "viridis_r"
_RANK_TICKS = (1, 2, 3, 5, 10, 20, 50, 100, 150, 200)


def sort_rows(frame: Frame) -> list[int]:
    """Best rank first, then the earliest to reach it; then more time ranked, more time with
    data, and the country code."""

    def key(row: int) -> tuple[int, int, int, int, str]:
        ranks = frame.ranks[row]
        ranked = ranks[ranks >= 1]
        best = int(ranked.min()) if ranked.size else 1 << 20
        reached = int(np.argmax(ranks == best)) if ranked.size else 0
        with_data = -int((ranks != NO_DATA).sum())
        return (best, reached, -ranked.size, with_data, frame.series[row].key.country)

    return sorted(range(len(frame.series)), key=key)


def render_heatmap(
    series: Sequence[RankSeries],
    *,
    tz: str | tzinfo | None = "UTC",
    simulated: bool = False,
    width: float = 11.0,
    height: float | None = None,
    dpi: float = DPI,
) -> ChartResult:
    """One row per country (the series' charts), one column per time bucket."""
    zone_info = zone(tz)
    app_name = _one_app(series)
    frame = align(series)
    require_ranks(frame, zone_info)
    count = len(frame.series)
    per_row = 0.32 if count <= 20 else 0.2 if count <= 60 else 0.14
    height = height or max(3.4, 2.0 + per_row * count)
    shown = downsample(frame, int(width * dpi * 0.78))
    order = sort_rows(shown)
    depth = depth_of(shown)
    norm = LogNorm(vmin=1, vmax=max(2, depth))
    cmap = colormaps[CMAP]

    figure = new_figure(width, height, dpi)
    ax = figure.add_subplot()
    style_axes(ax, integer_y=False)
    ax.grid(False)
    x = to_num(np.append(shown.starts, shown.end))
    _draw_cells(ax, x, _cell_colours(shown.ranks[order], norm, cmap))
    countries = [shown.series[row].key.country for row in order]
    _label_rows(ax, [country_label(c) for c in countries])
    date_axis(ax, zone_info, date_ticks(x[0], x[-1], zone_info, width * 0.78))
    _rank_bar(figure, ax, norm, cmap, depth)
    plotted, spans = _rows_drawn(shown, order)

    keys = [s.key for s in shown.series]
    charts = " / ".join(dict.fromkeys(chart_name(k) for k in keys))
    when = range_text(int(shown.starts[0]), int(shown.starts[-1]), zone_info)
    place = country_name(countries[0]) if count == 1 else f"{count} countries"
    title = set_title(
        figure,
        f"Rank of {app_name} by country · {charts} · {place} · {when}",
        simulated=simulated or frame.simulated,
    )
    legend = [
        Patch(facecolor=NOT_IN_CHART, label=f"not in the top {depth}"),
        no_data_handle(),
    ]
    set_footnote(
        figure,
        frame_footnote(keys, frame, shown, zone_info, "rows by best rank, earliest first"),
        legend,
    )
    literal_text(figure)
    return ChartResult(
        "heatmap",
        figure,
        title,
        tuple(plotted),
        tuple(spans),
        (),
        shown.step,
        shown.step != frame.step,
    )


def _one_app(series: Sequence[RankSeries]) -> str:
    """The name of the one app the series are about; a UsageError naming them when several."""
    apps = list(dict.fromkeys((s.app_id, s.app_name) for s in series))
    if len({a for a, _ in apps}) > 1:
        names = ", ".join(name for _, name in apps)
        raise UsageError(f"a heatmap shows one app; got {len(apps)}: {names}")
    return apps[0][1]


def _cell_colours(ranks: np.ndarray, norm: LogNorm, cmap: Colormap) -> np.ndarray:
    """RGBA per cell: the colour map for ranks, flat grey for "not in chart", and see-through
    for "no data" (the hatched backdrop shows)."""
    colours: np.ndarray = cmap(norm(np.clip(ranks, 1, None).astype(float)))
    colours[ranks == NOT_IN_CHART_STATE] = to_rgba(NOT_IN_CHART)
    colours[ranks == NO_DATA] = (0, 0, 0, 0)
    return colours


def _draw_cells(ax: Axes, x: np.ndarray, colours: np.ndarray) -> None:
    """The hatched "no data" backdrop, the cells over it, and the axes' limits (row 0 on top)."""
    count = len(colours)
    ax.add_patch(
        Rectangle(
            (x[0], -0.5),
            x[-1] - x[0],
            count,
            facecolor="white",
            edgecolor=NO_DATA_EDGE,
            hatch=NO_DATA_HATCH,
            linewidth=0,
            zorder=0,
        )
    )
    ax.pcolormesh(x, np.arange(count + 1) - 0.5, colours, shading="flat", zorder=1, gid="cells")
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(count - 0.5, -0.5)


def _label_rows(ax: Axes, labels: list[str]) -> None:
    """One country name per row, smaller as the rows get thinner."""
    count = len(labels)
    ax.yaxis.set_major_locator(FixedLocator(list(range(count))))
    ax.yaxis.set_major_formatter(
        FuncFormatter(lambda v, _: labels[int(v)] if 0 <= v < count else "")
    )
    ax.yaxis.set_minor_locator(NullLocator())
    # Rows are 0.2 in (14 pt) up to 60 countries and 0.14 in beyond: the names still fit.
    size = SIZE_TICK if count <= 40 else 7 if count <= 60 else 6
    ax.tick_params(axis="y", length=0, labelsize=size)


def _rank_bar(figure: Figure, ax: Axes, norm: LogNorm, cmap: Colormap, depth: int) -> None:
    """The colour bar, #1 at the top, ticked at round ranks within the depth."""
    bar = figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, pad=0.01, fraction=0.03)
    bar.ax.invert_yaxis()
    bar.ax.yaxis.set_major_locator(FixedLocator([t for t in _RANK_TICKS if t <= depth]))
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"#{v:.0f}"))
    bar.ax.yaxis.set_minor_locator(NullLocator())
    bar.ax.tick_params(labelsize=SIZE_TICK)
    bar.set_label("rank", fontsize=SIZE_LABEL, color=TEXT)


def _rows_drawn(shown: Frame, order: list[int]) -> tuple[list[PlottedSeries], list[Span]]:
    """What each row shows (a row is a "panel" of the result) and its "no data" spans."""
    plotted = []
    spans = []
    for panel, row in enumerate(order):
        s = shown.series[row]
        label = country_label(s.key.country)
        values = shown.ranks[row]
        plotted.append(
            PlottedSeries(label, s.app_id, s.app_name, s.key, shown.starts, values, "", "", panel)
        )
        for a, b in runs(values == NO_DATA):
            end = int(shown.starts[b]) if b < shown.starts.size else shown.end
            spans.append(Span(int(shown.starts[a]), end, panel))
    return plotted, spans
