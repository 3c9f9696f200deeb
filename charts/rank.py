"""`rank`: rank over time for one or more apps (x countries) in one picture, with the moments
worth a glance annotated: overtakes between apps in the same chart, and a first time at #1."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import tzinfo

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.text import Annotation, Text

from charts.frame import Frame, align, downsample
from charts.lines import (
    absent_notes,
    check_scale,
    depth_of,
    draw_lines,
    handles,
    line_looks,
    no_data_spans,
    require_ranks,
    set_rank_scale,
)
from charts.placement import HAlign, Placer, corner_spots, offset_spots
from charts.result import ChartResult, Note
from charts.style import (
    DPI,
    SIZE_ANNOTATION,
    SIZE_LEGEND,
    TEXT,
    frame_footnote,
    list_text,
    literal_text,
    new_figure,
    no_data_handle,
    set_footnote,
    set_title,
    shade,
    style_axes,
    where_text,
)
from charts.timeaxis import date_axis, date_ticks, local, range_text, to_num, zone
from tracker.models import RankSeries

# Overtakes annotated per chart at most, the longest-held first: more would bury the lines.
MAX_OVERTAKES = 4
# Notes closer in time than this share of the x range would overlap: the lesser one is dropped.
NOTE_GAP = 0.08
# Share of the plot width the axes get (the legend takes the rest): the downsampling budget.
AXES_SHARE = 0.74
# Marker sizes (points) of a first #1 and of an overtake.
STAR_SIZE = 13
DOT_SIZE = 6


def render_rank(
    series: Sequence[RankSeries],
    *,
    tz: str | tzinfo | None = "UTC",
    scale: str = "zoom",
    simulated: bool = False,
    annotate: bool = True,
    width: float = 11.0,
    height: float = 5.6,
    dpi: float = DPI,
) -> ChartResult:
    """Draw rank over time; rank 1 at the top. Raises NothingToChart for an empty request."""
    zone_info = zone(tz)
    check_scale(scale)
    frame = align(series)
    require_ranks(frame, zone_info)
    shown = downsample(frame, int(width * dpi * AXES_SHARE))
    figure = new_figure(width, height, dpi)
    ax = figure.add_subplot()
    style_axes(ax)
    rows = range(len(shown.series))
    looks = line_looks(shown.series)
    plotted = draw_lines(ax, shown, rows, looks)
    spans = no_data_spans(shown, rows)
    shade(ax, spans)
    set_rank_scale(ax, shown.ranks, depth_of(shown), scale)
    x = to_num(np.array([shown.starts[0], shown.end]))
    ax.set_xlim(x[0], x[1])
    date_axis(ax, zone_info, date_ticks(x[0], x[1], zone_info, width * AXES_SHARE))
    kept = choose_notes(shown, zone_info) if annotate else []
    labels = draw_notes(ax, kept, [p.color for p in plotted])
    remarks = absent_notes(ax, shown, rows, looks)
    legend = handles(ax)
    if any(not s.partial for s in spans):
        legend.append(no_data_handle())
    if any(s.partial for s in spans):
        legend.append(no_data_handle(partial=True))
    ax.legend(
        handles=legend,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize=SIZE_LEGEND,
    )
    keys = [s.key for s in shown.series]
    apps = list_text([s.app_name for s in shown.series])
    when = range_text(int(shown.starts[0]), int(shown.starts[-1]), zone_info)
    title = set_title(
        figure,
        f"Rank of {apps} · {where_text(keys)} · {when}",
        simulated=simulated or frame.simulated,
    )
    set_footnote(
        figure,
        frame_footnote(keys, frame, shown, zone_info, f"gaps: not in the top {depth_of(shown)}"),
    )
    place_labels(ax, kept, labels, remarks)
    return ChartResult(
        "rank",
        figure,
        title,
        tuple(plotted),
        tuple(spans),
        tuple(note for note, _ in [*kept, *remarks]),
        shown.step,
        shown.step != frame.step,
    )


def label_anchor(fx: float) -> tuple[HAlign, int]:
    """Alignment and x offset (points) that keep a label at `fx` (axes fraction) in view."""
    if fx < 0.3:
        return "left", 6
    if fx > 0.7:
        return "right", -6
    return "center", 0


def first_number_one(ranks: np.ndarray) -> int | None:
    """The bucket where the app reached #1, if it was charted and below #1 before it."""
    ones = np.flatnonzero(ranks == 1)
    if not ones.size or not (ranks[: ones[0]] >= 0).any():
        return None
    return int(ones[0])


def overtakes(a: np.ndarray, b: np.ndarray, hold: int) -> list[tuple[int, int, int]]:
    """(bucket, sign, held) where the order of a and b flips and then holds `hold` buckets.

    sign < 0: a passed b (a's rank became the smaller); sign > 0: b passed a. Only buckets where
    both are ranked count, and flips that do not hold are noise, not overtakes.
    """
    both = np.flatnonzero((a >= 1) & (b >= 1))
    if both.size < 2:
        return []
    sign = np.sign(a[both].astype(np.int32) - b[both].astype(np.int32))
    starts = np.concatenate(([0], np.flatnonzero(np.diff(sign)) + 1))
    lengths = np.diff(np.append(starts, sign.size))
    kept = [(int(s), int(n), int(sign[s])) for s, n in zip(starts, lengths, strict=True)]
    kept = [k for k in kept if k[1] >= hold and k[2] != 0]
    events = []
    for before, after in itertools.pairwise(kept):
        if after[2] != before[2]:
            events.append((int(both[after[0]]), after[2], after[1]))
    return events


def choose_notes(frame: Frame, tz: tzinfo) -> list[tuple[Note, int]]:
    """First #1s and lasting overtakes (with the row each belongs to), in time order, spaced so
    that no two are closer than NOTE_GAP of the x range."""
    candidates: list[tuple[Note, int]] = []
    for row, s in enumerate(frame.series):
        at = first_number_one(frame.ranks[row])
        if at is not None:
            when = local(int(frame.starts[at]), tz)
            text = f"{s.app_name}: first #1, {when.day} {when:%b %H:%M}"
            candidates.append(
                (Note("first_number_one", int(frame.starts[at]), s.app_id, 1, text), row)
            )
    hold = max(2, frame.starts.size // 30)
    passes = []
    for i, a in enumerate(frame.series):
        for j in range(i + 1, len(frame.series)):
            if a.key != frame.series[j].key:
                continue
            for at, sign, held in overtakes(frame.ranks[i], frame.ranks[j], hold):
                passes.append((held, at, *((i, j) if sign < 0 else (j, i))))
    for _held, at, winner, loser in sorted(passes, reverse=True):
        w, lo = frame.series[winner], frame.series[loser]
        rank = int(frame.ranks[winner, at])
        text = f"{w.app_name} passes {lo.app_name}"
        note = Note("overtake", int(frame.starts[at]), w.app_id, rank, text, lo.app_id)
        candidates.append((note, winner))
    x_span = float(frame.end - frame.starts[0])
    kept: list[tuple[Note, int]] = []
    overtaken = 0
    for note, row in candidates:
        if note.kind == "overtake" and overtaken >= MAX_OVERTAKES:
            continue
        if all(abs(note.at - k.at) >= NOTE_GAP * x_span for k, _ in kept):
            kept.append((note, row))
            overtaken += note.kind == "overtake"
    kept.sort(key=lambda k: k[0].at)
    return kept


def draw_notes(
    ax: Axes, kept: Sequence[tuple[Note, int]], colors: Sequence[str]
) -> list[Annotation]:
    """A marker per note and its label; `place_labels` moves the labels once layout is done."""
    labels = []
    for note, row in kept:
        x = float(to_num(np.array([note.at]))[0])
        star = note.kind == "first_number_one"
        ax.plot(
            x,
            note.value,
            marker="*" if star else "o",
            markersize=STAR_SIZE if star else DOT_SIZE,
            mfc=colors[row] if star else "white",
            mec="white" if star else colors[row],
            mew=1.0 if star else 1.6,
            zorder=6,
            gid=f"note-{note.kind}",
        )
        labels.append(
            ax.annotate(
                note.text,
                (x, note.value),
                xytext=(0, 10),
                textcoords="offset points",
                fontsize=SIZE_ANNOTATION,
                color=TEXT if star else colors[row],
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85},
                arrowprops={"arrowstyle": "-", "color": colors[row], "lw": 0.7, "shrinkB": 4},
                zorder=7,
                parse_math=False,
                in_layout=False,
            )
        )
    return labels


def place_labels(
    ax: Axes,
    kept: Sequence[tuple[Note, int]],
    labels: Sequence[Annotation],
    remarks: Sequence[tuple[Note, Text]],
) -> None:
    """Put each label where no rank line passes through it, once the layout is final.

    The labels are left out of the layout, so placing them does not move the axes again.
    """
    figure = ax.get_figure(root=True)
    assert figure is not None, "the axes come from new_figure"
    literal_text(figure)
    if not labels and not remarks:
        return
    figure.draw_without_rendering()
    placer = Placer.for_axes(ax, [ln for ln in ax.get_lines() if _is_rank_line(ln)])
    for note, _ in kept:
        x = float(to_num(np.array([note.at]))[0])
        size = STAR_SIZE if note.kind == "first_number_one" else DOT_SIZE
        placer.reserve_point(x, note.value, size)
    to_axes = ax.transData + ax.transAxes.inverted()
    for label in labels:
        fx, fy = to_axes.transform(label.xy)
        placer.place(label, offset_spots(fx, fy))
    for _, remark in remarks:
        placer.place(remark, corner_spots())


def _is_rank_line(line: Line2D) -> bool:
    return str(line.get_gid() or "").startswith("rank-")
