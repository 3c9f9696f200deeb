"""`rank`: lines are the stored ranks, broken where not in chart, hatched where no data."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.path import Path
from matplotlib.text import Text

from charts.rank import first_number_one, overtakes, render_rank
from charts.result import Note, NothingToChart, Span
from charts.save import save_figure
from charts.timeaxis import to_num
from tests.charts.builders import E0, HOUR, N, X, hours, series
from tracker.errors import UsageError

# Alpha climbs past Beta at 10:00 and reaches #1 at 16:00; it is out of the chart at 06:00 and
# 07:00, and nobody has data at 08:00 and 09:00 (the fetch failed).
ALPHA = [5] * 6 + [N, N, X, X] + [3] * 6 + [1] * 8
BETA = [4] * 8 + [X, X] + [4] * 14


def story() -> list:
    return [series("1", "Alpha", ALPHA), series("2", "Beta", BETA)]


def line(ax: Axes, gid: str) -> np.ndarray:
    """The y values of the line with this gid, without its closing point."""
    (found,) = [ln for ln in ax.get_lines() if ln.get_gid() == gid]
    return np.asarray(found.get_ydata(), dtype=float)[:-1]


def test_plotted_series_are_the_stored_ranks() -> None:
    result = render_rank(story())
    assert [(p.label, p.app_id, p.key.country) for p in result.series] == [
        ("Alpha", "1", "us"),
        ("Beta", "2", "us"),
    ]
    assert result.series[0].values.tolist() == ALPHA
    assert result.series[1].values.tolist() == BETA
    assert result.series[0].starts.tolist() == [E0 + h * HOUR for h in range(24)]
    assert (result.step, result.downsampled) == (HOUR, False)


def test_lines_break_where_not_ranked_and_no_data_is_hatched() -> None:
    result = render_rank(story())
    ax = result.figure.axes[0]
    alpha = line(ax, "rank-1-us")
    assert np.isnan(alpha[6:10]).all()  # 06-07 not in chart, 08-09 no data: no line
    assert alpha[:6].tolist() == [5.0] * 6 and alpha[10:].tolist() == [3.0] * 6 + [1.0] * 8
    beta = line(ax, "rank-2-us")
    assert np.isnan(beta[8:10]).all() and not np.isnan(beta[:8]).any()
    assert result.no_data == (Span(E0 + 8 * HOUR, E0 + 10 * HOUR, 0, False),)
    hatched = [p for p in ax.patches if p.get_gid() == "no-data"]
    assert len(hatched) == 1
    x0, x1 = to_num(np.array(hours(8, 10)))
    assert hatched[0].get_x() == pytest.approx(x0)
    assert hatched[0].get_x() + hatched[0].get_width() == pytest.approx(x1)
    assert hatched[0].get_hatch() == "////"  # not-in-chart (06-07) has no patch at all


def test_overtake_and_first_number_one_are_annotated() -> None:
    result = render_rank(story())
    assert result.notes == (
        Note("overtake", E0 + 10 * HOUR, "1", 3, "Alpha passes Beta", "2"),
        Note("first_number_one", E0 + 16 * HOUR, "1", 1, "Alpha: first #1, 26 Jan 16:00"),
    )
    texts = [t.get_text() for t in result.figure.axes[0].texts]
    assert texts == ["Alpha passes Beta", "Alpha: first #1, 26 Jan 16:00"]


def test_no_annotations_when_asked() -> None:
    result = render_rank(story(), annotate=False)
    assert result.notes == ()
    assert list(result.figure.axes[0].texts) == []


def test_first_number_one_needs_a_charted_time_below_one_before_it() -> None:
    assert first_number_one(np.array([3, 2, 1, 1], dtype=np.int16)) == 2
    assert first_number_one(np.array([N, X, 1], dtype=np.int16)) == 2
    assert first_number_one(np.array([X, X, 1, 2], dtype=np.int16)) is None  # #1 from the start
    assert first_number_one(np.array([2, 3], dtype=np.int16)) is None


def test_overtakes_ignore_flips_that_do_not_hold() -> None:
    a = np.array([2, 2, 2, 1, 2, 2, 1, 1, 1], dtype=np.int16)
    b = np.array([1, 1, 1, 2, 1, 1, 2, 2, 2], dtype=np.int16)
    assert overtakes(a, b, hold=2) == [(6, -1, 3)]  # the one-bucket flip at 3 is noise
    assert overtakes(a, b, hold=1) == [(3, -1, 1), (4, 1, 2), (6, -1, 3)]
    assert overtakes(b, a, hold=2) == [(6, 1, 3)]


def test_several_countries_one_app_colours_by_country_and_shades_partial_gaps() -> None:
    us = series("1", "Alpha", [1, 1, X, X, 2], country="us")
    gb = series("1", "Alpha", [2, X, X, 3, 3], country="gb")
    result = render_rank([us, gb])
    assert [p.label for p in result.series] == ["United States", "United Kingdom"]
    assert result.series[0].color != result.series[1].color
    assert result.no_data == (
        Span(E0 + HOUR, E0 + 2 * HOUR, 0, True),
        Span(E0 + 2 * HOUR, E0 + 3 * HOUR, 0, False),
        Span(E0 + 3 * HOUR, E0 + 4 * HOUR, 0, True),
    )
    assert result.title == "Rank of Alpha · Top Free iPhone · US and GB · 26 Jan 2025"


def test_apps_in_several_countries_keep_one_colour_per_app() -> None:
    result = render_rank(
        [
            series("1", "Alpha", [1, 2], country="us"),
            series("1", "Alpha", [3, 4], country="jp"),
            series("2", "Beta", [2, 1], country="us"),
            series("2", "Beta", [4, 3], country="jp"),
        ]
    )
    looks = [(p.label, p.color, p.linestyle) for p in result.series]
    assert looks == [
        ("Alpha (US)", "#0072B2", "-"),
        ("Alpha (JP)", "#0072B2", "--"),
        ("Beta (US)", "#D55E00", "-"),
        ("Beta (JP)", "#D55E00", "--"),
    ]


@pytest.mark.parametrize(
    ("scale", "ylim", "ticks"),
    [
        ("zoom", (5.7, 0.3), [1, 2, 3, 4, 5]),
        ("fixed", (100.7, 0.3), [1, 20, 40, 60, 80, 100]),
    ],
)
def test_rank_axis_has_one_at_the_top(scale: str, ylim: tuple, ticks: list[int]) -> None:
    ax = render_rank(story(), scale=scale).figure.axes[0]
    assert ax.get_ylim() == pytest.approx(ylim)
    assert [int(t) for t in ax.get_yticks()] == ticks
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "#1"


def test_log_scale_keeps_round_ranks() -> None:
    ax = render_rank(story(), scale="log").figure.axes[0]
    assert ax.get_yscale() == "log"
    bottom, top = ax.get_ylim()
    assert bottom == pytest.approx(6.0) and top == pytest.approx(1 / 1.2)
    assert ax.get_yticks().tolist() == [1, 2, 3, 5]


def test_title_and_footnote_say_what_where_when_and_source() -> None:
    result = render_rank(story(), simulated=True)
    assert result.title == (
        "Rank of Alpha and Beta · Top Free iPhone · United States · 26 Jan 2025 (simulated)"
    )
    assert result.figure.get_suptitle() == result.title
    (footnote,) = [t.get_text() for t in result.figure.texts if t.get_gid() == "footnote"]
    assert footnote == (
        "Source: Apple RSS v2 · captures 2025-01-26 00:00 – 2025-01-26 23:00 UTC"
        " · best rank per hour · gaps: not in the top 100 · apprank"
    )


def test_dates_are_shown_in_the_chosen_time_zone() -> None:
    result = render_rank(story(), tz="Asia/Tokyo")
    assert result.title.endswith("· 26–27 Jan 2025")
    (footnote,) = [t.get_text() for t in result.figure.texts if t.get_gid() == "footnote"]
    assert "captures 2025-01-26 09:00 – 2025-01-27 08:00 Asia/Tokyo" in footnote
    ax = result.figure.axes[0]
    result.figure.canvas.draw()
    ticks = [round(float(t) * 24) for t in ax.get_xticks()]  # hours since the epoch
    labels = dict(zip(ticks, [t.get_text() for t in ax.get_xticklabels()], strict=True))
    # Midnight in Tokyo is 15:00 UTC: the day changes there.
    assert labels[(E0 + 15 * HOUR) // HOUR] == "Jan-27"
    assert labels[(E0 + 3 * HOUR) // HOUR] == "12:00"


def test_unknown_time_zone_and_scale_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="unknown time zone 'Mars/Olympus'"):
        render_rank(story(), tz="Mars/Olympus")
    with pytest.raises(UsageError, match="unknown scale 'tiny'"):
        render_rank(story(), scale="tiny")


def test_nothing_to_draw_is_an_error_not_an_empty_picture() -> None:
    with pytest.raises(NothingToChart, match=r"^no data to chart: the query returned no series$"):
        render_rank([])
    with pytest.raises(NothingToChart) as no_data:
        render_rank([series("1", "Alpha", [X, X, X])])
    assert str(no_data.value) == (
        "no data for Alpha in Top Free iPhone · United States: "
        "no snapshot of that chart in the range"
    )
    with pytest.raises(NothingToChart) as never:
        render_rank([series("1", "Alpha", [N, X, N])])
    assert str(never.value) == (
        "Alpha in Top Free iPhone · United States: not in the top 100 at any time in 26 Jan 2025"
    )
    assert NothingToChart("x").exit_code == 1


# The demo's US story, hour by hour from 25 Jan: DeepSeek climbs #6..#2 and takes #1 at 06:00 on
# 27 Jan, the hour ChatGPT drops to #2.
def runs(*pairs: tuple[int, int]) -> list[int]:
    return [rank for rank, count in pairs for _ in range(count)]


DEEPSEEK_US = runs((6, 5), (5, 7), (4, 9), (3, 12), (2, 21), (1, 54))
CHATGPT_US = runs((1, 54), (2, 54))


def demo_us() -> list:
    return [series("1", "DeepSeek", DEEPSEEK_US), series("2", "ChatGPT", CHATGPT_US)]


def test_a_small_rank_span_labels_every_rank() -> None:
    ax = render_rank(demo_us()).figure.axes[0]
    assert [int(t) for t in ax.get_yticks()] == [1, 2, 3, 4, 5, 6]
    ax.figure.canvas.draw()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["#1", "#2", "#3", "#4", "#5", "#6"]


def crossed_by(ax: Axes, text: Text) -> list[str]:
    """The gids of the rank lines whose drawn path passes through the text's rendered box."""
    renderer = ax.figure.canvas.get_renderer()
    box = Text.get_window_extent(text, renderer)  # the text alone, not an annotation's arrow
    hit = []
    for found in ax.get_lines():
        if not str(found.get_gid()).startswith("rank-"):
            continue
        vertices = found.get_transform().transform(found.get_path().vertices)
        finite = np.isfinite(vertices).all(axis=1)
        pieces = np.split(vertices, np.flatnonzero(~finite))
        for piece in pieces:
            piece = piece[np.isfinite(piece).all(axis=1)]
            if len(piece) > 1 and Path(piece).intersects_bbox(box, filled=False):
                hit.append(found.get_gid())
                break
    return hit


@pytest.mark.parametrize("make", [demo_us, story], ids=["demo-us", "story"])
def test_annotation_labels_sit_where_no_line_passes(make) -> None:
    result = render_rank(make())
    result.figure.canvas.draw()
    ax = result.figure.axes[0]
    assert ax.texts, "the story has annotations"
    area = ax.get_window_extent()
    for text in ax.texts:
        assert crossed_by(ax, text) == [], text.get_text()
        box = Text.get_window_extent(text)
        assert area.x0 <= box.x0 and box.x1 <= area.x1, text.get_text()
        assert area.y0 <= box.y0 and box.y1 <= area.y1, text.get_text()


def test_labels_stay_put_when_the_chart_is_saved(tmp_path) -> None:
    result = render_rank(demo_us())
    (label,) = result.figure.axes[0].texts
    before = Text.get_window_extent(label, result.figure.canvas.get_renderer()).bounds
    save_figure(result.figure, tmp_path / "rank.png")
    assert Text.get_window_extent(label).bounds == pytest.approx(before, abs=0.5)


def test_an_app_never_ranked_says_so_with_the_depth_fetched() -> None:
    cn = [
        series("1", "DeepSeek", [21, 20, 12, 6, 2, 2], country="cn", depth=50),
        series("2", "ChatGPT", [N, N, X, N, N, N], country="cn", depth=50),
    ]
    result = render_rank(cn)
    ax = result.figure.axes[0]
    (remark,) = [t for t in ax.texts if t.get_gid() == "absent-2-cn"]
    assert remark.get_text() == "ChatGPT: not in top 50"
    assert remark.get_color() == result.series[1].color
    result.figure.canvas.draw()
    assert crossed_by(ax, remark) == []


MATH_NAME = r"Money $\frac{1}{$ maker"


def test_a_dollar_in_an_app_name_is_drawn_literally(tmp_path) -> None:
    ranks = [3, 2, 2, 1, 1, 1]
    result = render_rank([series("1", MATH_NAME, ranks), series("2", "Beta", [1, 1, 1, 2, 2, 2])])
    save_figure(result.figure, tmp_path / "money.png")  # raised ValueError from mathtext
    figure = result.figure
    assert figure.get_suptitle().startswith(f"Rank of {MATH_NAME} and Beta")
    (legend,) = figure.axes[0].get_legend().get_texts()[:1]
    assert legend.get_text() == MATH_NAME
    texts = [t for t in figure.findobj(Text) if "$" in t.get_text()]
    assert len(texts) >= 3  # title, legend, annotation
    assert all(not t.get_parse_math() for t in texts)
