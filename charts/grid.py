"""`grid`: small multiples, one panel per country, each app one colour throughout.

Panels share the time axis. They share the rank axis only when their spans are close: a US
story at #1..#3 drawn on the #1..#30 of a country where the app climbed from #30 is a flat line,
so by default each panel then zooms to its own ranks (`share_y` forces either way).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import tzinfo

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

from charts.frame import Frame, align, downsample
from charts.lines import (
    absent_notes,
    check_scale,
    depth_of,
    draw_lines,
    no_data_spans,
    require_ranks,
    set_rank_scale,
)
from charts.names import chart_name, country_label, country_name
from charts.placement import Placer, corner_spots
from charts.result import ChartResult, Note, PlottedSeries, Span
from charts.style import (
    DPI,
    SIZE_PANEL,
    SIZE_TICK,
    SIZE_TITLE,
    TEXT,
    color,
    frame_footnote,
    linestyle,
    list_text,
    literal_text,
    new_figure,
    no_data_handle,
    set_footnote,
    set_title,
    shade,
    style_axes,
    title_lines,
)
from charts.timeaxis import date_axis, date_ticks, range_text, to_num, zone
from tracker.config.charts import MAX_PANELS
from tracker.errors import UsageError
from tracker.models import RankSeries

PANEL_WIDTH = 3.6
PANEL_HEIGHT = 2.5
# Panels share one rank axis when each one's span of ranks is at least this share of the span
# of all of them together.
SHARE_Y_RATIO = 0.5
# Room between panels for their own rank labels ("#100") when they do not share the axis.
LABELLED_GAP = 0.55


def grid_shape(panels: int) -> tuple[int, int]:
    """Rows x columns: at most four columns, rows as full as possible (8 -> 2 x 4, 4 -> 2 x 2)."""
    if panels == 4:
        return 2, 2
    rows = max(1, math.ceil(panels / 4))
    return rows, max(1, math.ceil(panels / rows))


def spans_close(spans: Sequence[tuple[int, int] | None]) -> bool:
    """Whether panels with these (best, worst) ranks read well on one shared rank axis."""
    known = [span for span in spans if span is not None]
    if len(known) < 2:
        return True
    union = max(hi for _, hi in known) - min(lo for lo, _ in known) + 1
    return all(hi - lo + 1 >= SHARE_Y_RATIO * union for lo, hi in known)


def rank_span(ranks: np.ndarray) -> tuple[int, int] | None:
    """(best, worst) rank drawn, or None when nothing was ranked."""
    ranked = ranks[ranks >= 1]
    return (int(ranked.min()), int(ranked.max())) if ranked.size else None


def place_panels(
    figure: Figure,
    rows: int,
    cols: int,
    *,
    strip: float,
    dated_rows: bool,
    labelled: bool = False,
) -> float:
    """Fixed margins in inches for the panels, instead of a layout engine (see new_figure).

    Room is made for the title, the tick labels "#100" and "rank" on the left, a panel title per
    row, dates under the bottom row (and under the last full row when the bottom one is short),
    and the legend and footnote strip. `labelled` panels each carry their own rank labels.
    Returns the height of a panel in inches.
    """
    width, height = map(float, figure.get_size_inches())
    left, right = 0.82, 0.2
    top = 0.16 + title_lines(figure) * SIZE_TITLE * 1.3 / 72 + SIZE_PANEL * 2.0 / 72
    bottom = strip * height + SIZE_TICK * 3.6 / 72
    gap_w = LABELLED_GAP if labelled else 0.22
    gap_h = SIZE_PANEL * 2.0 / 72 + (SIZE_TICK * 4.2 / 72 if dated_rows else 0.12)
    panel_w = (width - left - right - (cols - 1) * gap_w) / cols
    panel_h = (height - top - bottom - (rows - 1) * gap_h) / rows
    figure.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        bottom=bottom / height,
        top=1 - top / height,
        wspace=gap_w / panel_w,
        hspace=gap_h / panel_h,
    )
    return panel_h


def render_grid(
    series: Sequence[RankSeries],
    *,
    tz: str | tzinfo | None = "UTC",
    scale: str = "zoom",
    simulated: bool = False,
    share_y: bool | None = None,
    width: float | None = None,
    height: float | None = None,
    dpi: float = DPI,
) -> ChartResult:
    """One panel per country (in the order given).

    `share_y`: one rank axis for every panel (True), one per panel (False), or shared only
    when the panels' spans are close (None).
    """
    zone_info = zone(tz)
    check_scale(scale)
    frame = align(series)
    require_ranks(frame, zone_info)
    countries = list(dict.fromkeys(s.key.country for s in frame.series))
    if len(countries) > MAX_PANELS:
        raise UsageError(
            f"{len(countries)} countries: a grid shows at most {MAX_PANELS}; "
            "choose some with --country, or draw a heatmap"
        )
    rows, cols = grid_shape(len(countries))
    width = width or max(8.0, PANEL_WIDTH * cols + 2.0)
    height = height or PANEL_HEIGHT * rows + 1.2
    shown = downsample(frame, int(width * dpi * 0.8 / cols))
    members_of = [
        [i for i, s in enumerate(shown.series) if s.key.country == country] for country in countries
    ]
    if share_y is None:
        share_y = spans_close([rank_span(shown.ranks[members]) for members in members_of])
    figure = new_figure(width, height, dpi, layout=False)
    grid = figure.subplots(rows, cols, sharex=True, sharey=share_y, squeeze=False)
    axes = [grid[panel // cols][panel % cols] for panel in range(rows * cols)]
    plotted, spans, remarks = _draw_panels(axes, shown, countries, members_of)
    _date_axes(axes, shown, zone_info, len(countries), cols, width * 0.8 / cols)
    legend = _legend(axes[0], spans)
    keys = [s.key for s in shown.series]
    names = list_text([s.app_name for s in shown.series])
    charts = " / ".join(dict.fromkeys(chart_name(k) for k in keys))
    when = range_text(int(shown.starts[0]), int(shown.starts[-1]), zone_info)
    place = country_name(countries[0]) if len(countries) == 1 else f"{len(countries)} countries"
    title = set_title(
        figure,
        f"Rank of {names} · {charts} · {place} · {when}",
        simulated=simulated or frame.simulated,
    )
    strip = set_footnote(
        figure,
        frame_footnote(keys, frame, shown, zone_info, f"gaps: not in the top {depth_of(shown)}"),
        legend,
    )
    panel_h = place_panels(
        figure,
        rows,
        cols,
        strip=strip,
        dated_rows=rows * cols > len(countries),
        labelled=not share_y,
    )
    _rank_axes(axes, shown, members_of, cols, scale, share_y, panel_h)
    literal_text(figure)
    _place_remarks(axes, remarks)
    return ChartResult(
        "grid",
        figure,
        title,
        tuple(plotted),
        tuple(spans),
        tuple(note for note, _ in remarks),
        shown.step,
        shown.step != frame.step,
    )


def _draw_panels(
    axes: list[Axes], shown: Frame, countries: list[str], members_of: list[list[int]]
) -> tuple[list[PlottedSeries], list[Span], list[tuple[Note, Text]]]:
    """Each country's lines, remarks for its apps never ranked, and "no data" shading, in its
    panel; the panels left over are hidden. Each app keeps one look in every panel."""
    apps = list(dict.fromkeys(s.app_id for s in shown.series))
    looks = [
        (color(apps.index(s.app_id)), linestyle(apps.index(s.app_id)), s.app_name)
        for s in shown.series
    ]
    plotted: list[PlottedSeries] = []
    spans: list[Span] = []
    remarks: list[tuple[Note, Text]] = []
    for panel, country in enumerate(countries):
        ax = axes[panel]
        style_axes(ax)
        members = members_of[panel]
        plotted += draw_lines(ax, shown, members, looks, panel=panel, label=panel == 0)
        remarks += absent_notes(ax, shown, members, looks, panel=panel)
        panel_spans = no_data_spans(shown, members, panel)
        shade(ax, panel_spans)
        spans += panel_spans
        ax.set_title(
            country_label(country),
            fontsize=SIZE_PANEL,
            color=TEXT,
            loc="left",
        )
        ax.set_gid(f"panel-{country}")
    for extra in axes[len(countries) :]:
        extra.set_visible(False)
    return plotted, spans, remarks


def _legend(first: Axes, spans: list[Span]) -> list[Artist]:
    """The apps' lines (labelled in the first panel) and the "no data" looks that appear."""
    lines = first.get_lines()
    legend: list[Artist] = [line for line in lines if not str(line.get_label()).startswith("_")]
    if any(not s.partial for s in spans):
        legend.append(no_data_handle())
    if any(s.partial for s in spans):
        legend.append(no_data_handle(partial=True))
    return legend


def _date_axes(
    axes: list[Axes], shown: Frame, zone_info: tzinfo, panels: int, cols: int, panel_w: float
) -> None:
    """The shared time range, dated under the bottom panel of each column only."""
    x = to_num(np.array([shown.starts[0], shown.end]))
    axes[0].set_xlim(x[0], x[1])
    ticks = date_ticks(x[0], x[1], zone_info, panel_w)
    for panel in range(panels):
        ax = axes[panel]
        date_axis(ax, zone_info, ticks)
        # The bottom panel of each column shows the dates (the row below may be partly empty).
        dated = panel + cols >= panels
        ax.tick_params(axis="x", labelbottom=dated)
        ax.xaxis.get_offset_text().set_visible(dated)


def _rank_axes(
    axes: list[Axes],
    shown: Frame,
    members_of: list[list[int]],
    cols: int,
    scale: str,
    share_y: bool,
    panel_h: float,
) -> None:
    """Rank scales: one for all panels (set on the first) or each panel's own; "rank" is
    written on the left column only."""
    # As many rank labels as a panel's height holds, so a #1..#6 panel labels each rank.
    max_labels = max(4, int(panel_h * 72 / (SIZE_TICK * 1.8)))
    for panel, members in enumerate(members_of):
        ax = axes[panel]
        if not share_y or not panel:
            ranks = shown.ranks if share_y else shown.ranks[members]
            if rank_span(ranks) is None:
                ranks = shown.ranks
            set_rank_scale(ax, ranks, depth_of(shown), scale, max_labels=max_labels)
        if panel % cols:
            ax.set_ylabel("")


def _place_remarks(axes: list[Axes], remarks: list[tuple[Note, Text]]) -> None:
    """Move each remark to a corner of its panel where it covers no line."""
    placers: dict[int, Placer] = {}
    for note, remark in remarks:
        if note.panel not in placers:
            ax = axes[note.panel]
            lines = [ln for ln in ax.get_lines() if str(ln.get_gid()).startswith("rank-")]
            placers[note.panel] = Placer.for_axes(ax, lines)
        placers[note.panel].place(remark, corner_spots())
