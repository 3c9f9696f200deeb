"""`stats`: best rank and when, first/last seen, hours at #1 and in the top 10 (story.py)."""

from __future__ import annotations

from dataclasses import astuple

from sqlalchemy import Engine

from tests.query.story import CHATGPT, DEEPSEEK, at
from tracker.config.selection import ChartSelection
from tracker.models import ChartKey
from tracker.query.stats import CountryStats, stats


def key(country: str) -> ChartKey:
    return ChartKey("apple", country, "top-free")


def test_stats_in_every_country_the_app_was_in(story: Engine) -> None:
    assert stats(story, DEEPSEEK) == [
        # best 1 first at 03:06; seen 01:06..04:06; #1 in hours 03 and 04; top 10 in 01, 03, 04
        CountryStats("gb", key("gb"), "ranked", 1, at("03:06"), at("01:06"), at("04:06"), 2, 3, 3),
        # best 1 first at 02:05; seen 01:05..04:05; #1 in hours 02 and 04 (02:05 and 04:05)
        CountryStats("us", key("us"), "ranked", 1, at("02:05"), at("01:05"), at("04:05"), 2, 3, 4),
    ]


def test_hours_count_clock_hours_not_snapshots(story: Engine) -> None:
    # ChatGPT was #1 in the us at 00:05, 01:05, 02:35: three hours, four snapshots in all.
    [us] = stats(story, CHATGPT, ChartSelection.of(countries=["us"]))
    assert astuple(us)[3:] == (1, at("00:05"), at("00:05"), at("04:05"), 3, 4, 5)


def test_countries_asked_for_report_their_state(story: Engine) -> None:
    results = stats(story, DEEPSEEK, ChartSelection.of(countries=["us", "jp", "fr"]))
    assert [(s.country, s.state) for s in results] == [
        ("fr", "no_data"),
        ("jp", "not_in_chart"),
        ("us", "ranked"),
    ]
    assert results[0] == CountryStats("fr", None, "no_data")
    never = CountryStats("jp", key("jp"), "not_in_chart", hours_at_1=0, hours_top_10=0, snapshots=0)
    assert results[1] == never


def test_unknown_app_or_chart(story: Engine) -> None:
    assert stats(story, "999") == []
    gb = ChartSelection.of(countries=["gb"])
    assert [s.state for s in stats(story, "999", gb)] == ["not_in_chart"]
    paid_gb = ChartSelection.of("top-paid", countries=["gb"])
    assert [s.state for s in stats(story, DEEPSEEK, paid_gb)] == ["no_data"]
