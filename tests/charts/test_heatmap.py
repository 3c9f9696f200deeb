"""`heatmap`: countries x time for one app, sorted by best rank, three states three looks."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib import colormaps
from matplotlib.colors import LogNorm, to_rgba

from charts.grid import render_grid
from charts.heatmap import CMAP, render_heatmap
from charts.names import country_label
from charts.result import NothingToChart, Span
from charts.style import NOT_IN_CHART
from tests.charts.builders import E0, HOUR, N, X, series
from tracker.errors import UsageError
from tracker.storefronts import STOREFRONTS

RANKS = {
    "us": [5, 3, N, X],
    "gb": [1, 2, 2, 2],
    "jp": [N, N, N, N],
    "de": [X, X, X, X],
    "fr": [4, 4, X, N],
}


def story() -> list:
    return [series("1", "Alpha", ranks, country=c) for c, ranks in RANKS.items()]


def cells(result) -> np.ndarray:
    (mesh,) = [c for c in result.figure.axes[0].collections if c.get_gid() == "cells"]
    return np.asarray(mesh.get_array())  # rows x buckets x RGBA


def test_rows_are_countries_sorted_by_best_rank() -> None:
    result = render_heatmap(story())
    assert [(p.key.country, p.panel) for p in result.series] == [
        ("gb", 0),
        ("us", 1),
        ("fr", 2),
        ("jp", 3),  # never ranked but fetched
        ("de", 4),  # no data at all comes last
    ]
    for p in result.series:
        assert p.values.tolist() == RANKS[p.key.country]
    ax = result.figure.axes[0]
    result.figure.canvas.draw()
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "United Kingdom (GB)",
        "United States (US)",
        "France (FR)",
        "Japan (JP)",
        "Germany (DE)",
    ]


def test_cells_colour_rank_and_keep_not_in_chart_and_no_data_apart() -> None:
    result = render_heatmap(story())
    colours = cells(result)
    scale = colormaps[CMAP]
    norm = LogNorm(1, 100)
    gb, us, fr, jp, de = colours
    np.testing.assert_allclose(gb[0], scale(norm(1.0)))  # #1: the brightest colour
    np.testing.assert_allclose(us[1], scale(norm(3.0)))
    np.testing.assert_allclose(us[2], to_rgba(NOT_IN_CHART))  # not in chart: flat grey
    np.testing.assert_allclose(jp, [to_rgba(NOT_IN_CHART)] * 4)
    assert us[3][3] == 0 and (de[:, 3] == 0).all()  # no data: see-through to the hatching
    assert fr[2][3] == 0 and (colours[:, :, 3] == 0).sum() == 2 + 4
    assert [p.get_hatch() for p in result.figure.axes[0].patches] == ["////"]


def test_no_data_spans_per_row() -> None:
    result = render_heatmap(story())
    assert result.no_data == (
        Span(E0 + 3 * HOUR, E0 + 4 * HOUR, 1, False),
        Span(E0 + 2 * HOUR, E0 + 3 * HOUR, 2, False),
        Span(E0, E0 + 4 * HOUR, 4, False),
    )


def test_colour_bar_puts_one_on_top_and_legend_names_the_other_states() -> None:
    result = render_heatmap(story())
    bar = result.figure.axes[1]
    assert bar.get_ylim()[0] > bar.get_ylim()[1]
    assert bar.get_yticks().tolist() == [1, 2, 3, 5, 10, 20, 50, 100]
    (legend,) = result.figure.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "not in the top 100",
        "no data (not fetched)",
    ]
    assert result.title == "Rank of Alpha by country · Top Free iPhone · 5 countries · 26 Jan 2025"


def test_heatmap_shows_one_app() -> None:
    two = [series("1", "Alpha", [1]), series("2", "Beta", [2])]
    with pytest.raises(UsageError, match=r"^a heatmap shows one app; got 2: Alpha, Beta$"):
        render_heatmap(two)


def test_never_ranked_anywhere_is_nothing_to_chart() -> None:
    with pytest.raises(NothingToChart, match="not in the top 100 at any time"):
        render_heatmap([series("1", "Alpha", [N, N], country=c) for c in ("us", "gb")])


def test_rows_reaching_the_same_best_rank_are_ordered_by_when_they_got_there() -> None:
    rise = {
        "de": [9, 5, 3, 2, 1, 1],  # #1 at 04:00
        "us": [3, 1, 1, 1, 1, 1],  # #1 at 01:00: first
        "gb": [7, 4, 2, 1, 1, 1],  # #1 at 03:00
        "cn": [12, 6, 2, 2, 2, 2],  # best #2 only: after every #1
        "jp": [20, 9, 4, 3, 3, 3],
    }
    result = render_heatmap([series("1", "Alpha", r, country=c) for c, r in rise.items()])
    assert [p.key.country for p in result.series] == ["us", "gb", "de", "cn", "jp"]
    (footnote,) = [t.get_text() for t in result.figure.texts if t.get_gid() == "footnote"]
    assert "rows by best rank, earliest first" in footnote


def test_rows_are_named_as_the_grid_names_its_panels_even_when_many() -> None:
    codes = ["us", *[c for c in STOREFRONTS if c != "us"][:44]]
    result = render_heatmap(
        [series("1", "Alpha", [1 + i % 9], country=c) for i, c in enumerate(codes)]
    )
    result.figure.canvas.draw()
    labels = [t.get_text() for t in result.figure.axes[0].get_yticklabels()]
    assert len(labels) == 45
    assert set(labels) == {country_label(c) for c in codes}
    assert "United States (US)" in labels
    grid = render_grid([series("1", "Alpha", [1], country="us")])
    assert grid.figure.axes[0].get_title(loc="left") == "United States (US)"
