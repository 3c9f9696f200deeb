"""`grid`: a panel per country, shared axes, each app the same colour in every panel."""

from __future__ import annotations

import numpy as np
import pytest

from charts.grid import grid_shape, render_grid
from charts.result import Span
from charts.spec import MAX_PANELS
from tests.charts.builders import E0, HOUR, N, X, series
from tracker.errors import UsageError
from tracker.storefronts import STOREFRONTS

RANKS = {
    ("1", "us"): [1, 1, 2, N],
    ("2", "us"): [2, 3, 1, 1],
    ("1", "gb"): [4, X, X, 3],
    ("2", "gb"): [5, X, X, 2],
    ("1", "jp"): [N, N, 7, 6],
    ("2", "jp"): [1, 2, 3, X],
}
NAMES = {"1": "Alpha", "2": "Beta"}


def story() -> list:
    return [series(a, NAMES[a], ranks, country=c) for (a, c), ranks in RANKS.items()]


def test_one_panel_per_country_with_every_app_in_it() -> None:
    result = render_grid(story())
    axes = [ax for ax in result.figure.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in axes] == [
        "United States (US)",
        "United Kingdom (GB)",
        "Japan (JP)",
    ]
    assert [(p.app_id, p.key.country, p.panel) for p in result.series] == [
        ("1", "us", 0),
        ("2", "us", 0),
        ("1", "gb", 1),
        ("2", "gb", 1),
        ("1", "jp", 2),
        ("2", "jp", 2),
    ]
    for p in result.series:
        assert p.values.tolist() == RANKS[(p.app_id, p.key.country)]
    for panel, ax in enumerate(axes):
        drawn = {ln.get_gid(): ln.get_ydata()[:-1] for ln in ax.get_lines()}
        for p in result.series:
            if p.panel == panel:
                expected = [
                    float(r) if r >= 1 else np.nan for r in RANKS[(p.app_id, p.key.country)]
                ]
                np.testing.assert_array_equal(drawn[f"rank-{p.app_id}-{p.key.country}"], expected)


def test_same_colour_per_app_and_shared_axes() -> None:
    result = render_grid(story())
    colours = {(p.app_id, p.color) for p in result.series}
    assert colours == {("1", "#0072B2"), ("2", "#D55E00")}
    axes = [ax for ax in result.figure.axes if ax.get_visible()]
    assert {ax.get_ylim() for ax in axes} == {axes[0].get_ylim()}
    assert {ax.get_xlim() for ax in axes} == {axes[0].get_xlim()}
    assert axes[0].get_ylim()[0] > axes[0].get_ylim()[1]  # rank 1 at the top
    (legend,) = result.figure.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "Alpha",
        "Beta",
        "no data (not fetched)",
        "no data in some charts",
    ]


def test_no_data_is_shaded_in_its_own_panel_only() -> None:
    result = render_grid(story())
    assert result.no_data == (
        Span(E0 + HOUR, E0 + 3 * HOUR, 1, False),
        Span(E0 + 3 * HOUR, E0 + 4 * HOUR, 2, True),
    )
    axes = [ax for ax in result.figure.axes if ax.get_visible()]
    hatched = [[p.get_gid() for p in ax.patches] for ax in axes]
    assert hatched == [[], ["no-data"], ["no-data-partial"]]


def test_title_names_apps_chart_countries_and_dates() -> None:
    result = render_grid(story(), simulated=True)
    assert result.title == (
        "Rank of Alpha and Beta · Top Free iPhone · 3 countries · 26 Jan 2025 (simulated)"
    )


@pytest.mark.parametrize(
    ("panels", "shape"),
    [
        (1, (1, 1)),
        (2, (1, 2)),
        (3, (1, 3)),
        (4, (2, 2)),
        (5, (2, 3)),
        (8, (2, 4)),
        (9, (3, 3)),
        (12, (3, 4)),
        (36, (9, 4)),
    ],
)
def test_grid_shape_fills_rows_of_at_most_four(panels: int, shape: tuple[int, int]) -> None:
    assert grid_shape(panels) == shape


def test_too_many_countries_for_small_multiples_is_a_usage_error() -> None:
    many = [series("1", "Alpha", [1], country=c) for c in STOREFRONTS[: MAX_PANELS + 1]]
    with pytest.raises(UsageError, match=r"^37 countries: a grid shows at most 36; "):
        render_grid(many)
