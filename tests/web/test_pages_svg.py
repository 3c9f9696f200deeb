"""The pages' SVG charts (tracker/web/svg.py) as text: the states, the axis, the tooltips, and
names that hold markup."""

from __future__ import annotations

import re
from array import array
from datetime import timedelta

from tracker.models import NO_DATA, NOT_IN_CHART, ChartKey, RankSeries
from tracker.web.svg import Line, count_chart, rank_chart

T0 = 1737936000  # 2025-01-27T00:00:00Z
HOUR = 3600


def series(ranks: list[int], name: str = "DeepSeek", country: str = "us") -> RankSeries:
    return RankSeries(
        app_id="1",
        app_name=name,
        developer=None,
        key=ChartKey("apple", country, "top-free"),
        bucket=timedelta(hours=1),
        starts=array("q", [T0 + i * HOUR for i in range(len(ranks))]),
        ranks=array("h", ranks),
        depth=100,
    )


def titles(svg: str) -> list[str]:
    return re.findall(r"<title>([^<]*)</title>", svg)


def test_each_state_has_its_own_mark_and_tooltip() -> None:
    svg = rank_chart(
        [Line("DeepSeek", "United States", series([3, NOT_IN_CHART, NOT_IN_CHART, NO_DATA, 1]))],
        title="DeepSeek: rank over time",
    )
    assert titles(svg) == [
        "DeepSeek: rank over time",
        "DeepSeek · United States: not in chart (below #100) from 2025-01-27T01:00:00Z to "
        "2025-01-27T03:00:00Z",
        "DeepSeek · United States: no data (nothing fetched) at 2025-01-27T03:00:00Z",
        "DeepSeek · United States: #3 at 2025-01-27T00:00:00Z",
        "DeepSeek · United States: #1 at 2025-01-27T04:00:00Z",
    ]
    assert svg.count('class="not-in-chart"') == 1 and svg.count('class="no-data"') == 1
    assert 'fill="url(#nodata)"' in svg
    # The line breaks where the app was not ranked: two runs, two paths.
    assert svg.count('<path class="line"') == 2
    # The rank axis ends at the first round ceiling holding the ranks shown.
    assert re.findall(r'class="tick end"[^>]*>(#\d+)<', svg) == ["#1", "#2", "#3", "#4", "#5"]


def test_lines_at_one_rank_at_one_time_share_a_point_that_names_both() -> None:
    svg = rank_chart(
        [
            Line("DeepSeek", "United States", series([2, 1])),
            Line("DeepSeek", "Japan", series([1, 1], country="jp")),
        ],
        title="t",
    )
    points = re.findall(
        r'data-series="([\d ]+)" data-rank="(\d)" data-at="[^"]+"><title>([^<]*)', svg
    )
    assert points == [
        ("0", "2", "DeepSeek · United States: #2 at 2025-01-27T00:00:00Z"),
        ("0 1", "1", "DeepSeek · United States, Japan: #1 at 2025-01-27T01:00:00Z"),
        ("1", "1", "DeepSeek · Japan: #1 at 2025-01-27T00:00:00Z"),
    ]


def test_names_are_escaped() -> None:
    name = 'Evil <script>alert("x")</script> & Co'
    svg = rank_chart([Line(name, "United States", series([1], name=name))], title=name)
    assert "<script>" not in svg
    assert "Evil &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co · United States" in svg


def test_the_count_chart_draws_a_bar_per_bucket_with_a_count() -> None:
    starts = [T0, T0 + HOUR, T0 + 2 * HOUR]
    svg = count_chart(starts, [0, 1, 51], HOUR, title="t", what=("one", "many"))
    assert titles(svg)[1:] == [
        "1 one at 2025-01-27T01:00:00Z",
        "51 many at 2025-01-27T02:00:00Z",
    ]


def test_nothing_to_draw_is_no_markup() -> None:
    assert rank_chart([], title="t") == ""
    assert count_chart([], [], HOUR, title="t", what=("x", "xs")) == ""
