"""`leaders`: the number of countries where each app holds #1 (or the top N), bucket by bucket."""

from __future__ import annotations

import numpy as np
import pytest

from charts.leaders import render_leaders
from charts.render import render
from charts.result import Note, NothingToChart, Span
from charts.save import save_figure
from tests.charts.builders import E0, HOUR, N, X, series
from tracker.errors import UsageError

RANKS = {
    ("1", "us"): [1, 1, 2, X],
    ("1", "gb"): [1, 2, 1, X],
    ("1", "jp"): [3, 1, X, X],
    ("2", "us"): [2, 2, 1, X],
    ("2", "gb"): [2, 1, 2, X],
    ("2", "jp"): [1, 2, X, X],
}
NAMES = {"1": "Alpha", "2": "Beta"}


def story() -> list:
    return [series(a, NAMES[a], ranks, country=c) for (a, c), ranks in RANKS.items()]


def test_counts_countries_at_number_one_per_bucket() -> None:
    result = render_leaders(story())
    assert [(p.label, p.app_id, p.key.country) for p in result.series] == [
        ("Alpha", "1", "*"),
        ("Beta", "2", "*"),
    ]
    assert result.series[0].values.tolist() == [2, 2, 1, -1]
    assert result.series[1].values.tolist() == [1, 1, 1, -1]
    ax = result.figure.axes[0]
    drawn = {ln.get_gid(): ln.get_ydata()[:-1] for ln in ax.get_lines() if ln.get_gid()}
    np.testing.assert_array_equal(drawn["leaders-1"], [2, 2, 1, np.nan])
    np.testing.assert_array_equal(drawn["countries-with-data"], [3, 3, 2, np.nan])
    assert result.no_data == (Span(E0 + 3 * HOUR, E0 + 4 * HOUR, 0, False),)


def test_top_n_counts_every_rank_up_to_n() -> None:
    result = render_leaders(story(), top=2)
    assert [p.values.tolist() for p in result.series] == [[2, 3, 2, -1], [3, 3, 2, -1]]
    assert result.title.startswith("Countries where Alpha and Beta are top 2 · ")


def test_peaks_are_noted_and_the_highest_called_out() -> None:
    result = render_leaders(story())
    assert result.notes == (
        Note("peak", E0, "1", 2, "Alpha: #1 in 2 countries, 26 Jan"),
        Note("peak", E0, "2", 1, "Beta: #1 in 1 countries, 26 Jan"),
    )
    ax = result.figure.axes[0]
    assert [t.get_text() for t in ax.texts] == ["Alpha: #1 in 2 countries, 26 Jan"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "countries with data",
        "Alpha (peak 2, 26 Jan)",
        "Beta (peak 1, 26 Jan)",
        "no data (not fetched)",
    ]
    assert result.title == (
        "Countries where Alpha and Beta are #1 · Top Free iPhone · 3 countries · 26 Jan 2025"
    )


def test_never_at_number_one_is_nothing_to_chart() -> None:
    never = [series("1", "Alpha", [2, N], country=c) for c in ("us", "gb", "jp")]
    with pytest.raises(NothingToChart) as caught:
        render_leaders(never)
    assert str(caught.value) == "Alpha never #1 in any of 3 countries in 26 Jan 2025"
    with pytest.raises(NothingToChart, match=r"^no data to chart"):
        render_leaders([series("1", "Alpha", [X, X])])


def test_top_must_be_positive() -> None:
    with pytest.raises(UsageError, match=r"^--top must be at least 1 \(got 0\)$"):
        render_leaders(story(), top=0)


@pytest.mark.parametrize("kind", ["leaders", "heatmap"])
def test_a_dollar_in_an_app_name_is_drawn_literally(kind: str, tmp_path) -> None:
    name = r"Money $\frac{1}{$ maker"
    ranks = [series("1", name, [2, 1], country=c) for c in ("us", "gb")]
    result = render(kind, ranks)
    save_figure(result.figure, tmp_path / f"{kind}.png")  # mathtext raised ValueError here
    assert name in result.figure.get_suptitle()
