"""Benchmark: `grid` of 4 apps x 8 countries x one year hourly, against bare Matplotlib.

The bare script plots the same arrays (full length, NaN where not ranked) in a figure of the same
size and dpi with the same number of panels and lines, and writes a PNG; no styling, no dates,
no downsampling. Both run in this process, alternately, and the medians of 5 runs are printed.

    python -m bench chart [--runs 5] [--quick]

The target is a ratio of at most 1.3: the chart kinds may add titles, shading, notes and a
legend, but must not be much slower than the plain plot they are built on.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from datetime import UTC, datetime

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from charts.frame import rank_floats
from charts.grid import grid_shape, render_grid
from charts.synthetic import synthetic_history
from charts.timeaxis import to_num
from tracker.models import RankSeries

APPS = [("1001", "Alpha Chat"), ("1002", "Beta Maps"), ("1003", "Gamma Photo"), ("1004", "Delta")]
COUNTRIES = ["us", "gb", "jp", "de", "fr", "br", "in", "au"]
HOURS = 24 * 365


def ours(series: list[RankSeries]) -> tuple[float, tuple[float, float], int]:
    """Seconds to render and write the PNG; figure size in inches; PNG bytes."""
    start = time.perf_counter()
    result = render_grid(series)
    buffer = io.BytesIO()
    result.figure.savefig(buffer, format="png")
    seconds = time.perf_counter() - start
    return seconds, tuple(result.figure.get_size_inches()), buffer.tell()  # type: ignore[return-value]


def bare(series: list[RankSeries], size: tuple[float, float], dpi: float) -> tuple[float, int]:
    """The same arrays, plotted plainly: one panel per country, one line per app."""
    start = time.perf_counter()
    figure = Figure(figsize=size, dpi=dpi)
    FigureCanvasAgg(figure)
    rows, cols = grid_shape(len(COUNTRIES))
    axes = figure.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).ravel()
    for s in series:
        ax = axes[COUNTRIES.index(s.key.country)]
        ax.plot(to_num(s.starts), rank_floats(s.ranks))
    axes[0].invert_yaxis()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return time.perf_counter() - start, buffer.tell()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench chart", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each (default 5)")
    parser.add_argument("--quick", action="store_true", help="3 runs instead of 5")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs = min(args.runs, 3)
    series = synthetic_history(
        APPS, COUNTRIES, start=datetime(2025, 1, 1, tzinfo=UTC), buckets=HOURS, seed=1
    )
    points = sum(len(s.ranks) for s in series)
    print(f"grid: {len(APPS)} apps x {len(COUNTRIES)} countries x {HOURS} hourly buckets")
    print(f"      {len(series)} series, {points:,} points")
    ours(series)  # warm-up: font cache, imports
    mine, plain = [], []
    size: tuple[float, float] = (0.0, 0.0)
    for _ in range(args.runs):
        seconds, size, png_ours = ours(series)
        mine.append(seconds)
        seconds, png_bare = bare(series, size, 120)
        plain.append(seconds)
    a, b = statistics.median(mine), statistics.median(plain)
    print(f"figure {size[0]:.1f} x {size[1]:.1f} in at 120 dpi, PNG written to memory")
    print(f"apprank grid   median of {args.runs}: {a * 1000:7.0f} ms  ({png_ours:,} bytes)")
    print(f"bare matplotlib median of {args.runs}: {b * 1000:7.0f} ms  ({png_bare:,} bytes)")
    print(f"ratio {a / b:.2f} (target <= 1.3)")
    if not np.isfinite(a / b):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
