"""`grid`: a panel per country, shared axes, each app the same colour in every panel."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.path import Path

from charts.grid import grid_shape, render_grid
from charts.result import Span
from charts.save import save_figure
from tests.charts.builders import E0, HOUR, N, X, series
from tracker.config.charts import MAX_PANELS
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


def test_same_colour_per_app_and_shared_axes_when_asked() -> None:
    result = render_grid(story(), share_y=True)
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


# The demo's story at #1..#6 in the US, #1..#31 in Brazil; ChatGPT never in China's top 100.
US_DS, US_GPT = [6, 5, 4, 3, 2, 1, 1, 1], [1, 1, 1, 1, 1, 2, 2, 2]
BR_DS, BR_GPT = [31, 24, 17, 10, 5, 3, 2, 1], [2, 1, 2, 3, 2, 1, 2, 2]
CN_DS, CN_GPT = [21, 15, 9, 5, 3, 2, 2, 2], [N] * 8


def crossover() -> list:
    return [
        series("1", "DeepSeek", US_DS, country="us"),
        series("1", "DeepSeek", BR_DS, country="br"),
        series("1", "DeepSeek", CN_DS, country="cn", depth=50),
        series("2", "ChatGPT", US_GPT, country="us"),
        series("2", "ChatGPT", BR_GPT, country="br"),
        series("2", "ChatGPT", CN_GPT, country="cn", depth=50),
    ]


def panels(result) -> list:
    return [ax for ax in result.figure.axes if ax.get_visible()]


def tick_labels(ax) -> list[str]:
    ax.figure.canvas.draw()
    return [t.get_text() for t in ax.get_yticklabels() if t.get_visible() and t.get_text()]


def test_panels_far_apart_in_rank_zoom_each_to_their_own() -> None:
    result = render_grid(crossover())
    us, br, cn = panels(result)
    assert us.get_ylim() == pytest.approx((6.7, 0.3))
    assert tick_labels(us) == ["#1", "#2", "#3", "#4", "#5", "#6"]
    assert br.get_ylim()[0] > 31 and br.get_ylim()[1] < 1
    assert cn.get_ylim()[0] > 21
    # Every panel carries its own rank labels, clear of the panel to its left.
    renderer = result.figure.canvas.get_renderer()
    for left, right in ((us, br), (br, cn)):
        labels = [t for t in right.get_yticklabels() if t.get_text()]
        assert labels and all(
            t.get_window_extent(renderer).x0 > left.get_window_extent(renderer).x1 for t in labels
        )


def test_share_y_forces_one_rank_axis() -> None:
    result = render_grid(crossover(), share_y=True)
    assert {ax.get_ylim() for ax in panels(result)} == {panels(result)[0].get_ylim()}
    assert panels(result)[0].get_ylim()[0] > 31


def test_close_spans_still_share_by_default() -> None:
    near = [
        series("1", "Alpha", [40, 20, 1], country="us"),
        series("1", "Alpha", [30, 10, 2], country="gb"),
    ]
    result = render_grid(near)
    us, gb = panels(result)
    assert us.get_ylim() == gb.get_ylim()
    assert tick_labels(gb) == []  # the shared axis is labelled once, on the left


def test_a_panel_without_an_apps_line_says_not_in_top_depth() -> None:
    result = render_grid(crossover())
    cn = panels(result)[2]
    (remark,) = [t for t in cn.texts if t.get_gid() == "absent-2-cn"]
    assert remark.get_text() == "ChatGPT: not in top 50"
    assert remark.get_color() == "#D55E00"  # ChatGPT's colour in every panel
    assert [(n.kind, n.app_id, n.value, n.panel) for n in result.notes] == [
        ("not_in_top", "2", 50, 2)
    ]
    result.figure.canvas.draw()
    renderer = result.figure.canvas.get_renderer()
    box = remark.get_window_extent(renderer)
    assert cn.get_window_extent(renderer).contains(box.x0, box.y0)
    for line in cn.get_lines():
        vertices = line.get_transform().transform(line.get_path().vertices)
        vertices = vertices[np.isfinite(vertices).all(axis=1)]
        if len(vertices) > 1:
            assert not Path(vertices).intersects_bbox(box, filled=False), line.get_gid()


def test_a_dollar_in_an_app_name_is_drawn_literally(tmp_path) -> None:
    name = r"Money $\frac{1}{$ maker"
    result = render_grid(
        [series("1", name, [3, 1], country="us"), series("1", name, [N, N], country="gb")]
    )
    save_figure(result.figure, tmp_path / "grid.png")
    (legend,) = result.figure.legends
    assert legend.get_texts()[0].get_text() == name
    assert [t.get_text() for t in panels(result)[1].texts] == [f"{name}: not in top 100"]
