"""`compare`: who leads per country now, and every overtake (see story.py)."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.query.story import CHATGPT, DEEPSEEK, at, save
from tracker.config.selection import ChartSelection
from tracker.query.compare import Comparison, Overtake, compare
from tracker.store.writer import SnapshotWriter


def summary(results: list[Comparison]) -> list[tuple]:
    return [(c.key.country, c.at, c.rank_a, c.rank_b, c.leader) for c in results]


def test_compare_now_and_every_overtake(story: Engine) -> None:
    results = compare(story, DEEPSEEK, CHATGPT)
    assert summary(results) == [
        ("gb", at("04:06"), 1, 2, DEEPSEEK),
        ("jp", at("04:07"), None, 3, CHATGPT),
        ("us", at("04:05"), 1, 3, DEEPSEEK),
    ]
    by_country = {c.key.country: c.overtakes for c in results}
    assert by_country["gb"] == [Overtake(at("03:06"), DEEPSEEK, 1, 3)]
    assert by_country["jp"] == []
    assert by_country["us"] == [
        Overtake(at("02:05"), DEEPSEEK, 1, 2),
        Overtake(at("02:35"), CHATGPT, 2, 1),
        Overtake(at("04:05"), DEEPSEEK, 1, 3),
    ]


def test_swapping_the_apps_swaps_the_ranks(story: Engine) -> None:
    results = compare(story, CHATGPT, DEEPSEEK, ChartSelection.of(countries=["gb"]))
    assert summary(results) == [("gb", at("04:06"), 2, 1, DEEPSEEK)]
    assert results[0].overtakes == [Overtake(at("03:06"), DEEPSEEK, 3, 1)]


def test_when_neither_is_in_the_chart_the_lead_stays_and_nobody_leads_now(
    engine: Engine,
) -> None:
    writer = SnapshotWriter(engine)
    save(writer, "us", at("00:00"), ["ds", "gpt"])
    save(writer, "us", at("01:00"), ["wa", "tik"])  # neither: DeepSeek keeps the lead
    save(writer, "us", at("02:00"), ["ds", "wa"])  # DeepSeek again: no overtake
    save(writer, "us", at("03:00"), ["gpt", "wa"])  # ChatGPT in, DeepSeek out: overtake
    save(writer, "us", at("04:00"), ["wa", "tik"])
    [result] = compare(engine, DEEPSEEK, CHATGPT)
    assert result.overtakes == [Overtake(at("03:00"), CHATGPT, None, 1)]
    assert (result.rank_a, result.rank_b, result.leader) == (None, None, None)


def test_no_data_means_no_comparison(story: Engine) -> None:
    assert compare(story, DEEPSEEK, CHATGPT, ChartSelection.of(countries=["fr"])) == []
    assert compare(story, DEEPSEEK, CHATGPT, ChartSelection.of("top-paid")) == []
