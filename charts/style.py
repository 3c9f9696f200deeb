"""The look every chart shares: palette, fonts, figure, titles, footnotes, no-data shading.

Nothing here touches Matplotlib's global rcParams: every size and colour is passed explicitly,
so charts render the same in any process and in several threads at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import tzinfo

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from charts.frame import Frame
from charts.names import chart_name, country_name, source_name
from charts.result import Span
from charts.timeaxis import stamp, step_text, to_num, zone_label
from tracker.models import ChartKey

# Okabe & Ito (2008), ordered for lines on white: yellow last, it is faint there.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
LINESTYLES = ("-", "--", ":", "-.")
TEXT = "#222222"
MUTED = "#666666"
GRID = "#e5e5e5"
NO_DATA_EDGE = "#9e9e9e"
NO_DATA_FACE = "#f2f2f2"
NO_DATA_HATCH = "////"
NOT_IN_CHART = "#d4d4d4"

FONT = "DejaVu Sans"
SIZE_TITLE = 13
SIZE_PANEL = 10.5
SIZE_LABEL = 10
SIZE_TICK = 9
SIZE_LEGEND = 9
SIZE_NOTE = 8
SIZE_ANNOTATION = 8

DPI = 120
LINE_WIDTH = 1.8


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def linestyle(index: int) -> str:
    """Solid for the first eight lines, then dashed, dotted...: no two lines look alike."""
    return LINESTYLES[(index // len(PALETTE)) % len(LINESTYLES)]


def new_figure(width: float, height: float, dpi: float = DPI, *, layout: bool = True) -> Figure:
    """A Figure with its own Agg canvas (no pyplot, no global figure manager).

    `layout=False` leaves placement to the caller: constrained layout measures every tick label
    of every axes, which is most of the cost of drawing many small panels.
    """
    figure = Figure(
        figsize=(width, height),
        dpi=dpi,
        layout="constrained" if layout else None,
        facecolor="white",
    )
    FigureCanvasAgg(figure)
    engine = figure.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):  # the only engine new_figure sets
        engine.set(h_pad=0.06, w_pad=0.06)
    return figure


def style_axes(ax: Axes, *, integer_y: bool = True) -> None:
    ax.set_facecolor("white")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(MUTED)
    ax.tick_params(labelsize=SIZE_TICK, colors=TEXT, length=3)
    ax.xaxis.get_offset_text().set_fontsize(SIZE_TICK)
    ax.grid(True, axis="y", color=GRID, linewidth=0.8)
    ax.grid(True, axis="x", color=GRID, linewidth=0.5, alpha=0.7)
    ax.set_axisbelow(True)
    if integer_y:
        ax.yaxis.set_major_locator(MaxNLocator(nbins=7, integer=True, min_n_ticks=3))


def literal_text(figure: Figure) -> None:
    """Draw every text of the figure as typed: app names come from the store, and Matplotlib
    would read "$...$" in one as math (and raise on "Money $\\frac{1}{$ maker")."""
    for text in figure.findobj(Text):
        text.set_parse_math(False)


def set_title(figure: Figure, text: str, *, simulated: bool = False) -> str:
    """The title says what, where and when; simulated data says so."""
    if simulated:
        text += " (simulated)"
    figure.suptitle(
        wrap_title(text, figure.get_figwidth()),
        x=0.01,
        ha="left",
        fontsize=SIZE_TITLE,
        fontfamily=FONT,
        color=TEXT,
        weight="bold",
    )
    return text


def wrap_title(text: str, width_inches: float) -> str:
    """Break a title that would not fit at a " · " (bold DejaVu is about 0.62 em per char)."""
    fits = int(width_inches * 72 / (SIZE_TITLE * 0.62))
    lines = [""]
    for part in text.split(" · "):
        candidate = f"{lines[-1]} · {part}" if lines[-1] else part
        if len(candidate) > fits and lines[-1]:
            lines.append(part)
        else:
            lines[-1] = candidate
    return "\n".join(lines)


def title_lines(figure: Figure) -> int:
    return figure.get_suptitle().count("\n") + 1 if figure.get_suptitle() else 0


def set_footnote(
    figure: Figure, text: str, legend: Sequence[Artist] | None = None, *, columns: int = 6
) -> float:
    """A grey source line along the bottom edge, and optionally a legend row just above it.

    Both sit in a strip the layout keeps free: Matplotlib's own "outside" legends and supxlabel
    are placed independently and collide. Returns the strip's height (figure fraction).
    """
    inch = 1 / figure.get_figheight()
    note = SIZE_NOTE * 2.2 / 72 * inch
    columns = _legend_row(figure, legend, note, columns) if legend else columns
    rows = math.ceil(len(legend) / columns) if legend else 0
    key = rows * SIZE_LEGEND * 1.9 / 72 * inch + (0.08 * inch if rows else 0)
    engine = figure.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):  # the only engine new_figure sets
        engine.set(rect=(0, note + key, 1, 1 - note - key))
    figure.text(
        0.01,
        note * 0.35,
        text,
        ha="left",
        va="bottom",
        fontsize=SIZE_NOTE,
        fontfamily=FONT,
        color=MUTED,
        gid="footnote",
    )
    return note + key


def _legend_row(figure: Figure, legend: Sequence[Artist], note: float, columns: int) -> int:
    """Put the legend above the footnote in as many columns (at most `columns`) as fit the
    figure's width: long labels ("DeepSeek (Google Play)") wrap to more rows instead of
    running off both edges. Returns the columns used."""
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    for ncols in range(min(len(legend), columns), 0, -1):
        made = figure.legend(
            handles=list(legend),
            loc="lower center",
            bbox_to_anchor=(0.5, note),
            ncols=ncols,
            frameon=False,
            fontsize=SIZE_LEGEND,
            borderaxespad=0,
            borderpad=0.2,
        )
        if ncols == 1 or made.get_window_extent(renderer).width <= figure.bbox.width:
            return ncols
        made.remove()
    return 1


def frame_footnote(
    keys: Sequence[ChartKey], frame: Frame, shown: Frame, tz: tzinfo, extra: str
) -> str:
    """The footnote of a chart drawn from `shown`, a (maybe downsampled) view of `frame`."""
    first, last = frame.data_span()
    return footnote(
        keys,
        first,
        last,
        tz,
        step=shown.step,
        query_step=frame.step,
        extra=extra,
        simulated=frame.simulated,
    )


def footnote(
    keys: Sequence[ChartKey],
    first: int,
    last: int,
    tz: tzinfo,
    *,
    step: int,
    query_step: int,
    extra: str = "",
    simulated: bool = False,
) -> str:
    """Source, capture times and bucket size: where the picture's numbers come from; first of
    all, when any of them came from apprank's simulator, that they are not the App Store's."""
    sources = ", ".join(dict.fromkeys(source_name(k.source) for k in keys))
    bucket = f"best rank per {step_text(step)}"
    if step != query_step:
        bucket += f" (data per {step_text(query_step)})"
    parts = [
        *(["SIMULATED data from apprank's simulator, not the App Store"] if simulated else []),
        f"Source: {sources}",
        f"captures {stamp(first, tz)} – {stamp(last, tz)} {zone_label(tz)}",
        bucket,
    ]
    if extra:
        parts.append(extra)
    parts.append("apprank")
    return " · ".join(parts)


def shade(ax: Axes, spans: Sequence[Span]) -> None:
    """Hatch the no-data spans (lighter where only some charts lacked data)."""
    for span in spans:
        x0, x1 = to_num(np.array([span.start, span.end]))
        ax.axvspan(
            x0,
            x1,
            facecolor=NO_DATA_FACE,
            edgecolor=NO_DATA_EDGE,
            hatch=NO_DATA_HATCH if not span.partial else "..",
            linewidth=0,
            alpha=0.6 if span.partial else 1.0,
            zorder=0.5,
            gid="no-data-partial" if span.partial else "no-data",
        )


def no_data_handle(partial: bool = False) -> Patch:
    return Patch(
        facecolor=NO_DATA_FACE,
        edgecolor=NO_DATA_EDGE,
        hatch=".." if partial else NO_DATA_HATCH,
        linewidth=0,
        label="no data in some charts" if partial else "no data (not fetched)",
    )


def list_text(names: Sequence[str], *, most: int = 3, noun: str = "apps") -> str:
    """ "A", "A and B", "A, B and C", "5 apps"."""
    names = list(dict.fromkeys(names))
    if len(names) == 1:
        return names[0]
    if len(names) > most:
        return f"{len(names)} {noun}"
    return ", ".join(names[:-1]) + f" and {names[-1]}"


def where_text(keys: Sequence[ChartKey]) -> str:
    """ "Top Free iPhone · United States" or "Top Free iPhone · US, GB and JP"."""
    charts = list(dict.fromkeys(chart_name(k) for k in keys))
    countries = list(dict.fromkeys(k.country for k in keys))
    if len(countries) == 1:
        place = country_name(countries[0])
    else:
        place = list_text([c.upper() for c in countries], most=4, noun="countries")
    return f"{' / '.join(charts)} · {place}"
