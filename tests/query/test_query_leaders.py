"""`leaders`, `countries_with_data` and `first_time_at_rank` over the story in story.py."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.query.story import CHATGPT, DEEPSEEK, YOUTUBE, at
from tracker.config.selection import ChartSelection
from tracker.errors import UsageError
from tracker.query.history import countries_with_data, first_time_at_rank, leaders


def test_leaders_at_the_latest_snapshot_of_each_country(story: Engine) -> None:
    assert leaders(story, DEEPSEEK) == [("gb", 1, at("04:06")), ("us", 1, at("04:05"))]
    assert leaders(story, YOUTUBE) == [("jp", 1, at("04:07"))]


def test_leaders_within_a_wider_rank_sort_by_rank_then_country(story: Engine) -> None:
    assert leaders(story, CHATGPT, rank=3) == [
        ("gb", 2, at("04:06")),
        ("jp", 3, at("04:07")),
        ("us", 3, at("04:05")),
    ]
    assert leaders(story, CHATGPT, rank=2) == [("gb", 2, at("04:06"))]


def test_leaders_at_a_past_time_use_each_countrys_latest_snapshot_by_then(story: Engine) -> None:
    # At 02:10: us was last fetched at 02:05 (DeepSeek #1), gb at 01:06 (DeepSeek #3).
    assert leaders(story, DEEPSEEK, at=at("02:10")) == [("us", 1, at("02:05"))]
    assert leaders(story, DEEPSEEK, rank=3, at=at("02:10")) == [
        ("us", 1, at("02:05")),
        ("gb", 3, at("01:06")),
    ]
    # At 02:40 the 02:35 snapshot had put ChatGPT back on top in the us.
    assert leaders(story, DEEPSEEK, at=at("02:40")) == []
    assert leaders(story, DEEPSEEK, at=at("00:00")) == []


def test_leaders_of_unknown_apps_and_charts_are_empty(story: Engine) -> None:
    assert leaders(story, "999") == []
    assert leaders(story, DEEPSEEK, ChartSelection.of("top-paid")) == []
    with pytest.raises(UsageError, match="rank must be at least 1"):
        leaders(story, DEEPSEEK, rank=0)


def test_countries_with_data_at_a_time(story: Engine) -> None:
    assert countries_with_data(story) == ["gb", "jp", "us"]
    assert countries_with_data(story, at=at("02:10")) == ["gb", "us"]
    assert countries_with_data(story, at=at("00:00")) == []


def test_a_selection_of_countries_limits_both(story: Engine) -> None:
    some = ChartSelection.of(countries=["gb", "fr"])
    assert countries_with_data(story, some) == ["gb"]
    assert leaders(story, DEEPSEEK, some) == [("gb", 1, at("04:06"))]
    every = ChartSelection.of(countries=["all"])
    assert countries_with_data(story, every) == ["gb", "jp", "us"]


def in_(country: str) -> ChartSelection:
    """Top free iPhone apps in one country."""
    return ChartSelection.of(country=country)


def test_first_time_at_rank(story: Engine) -> None:
    assert first_time_at_rank(story, DEEPSEEK, in_("us")) == at("02:05")
    assert first_time_at_rank(story, DEEPSEEK, in_("gb")) == at("03:06")
    assert first_time_at_rank(story, DEEPSEEK, in_("us"), rank=2) == at("01:05")
    assert first_time_at_rank(story, DEEPSEEK, in_("jp")) is None
    assert first_time_at_rank(story, DEEPSEEK, in_("fr")) is None
    assert first_time_at_rank(story, CHATGPT, in_("us")) == at("00:05")
    with pytest.raises(ValueError, match="one country expected, not every"):
        first_time_at_rank(story, CHATGPT, ChartSelection.of(countries=["all"]))
