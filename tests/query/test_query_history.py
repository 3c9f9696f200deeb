"""`history`: rank per bucket, with "not in chart" and "no data" kept apart (see story.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import Engine

from tests.query.story import CHATGPT, DAY, DEEPSEEK, at, build_story, save
from tracker.config.selection import ChartSelection
from tracker.errors import UsageError
from tracker.models import NO_DATA, NOT_IN_CHART, ChartKey
from tracker.query import history as query
from tracker.query.history import history

of = ChartSelection.of
N, X = NOT_IN_CHART, NO_DATA  # 0: fetched, app below the depth; -1: nothing fetched
HOUR = 3600


def grid(series: list) -> dict[tuple[str, str], list[int]]:
    return {(s.app_name.split()[0], s.key.country): s.ranks.tolist() for s in series}


def test_hourly_history_of_two_apps_in_every_country(story: Engine) -> None:
    series = history(story, [DEEPSEEK, CHATGPT])
    assert [(s.app_id, s.key.country) for s in series] == [
        (DEEPSEEK, "gb"),
        (DEEPSEEK, "jp"),
        (DEEPSEEK, "us"),
        (CHATGPT, "gb"),
        (CHATGPT, "jp"),
        (CHATGPT, "us"),
    ]
    assert grid(series) == {
        # buckets:         00h 01h 02h 03h 04h
        ("DeepSeek", "gb"): [N, 3, X, 1, 1],
        ("DeepSeek", "jp"): [X, X, X, X, N],
        ("DeepSeek", "us"): [N, 2, 1, X, 1],
        ("ChatGPT", "gb"): [3, 2, X, 3, 2],
        ("ChatGPT", "jp"): [X, X, X, X, 3],
        ("ChatGPT", "us"): [1, 1, 1, X, 3],
    }
    first = series[0]
    assert first.app_name == "DeepSeek - AI Assistant"
    assert first.developer == "Hangzhou DeepSeek AI"
    assert first.key == ChartKey("apple", "gb", "top-free", "all", "iphone")
    assert first.bucket == timedelta(hours=1)
    start = int(DAY.timestamp())
    assert first.starts.tolist() == [start + i * HOUR for i in range(5)]
    assert first.depth == 3
    assert np.asarray(first.ranks).dtype.name == "int16"


def test_a_global_hit_is_read_at_the_selected_snapshots_with_the_same_result(
    story: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An app in more rankings than the limit is looked up ranking by ranking, not read whole.
    whole = history(story, [DEEPSEEK, CHATGPT], every=timedelta(minutes=30))
    monkeypatch.setattr(query, "ENTRY_SCAN_LIMIT", 0)
    monkeypatch.setattr(query, "ENTRY_SCAN_PER_SNAPSHOT", 0)
    probed = history(story, [DEEPSEEK, CHATGPT], every=timedelta(minutes=30))
    assert grid(probed) == grid(whole)
    assert grid(probed)[("DeepSeek", "us")] == [N, X, 2, X, 1, 2, X, X, 1]


def test_a_bucket_holds_the_best_rank_of_its_snapshots(story: Engine) -> None:
    # us at 02:05 had DeepSeek 1 and ChatGPT 2, at 02:35 the other way round.
    us = of(countries=["us"])
    half_hours = history(story, [DEEPSEEK, CHATGPT], us, every=timedelta(minutes=30))
    assert grid(half_hours) == {
        ("DeepSeek", "us"): [N, X, 2, X, 1, 2, X, X, 1],
        ("ChatGPT", "us"): [1, X, 1, X, 2, 1, X, X, 3],
    }
    days = history(story, [DEEPSEEK, CHATGPT], every=timedelta(days=1))
    assert grid(days) == {
        ("DeepSeek", "gb"): [1],
        ("DeepSeek", "jp"): [N],
        ("DeepSeek", "us"): [1],
        ("ChatGPT", "gb"): [2],
        ("ChatGPT", "jp"): [3],
        ("ChatGPT", "us"): [1],
    }
    assert days[0].starts.tolist() == [int(DAY.timestamp())]


def test_since_and_until_bound_the_grid_and_drop_charts_without_data(story: Engine) -> None:
    series = history(story, [DEEPSEEK], since=at("01:00"), until=at("02:59"))
    # jp has no snapshot in the range, so no series.
    assert grid(series) == {("DeepSeek", "gb"): [3, X], ("DeepSeek", "us"): [2, 1]}


def test_buckets_at_the_edges_are_read_whole(story: Engine) -> None:
    # 01:20 falls in the 01:00 bucket, which holds the 01:05 snapshot; 02:10 in the 02:00 one.
    series = history(story, [DEEPSEEK], of(countries=["us"]), since=at("01:20"), until=at("02:10"))
    assert grid(series) == {("DeepSeek", "us"): [2, 1]}
    assert series[0].starts.tolist() == [int(at("01:00").timestamp()), int(at("02:00").timestamp())]


def test_countries_filter_and_order_follow_the_apps_given(story: Engine) -> None:
    series = history(story, [CHATGPT, DEEPSEEK], of(countries=["US", "fr"]))
    assert [(s.app_id, s.key.country) for s in series] == [(CHATGPT, "us"), (DEEPSEEK, "us")]


def test_all_countries_is_every_country_with_data(story: Engine) -> None:
    every = history(story, [DEEPSEEK], of(countries=["all"]))
    assert [s.key.country for s in every] == ["gb", "jp", "us"]
    assert grid(every) == grid(history(story, [DEEPSEEK]))


def test_an_app_never_stored_is_never_in_the_chart(story: Engine) -> None:
    series = history(story, ["123"], of(countries=["gb"]))
    assert [(s.app_id, s.app_name, s.ranks.tolist()) for s in series] == [
        ("123", "123", [N, N, X, N, N])
    ]


def test_nothing_in_range_gives_no_series(story: Engine) -> None:
    assert history(story, [DEEPSEEK], until=datetime(2025, 1, 1, tzinfo=UTC)) == []
    assert history(story, [DEEPSEEK], of("top-paid")) == []
    assert history(story, []) == []


def test_source_defaults_to_the_charts_usual_feed_unless_only_one_has_data(
    engine: Engine,
) -> None:
    story = engine
    writer = build_story(engine)
    save(writer, "us", at("05:00"), ["gpt", "ds"], chart="top-grossing", source="itunes")
    save(writer, "de", at("05:00"), ["ds"], source="itunes")
    grossing = history(story, [DEEPSEEK], of("top-grossing"))
    assert [(s.key.source, s.key.country, s.ranks.tolist()) for s in grossing] == [
        ("itunes", "us", [2])
    ]
    # top-free: apple by default; in de only itunes has data, so itunes there.
    assert {s.key.source for s in history(story, [DEEPSEEK])} == {"apple"}
    german = history(story, [DEEPSEEK], of(countries=["de"]))
    assert [(s.key.source, s.ranks.tolist()) for s in german] == [("itunes", [1])]
    itunes = history(story, [DEEPSEEK], of(source="itunes"))
    assert [s.key.country for s in itunes] == ["de"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"every": timedelta(0)}, "bucket size must be a whole number of seconds, at least 1s"),
        ({"every": timedelta(milliseconds=1500)}, "bucket size must be a whole number"),
        (
            {"since": datetime(2025, 2, 1, tzinfo=UTC), "until": datetime(2025, 1, 1, tzinfo=UTC)},
            "the start of the range is after its end",
        ),
        ({"every": timedelta(seconds=1), "since": datetime(2024, 1, 1, tzinfo=UTC)}, "buckets"),
    ],
    ids=["zero", "fraction", "reversed", "too-many"],
)
def test_bad_arguments_are_usage_errors(story: Engine, kwargs: dict, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        history(story, [DEEPSEEK], **kwargs)
    assert message in str(caught.value)
    assert caught.value.exit_code == 2
