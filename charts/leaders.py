"""`leaders`: for each app, in how many countries it holds #1 (or the top N) over time: the
"#1 in 52 countries" picture. A dashed grey line shows how many countries had data at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import tzinfo

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from charts.frame import Frame, align, downsample
from charts.lines import depth_of, handles
from charts.names import chart_name
from charts.rank import label_anchor
from charts.result import ChartResult, Note, NothingToChart, PlottedSeries, Span
from charts.style import (
    DPI,
    LINE_WIDTH,
    MUTED,
    SIZE_ANNOTATION,
    SIZE_LABEL,
    SIZE_LEGEND,
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
)
from charts.timeaxis import date_axis, date_ticks, local, range_text, runs, to_num, zone
from tracker.errors import UsageError
from tracker.models import NO_DATA, RankSeries


def place_text(top: int) -> str:
    return "#1" if top == 1 else f"top {top}"


def count_leads(frame: Frame, top: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(app ids, countries held per app x bucket, countries with data per bucket).

    A country counts for an app in a bucket when the app's best rank there was 1..top.
    """
    apps = list(dict.fromkeys(s.app_id for s in frame.series))
    held = np.zeros((len(apps), frame.starts.size), dtype=np.int32)
    for row, s in enumerate(frame.series):
        ranks = frame.ranks[row]
        held[apps.index(s.app_id)] += (ranks >= 1) & (ranks <= top)
    by_country: dict[str, np.ndarray] = {}
    for row, s in enumerate(frame.series):
        has = frame.ranks[row] != NO_DATA
        country = s.key.country
        by_country[country] = by_country.get(country, np.zeros_like(has)) | has
    tracked = np.sum(list(by_country.values()), axis=0).astype(np.int32)
    return apps, held, tracked


def render_leaders(
    series: Sequence[RankSeries],
    *,
    top: int = 1,
    tz: str | tzinfo | None = "UTC",
    simulated: bool = False,
    width: float = 11.0,
    height: float = 5.6,
    dpi: float = DPI,
) -> ChartResult:
    """Countries where each app is #1 (top N), per bucket. Raises NothingToChart when none."""
    zone_info = zone(tz)
    if top < 1:
        raise UsageError(f"--top must be at least 1 (got {top})")
    frame = align(series)
    if not frame.series or (frame.ranks == NO_DATA).all():
        raise NothingToChart("no data to chart: no snapshot of those charts in the range")
    countries = list(dict.fromkeys(s.key.country for s in frame.series))
    shown = downsample(frame, int(width * dpi * 0.74))
    apps, held, tracked = count_leads(shown, top)
    names = {s.app_id: s.app_name for s in shown.series}
    if not held.any():
        when = range_text(int(shown.starts[0]), int(shown.starts[-1]), zone_info)
        raise NothingToChart(
            f"{list_text([names[a] for a in apps])} never {place_text(top)} in any of "
            f"{len(countries)} countries in {when}"
        )
    figure = new_figure(width, height, dpi)
    ax = figure.add_subplot()
    style_axes(ax)
    x = to_num(np.append(shown.starts, shown.end))
    no_data = tracked == 0
    _draw_tracked(ax, x, tracked)
    plotted, notes = _draw_apps(ax, x, shown, apps, names, held, no_data, top, zone_info)
    # Only the highest peak gets a call-out: it stands above every line, so its label is clear.
    if notes:
        _call_out(ax, x, shown, max(notes, key=lambda n: (n.value, -n.at)), apps)
    spans = _no_data_spans(shown, no_data)
    shade(ax, spans)
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(0, max(1, int(tracked.max())) * 1.12 + 0.5)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=7, integer=True))
    ax.set_ylabel(f"countries where {place_text(top)}", fontsize=SIZE_LABEL, color=TEXT)
    date_axis(ax, zone_info, date_ticks(x[0], x[-1], zone_info, width * 0.74))
    legend = handles(ax)
    if spans:
        legend.append(no_data_handle())
    ax.legend(
        handles=legend,
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        frameon=False,
        fontsize=SIZE_LEGEND,
    )
    keys = [s.key for s in shown.series]
    charts = " / ".join(dict.fromkeys(chart_name(k) for k in keys))
    when = range_text(int(shown.starts[0]), int(shown.starts[-1]), zone_info)
    verb = "is" if len(apps) == 1 else "are"
    title = set_title(
        figure,
        f"Countries where {list_text([names[a] for a in apps])} {verb} {place_text(top)}"
        f" · {charts} · {len(countries)} countries · {when}",
        simulated=simulated or frame.simulated,
    )
    set_footnote(
        figure,
        frame_footnote(keys, frame, shown, zone_info, f"ranks from the top {depth_of(shown)}"),
    )
    literal_text(figure)
    return ChartResult(
        "leaders",
        figure,
        title,
        tuple(plotted),
        tuple(spans),
        tuple(notes),
        shown.step,
        shown.step != frame.step,
    )


def _no_data_spans(shown: Frame, no_data: np.ndarray) -> list[Span]:
    """The runs of buckets in which no country had data."""
    spans = []
    for a, b in runs(no_data):
        end = int(shown.starts[b]) if b < shown.starts.size else shown.end
        spans.append(Span(int(shown.starts[a]), end))
    return spans


def _draw_tracked(ax: Axes, x: np.ndarray, tracked: np.ndarray) -> None:
    """The dashed grey line of how many countries had data (none drawn where none had)."""
    ax.plot(
        x,
        np.append(np.where(tracked == 0, np.nan, tracked), tracked[-1] or np.nan),
        drawstyle="steps-post",
        color=MUTED,
        linestyle=(0, (4, 3)),
        linewidth=1.0,
        label="countries with data",
        gid="countries-with-data",
        zorder=2,
    )


def _draw_apps(
    ax: Axes,
    x: np.ndarray,
    shown: Frame,
    apps: list[str],
    names: dict[str, str],
    held: np.ndarray,
    no_data: np.ndarray,
    top: int,
    zone_info: tzinfo,
) -> tuple[list[PlottedSeries], list[Note]]:
    """One step line per app of the countries it leads, its peak marked and noted."""
    plotted = []
    notes = []
    key = replace(shown.series[0].key, country="*")
    for i, app in enumerate(apps):
        values = np.where(no_data, NO_DATA, held[i]).astype(np.int16)
        y = np.where(no_data, np.nan, held[i]).astype(float)
        hue, style = color(i), linestyle(i)
        peak = int(held[i].max())
        at = int(np.argmax(held[i]))
        peak_at = local(int(shown.starts[at]), zone_info)
        day = f"{peak_at.day} {peak_at:%b}"
        label = f"{names[app]} (peak {peak}, {day})" if peak else names[app]
        ax.plot(
            x,
            np.append(y, y[-1]),
            drawstyle="steps-post",
            color=hue,
            linestyle=style,
            linewidth=LINE_WIDTH,
            label=label,
            gid=f"leaders-{app}",
            zorder=3,
        )
        plotted.append(PlottedSeries(names[app], app, names[app], key, shown.starts, values, hue))
        if peak:
            text = f"{names[app]}: {place_text(top)} in {peak} countries, {day}"
            notes.append(Note("peak", int(shown.starts[at]), app, peak, text))
            ax.plot(x[at], peak, marker="o", ms=6, mfc="white", mec=hue, mew=1.6, zorder=5)
    return plotted, notes


def _call_out(ax: Axes, x: np.ndarray, shown: Frame, best: Note, apps: list[str]) -> None:
    """The peak's note written above it, in its app's colour, turned inwards near an edge."""
    i = apps.index(best.app_id)
    at = int(np.searchsorted(shown.starts, best.at))
    ha, dx = label_anchor((x[at] - x[0]) / (x[-1] - x[0]))
    ax.annotate(
        best.text,
        (x[at], best.value),
        xytext=(dx, 9),
        textcoords="offset points",
        ha=ha,
        fontsize=SIZE_ANNOTATION + 1,
        weight="bold",
        color=color(i),
        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85},
        zorder=6,
    )
