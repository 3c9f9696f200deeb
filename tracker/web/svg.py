"""Charts for the web pages, drawn on the server as SVG: rank over time, and a count over time.

Server-side SVG rather than a JavaScript charting library: the page works without JavaScript
(each point carries a `<title>`, which every browser shows as its tooltip on hover), nothing is
vendored or built (no npm build in packaging or CI), the markup is testable as text, and the
strict CSP (no inline script or style) holds: colours are SVG presentation attributes, the rest
is in static/apprank.css. static/apprank.js only improves the tooltip (at once, and on focus).
Every text put in the markup is escaped here (the templates insert it as it is).

The three states never look alike: a rank is a point on a step line (1 at the top); "not in
chart" and "no data" are runs in a lane per line under the plot, a solid bar in the line's
colour for "not in chart" (below the depth returned), a hatched grey bar for "no data".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html import escape

from charts.style import PALETTE
from tracker.models import NO_DATA, NOT_IN_CHART, RankSeries
from tracker.timeutil import from_epoch, isoformat_z

WIDTH = 720
LEFT, RIGHT, TOP = 46, 14, 12
PLOT_HEIGHT = 240
LANE, LANE_GAP = 7, 3
AXIS = 22
# Rank axes end at the first of these that holds every rank shown.
RANK_CEILINGS = (5, 10, 20, 50, 100, 150, 200, 500, 1000)
# Time ticks: the first step that gives at most MAX_TICKS ticks.
TICK_STEPS = tuple(h * 3600 for h in (1, 2, 3, 6, 12, 24, 48, 168, 336, 720, 2160, 8760))
MAX_TICKS = 8


@dataclass(frozen=True, slots=True)
class Line:
    """One series as the chart labels it: `name` · `where` ("DeepSeek · United States")."""

    name: str
    where: str
    series: RankSeries

    @property
    def label(self) -> str:
        return f"{self.name} · {self.where}"


def colour(index: int) -> str:
    """The line colour of the `index`th series: the palette the PNG charts use."""
    return PALETTE[index % len(PALETTE)]


def rank_chart(lines: Sequence[Line], *, title: str) -> str:
    """Rank over time: a step line per series, a hover point per ranked bucket, and a lane per
    series for its "not in chart" and "no data" runs."""
    if not lines:
        return ""
    first = lines[0].series
    step = int(first.bucket.total_seconds())
    t0 = int(first.starts[0])
    t1 = max(int(line.series.starts[-1]) for line in lines) + step
    ceiling = _ceiling(max((_worst(line.series) for line in lines), default=1))
    lanes_top = TOP + PLOT_HEIGHT + 10
    height = lanes_top + len(lines) * (LANE + LANE_GAP) + AXIS
    scale = _Scale(t0, t1, ceiling)
    parts = [_open(height, title), _hatch()]
    parts += _rank_axis(scale)
    parts += _time_axis(scale, TOP, lanes_top + len(lines) * (LANE + LANE_GAP), height)
    for index, line in enumerate(lines):
        parts += _line(scale, index, line, step)
        parts += _lane(scale, index, line, step, lanes_top + index * (LANE + LANE_GAP))
    parts += _points(scale, lines, step)
    parts.append("</svg>")
    return "".join(parts)


def count_chart(
    starts: Sequence[int], counts: Sequence[int], step: int, *, title: str, what: tuple[str, str]
) -> str:
    """A bar per bucket: how many at that time, each with a tooltip; `what` is the thing
    counted, one and several ("country at #1", "countries at #1")."""
    if not starts:
        return ""
    height = TOP + 120 + AXIS + 6
    top = max(max(counts, default=0), 1)
    scale = _Scale(int(starts[0]), int(starts[-1]) + step, 2)
    base = TOP + 120
    parts = [_open(height, title)]
    parts.append(_text(LEFT - 6, TOP + 4, str(top), "tick end"))
    parts.append(_text(LEFT - 6, base, "0", "tick end"))
    parts += _time_axis(scale, TOP, base, height)
    for start, count in zip(starts, counts, strict=True):
        if count <= 0:
            continue
        x0, x1 = scale.x(int(start)), scale.x(int(start) + step)
        bar = count / top * 120
        tip = f"{count} {what[0] if count == 1 else what[1]} at {_when(int(start))}"
        parts.append(
            f'<rect class="bar point" x="{x0:.1f}" y="{base - bar:.1f}" '
            f'width="{max(x1 - x0 - 0.5, 0.8):.1f}" height="{bar:.1f}" fill="{colour(0)}" '
            f'tabindex="0"><title>{escape(tip)}</title></rect>'
        )
    parts.append("</svg>")
    return "".join(parts)


class _Scale:
    def __init__(self, t0: int, t1: int, ceiling: int) -> None:
        self.t0, self.t1, self.ceiling = t0, max(t1, t0 + 1), ceiling
        self.width = WIDTH - LEFT - RIGHT

    def x(self, t: int) -> float:
        return LEFT + (t - self.t0) / (self.t1 - self.t0) * self.width

    def y(self, rank: int) -> float:
        return TOP + (min(rank, self.ceiling) - 1) / (self.ceiling - 1) * PLOT_HEIGHT


def _open(height: int, title: str) -> str:
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )


def _hatch() -> str:
    return (
        '<defs><pattern id="nodata" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f2f2f2"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#9e9e9e" stroke-width="2"/></pattern></defs>'
    )


def _text(x: float, y: float, text: str, cls: str) -> str:
    return f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}">{escape(text)}</text>'


def _worst(series: RankSeries) -> int:
    """The lowest rank the series reached (1 when never ranked)."""
    return max((r for r in series.ranks.tolist() if r >= 1), default=1)


def _ceiling(worst: int) -> int:
    return next((c for c in RANK_CEILINGS if worst <= c), max(worst, 2))


def _rank_ticks(ceiling: int) -> list[int]:
    spacing = next(s for s in (1, 2, 5, 10, 25, 50, 100, 250) if ceiling / s <= 5)
    return [1, *range(spacing, ceiling + 1, spacing)]


def _rank_axis(scale: _Scale) -> Iterator[str]:
    for rank in dict.fromkeys(_rank_ticks(scale.ceiling)):
        y = scale.y(rank)
        yield f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        yield _text(LEFT - 6, y + 4, f"#{rank}", "tick end")


def _time_axis(scale: _Scale, top: float, bottom: float, height: int) -> Iterator[str]:
    span = scale.t1 - scale.t0
    step = next((s for s in TICK_STEPS if span / s <= MAX_TICKS), TICK_STEPS[-1])
    first = -(-scale.t0 // step) * step
    for t in range(first, scale.t1, step):  # not the end: its label would overflow
        x = scale.x(t)
        yield f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom:.1f}"/>'
        yield _text(x, height - 6, _tick_label(t, step), "tick middle")


def _tick_label(t: int, step: int) -> str:
    moment = from_epoch(t)
    if step >= 2160 * 3600:
        return moment.strftime("%b %Y")
    if step >= 24 * 3600 or (moment.hour == 0 and moment.minute == 0):
        return moment.strftime("%b %d")
    return moment.strftime("%H:%M")


def _when(t: int) -> str:
    return isoformat_z(from_epoch(t))


def _runs(ranks: Sequence[int], keep: int | None) -> Iterator[tuple[int, int]]:
    """(first, last) bucket index of each run of ranks equal to `keep` (None: ranked, >= 1)."""
    start = None
    for index, value in enumerate([*ranks, -99]):
        inside = value >= 1 if keep is None else value == keep
        if inside and start is None:
            start = index
        elif not inside and start is not None:
            yield start, index - 1
            start = None


def _line(scale: _Scale, index: int, line: Line, step: int) -> Iterator[str]:
    """The series' step line, broken where it was not ranked."""
    ranks = line.series.ranks.tolist()
    starts = line.series.starts.tolist()
    for first, last in _runs(ranks, None):
        path = [f"M{scale.x(starts[first]):.1f} {scale.y(ranks[first]):.1f}"]
        for i in range(first, last + 1):
            if i > first:
                path.append(f"V{scale.y(ranks[i]):.1f}")
            path.append(f"H{scale.x(starts[i] + step):.1f}")
        yield (
            f'<path class="line" d="{"".join(path)}" fill="none" stroke="{colour(index)}" '
            f'stroke-width="2" data-series="{index}"/>'
        )


def _points(scale: _Scale, lines: Sequence[Line], step: int) -> Iterator[str]:
    """A hover point per (bucket, rank) held: series at the same rank at the same time share
    one point (drawn in the first one's colour), whose tooltip names them all, so none hides
    another under it."""
    shared: dict[tuple[int, int], list[int]] = {}
    for index, line in enumerate(lines):
        ranks = line.series.ranks.tolist()
        for start, rank in zip(line.series.starts.tolist(), ranks, strict=True):
            if rank >= 1:
                shared.setdefault((int(start), int(rank)), []).append(index)
    yield '<g class="points">'
    for (start, rank), indexes in shared.items():
        names = list(dict.fromkeys(lines[i].name for i in indexes))
        who = (
            f"{names[0]} · {', '.join(lines[i].where for i in indexes)}"
            if len(names) == 1
            else ", ".join(lines[i].label for i in indexes)
        )
        tip = f"{who}: #{rank} at {_when(start)}"
        yield (
            f'<circle class="point" cx="{scale.x(start + step // 2):.1f}" '
            f'cy="{scale.y(rank):.1f}" r="3.5" fill="{colour(indexes[0])}" tabindex="0" '
            f'data-series="{" ".join(map(str, indexes))}" data-rank="{rank}" '
            f'data-at="{_when(start)}"><title>{escape(tip)}</title></circle>'
        )
    yield "</g>"


def _lane(scale: _Scale, index: int, line: Line, step: int, y: float) -> Iterator[str]:
    """The series' "not in chart" runs (solid, its colour) and "no data" runs (hatched)."""
    ranks = line.series.ranks.tolist()
    starts = line.series.starts.tolist()
    depth = line.series.depth
    states = (
        (NOT_IN_CHART, "not-in-chart", colour(index), f"not in chart (below #{depth})"),
        (NO_DATA, "no-data", "url(#nodata)", "no data (nothing fetched)"),
    )
    for value, cls, fill, words in states:
        for first, last in _runs(ranks, value):
            x0, x1 = scale.x(starts[first]), scale.x(starts[last] + step)
            begin, end = _when(starts[first]), _when(starts[last] + step)
            span = f"from {begin} to {end}" if last > first else f"at {begin}"
            yield (
                f'<rect class="{cls}" x="{x0:.1f}" y="{y:.1f}" width="{max(x1 - x0, 1):.1f}" '
                f'height="{LANE}" fill="{fill}" data-series="{index}" tabindex="0">'
                f"<title>{escape(f'{line.label}: {words} {span}')}</title></rect>"
            )
