"""Rank lines on one axes, shared by the `rank` chart and the `grid` small multiples.

A line is drawn as steps (each bucket holds its rank until the next one starts) with NaN where
the app was not ranked, so it breaks where the app fell out of the chart; stretches with no
snapshot at all are hatched instead, so "not in chart" and "no data" never look alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import tzinfo

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.text import Text
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from charts.frame import Frame, rank_floats
from charts.names import country_name
from charts.result import Note, NothingToChart, PlottedSeries, Span
from charts.style import (
    LINE_WIDTH,
    SIZE_ANNOTATION,
    SIZE_LABEL,
    TEXT,
    color,
    linestyle,
    list_text,
    where_text,
)
from charts.timeaxis import range_text, runs, to_num
from tracker.errors import UsageError
from tracker.models import NO_DATA, NOT_IN_CHART, RankSeries

SCALES = ("zoom", "fixed", "log")
_LOG_TICKS = (1, 2, 3, 5, 10, 20, 30, 50, 100, 150, 200)


def check_scale(scale: str) -> str:
    if scale not in SCALES:
        raise UsageError(f"unknown scale {scale!r} (expected one of: {', '.join(SCALES)})")
    return scale


def describe(series: Sequence[RankSeries]) -> str:
    """ "Alpha in Top Free iPhone · United States", for messages."""
    apps = list_text([s.app_name for s in series])
    return f"{apps} in {where_text([s.key for s in series])}"


def require_ranks(frame: Frame, tz: tzinfo) -> None:
    """Refuse to draw an empty picture: no data at all, or never ranked."""
    if not frame.series:
        raise NothingToChart("no data to chart: the query returned no series")
    what = describe(frame.series)
    if not frame.starts.size or (frame.ranks == NO_DATA).all():
        raise NothingToChart(f"no data for {what}: no snapshot of that chart in the range")
    if not (frame.ranks >= 1).any():
        depth = depth_of(frame)
        when = range_text(int(frame.starts[0]), int(frame.starts[-1]), tz)
        raise NothingToChart(f"{what}: not in the top {depth} at any time in {when}")


def depth_of(frame: Frame) -> int:
    return max((s.depth for s in frame.series), default=100)


def line_looks(series: Sequence[RankSeries]) -> list[tuple[str, str, str]]:
    """(colour, line style, label) per series: colour by app, style by country.

    With one app, colour tells the countries apart instead.
    """
    apps = list(dict.fromkeys(s.app_id for s in series))
    countries = list(dict.fromkeys(s.key.country for s in series))
    looks = []
    for s in series:
        app, country = apps.index(s.app_id), countries.index(s.key.country)
        if len(apps) == 1 and len(countries) > 1:
            looks.append((color(country), linestyle(country), country_name(s.key.country)))
        elif len(countries) == 1:
            looks.append((color(app), linestyle(app), s.app_name))
        else:
            style = ("-", "--", ":", "-.")[country % 4]
            looks.append((color(app), style, f"{s.app_name} ({s.key.country.upper()})"))
    return looks


def draw_lines(
    ax: Axes,
    frame: Frame,
    rows: Sequence[int],
    looks: Sequence[tuple[str, str, str]],
    *,
    panel: int = 0,
    label: bool = True,
) -> list[PlottedSeries]:
    """One stepped line per row; returns exactly what was drawn."""
    x = to_num(np.append(frame.starts, frame.end))
    plotted = []
    for row in rows:
        s = frame.series[row]
        values = frame.ranks[row]
        hue, style, text = looks[row]
        # The closing point repeats the last rank so the last bucket gets its full width.
        y = rank_floats(values)
        ax.plot(
            x,
            np.append(y, y[-1]),
            drawstyle="steps-post",
            color=hue,
            linestyle=style,
            linewidth=LINE_WIDTH,
            label=text if label else "_nolegend_",
            gid=f"rank-{s.app_id}-{s.key.country}",
            zorder=3,
        )
        plotted.append(
            PlottedSeries(
                text, s.app_id, s.app_name, s.key, frame.starts, values, hue, style, panel
            )
        )
    return plotted


def absent_notes(
    ax: Axes,
    frame: Frame,
    rows: Sequence[int],
    looks: Sequence[tuple[str, str, str]],
    *,
    panel: int = 0,
) -> list[tuple[Note, Text]]:
    """A remark in the axes for each row that has no line because it was never ranked.

    Without it a fetched-but-absent app (ChatGPT in China) would look like a missing series.
    The depth named is the one that chart's snapshots actually returned. The caller places
    the remarks (charts.placement) once the layout is final.
    """
    remarks: list[tuple[Note, Text]] = []
    for row in rows:
        ranks = frame.ranks[row]
        if (ranks >= 1).any() or not (ranks == NOT_IN_CHART).any():
            continue
        s = frame.series[row]
        hue, _, label = looks[row]
        text = f"{label}: not in top {s.depth}"
        note = Note("not_in_top", int(frame.starts[0]), s.app_id, s.depth, text, panel=panel)
        remarks.append(
            (
                note,
                ax.text(
                    0.98,
                    0.04,
                    text,
                    transform=ax.transAxes,
                    fontsize=SIZE_ANNOTATION,
                    color=hue,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85},
                    gid=f"absent-{s.app_id}-{s.key.country}",
                    zorder=7,
                    parse_math=False,
                    in_layout=False,
                ),
            )
        )
    return remarks


def no_data_spans(frame: Frame, rows: Sequence[int], panel: int = 0) -> list[Span]:
    """Stretches where every chart drawn lacked data; lighter ones where only some did."""
    missing = frame.ranks[list(rows)] == NO_DATA
    every = missing.all(axis=0)
    some = missing.any(axis=0) & ~every
    spans = []
    for mask, partial in ((every, False), (some, True)):
        for a, b in runs(mask):
            end = int(frame.starts[b]) if b < frame.starts.size else frame.end
            spans.append(Span(int(frame.starts[a]), end, panel, partial))
    return sorted(spans, key=lambda span: span.start)


def set_rank_scale(
    ax: Axes, ranks: np.ndarray, depth: int, scale: str, *, max_labels: int = 12
) -> None:
    """Rank 1 at the top; zoomed to the ranks drawn, the whole chart, or log-like.

    A zoomed axis spanning at most `max_labels` ranks labels every one of them.
    """
    ranked = ranks[ranks >= 1]
    lo, hi = (int(ranked.min()), int(ranked.max())) if ranked.size else (1, depth)
    if scale == "fixed":
        lo, hi = 1, depth
    if scale == "log":
        ax.set_yscale("log")
        top, bottom = max(0.8, lo / 1.2), max(hi * 1.2, 2.5)
        ax.yaxis.set_major_locator(FixedLocator([t for t in _LOG_TICKS if top <= t <= bottom]))
        ax.yaxis.set_minor_locator(NullLocator())
    else:
        pad = max(0.7, (hi - lo) * 0.06)
        top, bottom = max(0.3, lo - pad), min(depth + 0.7, hi + pad)
        if bottom - top < 3:
            # At least three ranks in view, without reaching below the depth fetched.
            bottom = min(depth + 0.7, top + 3)
            top = max(0.3, bottom - 3)
        ax.yaxis.set_major_locator(FixedLocator(rank_ticks(top, bottom, max_labels)))
    ax.set_ylim(bottom, top)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"#{value:.0f}"))
    ax.set_ylabel("rank", fontsize=SIZE_LABEL, color=TEXT)


def rank_ticks(top: float, bottom: float, max_labels: int = 12) -> list[int]:
    """Every rank in view when they are few enough, else round ranks with #1 among them.

    Round ranks alone would skip #3 on a #1..#6 axis, where an app may sit for hours.
    """
    every = list(range(max(1, math.ceil(top)), math.floor(bottom) + 1))
    if len(every) <= max_labels:
        return every
    locator = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10], integer=True)
    values = np.asarray(locator.tick_values(top, bottom))  # an array already; typed a Sequence
    step = float(values[1] - values[0]) if len(values) > 1 else 1.0
    if top <= 1 and step == 2:
        values = np.arange(1, bottom + 1, 2)  # #1, #3, #5: not #1 squeezed against #2
    ticks = {int(v) for v in values if v >= 1 and top <= v <= bottom}
    if top > 1:
        return sorted(ticks)
    # #1 joins the round ranks; one too close to it would print on top of it.
    return sorted({1} | {t for t in ticks if t - 1 >= 0.6 * step})


def handles(ax: Axes) -> list[Artist]:
    """The legend's lines (labels starting with "_" stay out); patches may be appended."""
    return [h for h in ax.get_lines() if not str(h.get_label()).startswith("_")]
