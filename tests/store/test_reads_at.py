"""A chart as it stood at a time (`latest_chart(at=)`), and every chart's #1 (`number_ones`):
the reads behind the web pages' chart and home pages, on the story of tests/query/story.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.query.conftest import ENGINES, make_engine
from tests.query.story import CHATGPT, DEEPSEEK, YOUTUBE, at, build_story
from tracker.models import ChartKey
from tracker.store.reads import latest_chart, number_ones

US = ChartKey("apple", "us", "top-free")
GB = ChartKey("apple", "gb", "top-free")
JP = ChartKey("apple", "jp", "top-free")


@pytest.fixture(scope="module", params=ENGINES)
def story(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    with make_engine(request.param, tmp_path_factory.mktemp("story")) as engine:
        build_story(engine)
        yield engine


def test_the_chart_at_a_time_is_the_snapshot_at_or_before_it_with_moves_and_neighbours(
    story: Engine,
) -> None:
    found = latest_chart(story, US, at=at("02:20"))
    assert found is not None
    assert found.captured_at == at("02:05")
    assert found.previous_captured_at == at("01:05")
    assert found.next_captured_at == at("02:35")
    assert [(e.rank, e.app_id, e.previous_rank, e.change) for e in found.entries] == [
        (1, DEEPSEEK, 2, "+1"),
        (2, CHATGPT, 1, "-1"),
        (3, "835599320", 3, "="),
    ]


def test_an_exact_snapshot_time_is_that_snapshot_and_the_last_one_has_no_next(
    story: Engine,
) -> None:
    exact = latest_chart(story, US, at=at("02:35"))
    assert exact is not None and exact.captured_at == at("02:35")
    last = latest_chart(story, US, at=at("23:00"))
    assert last is not None and last.captured_at == at("04:05")
    assert last.next_captured_at is None


def test_before_the_first_snapshot_there_is_none(story: Engine) -> None:
    assert latest_chart(story, US, at=at("00:00")) is None


def test_the_latest_chart_reads_no_next_snapshot(story: Engine) -> None:
    found = latest_chart(story, US)
    assert found is not None and found.next_captured_at is None


def test_number_ones_are_each_charts_latest_first_in_the_order_asked(story: Engine) -> None:
    missing = ChartKey("apple", "de", "top-free")
    found = number_ones(story, [JP, missing, US, GB])
    assert [(n.key.country, n.app_id, n.name, n.captured_at) for n in found] == [
        ("jp", YOUTUBE, "YouTube", at("04:07")),
        ("us", DEEPSEEK, "DeepSeek - AI Assistant", at("04:05")),
        ("gb", DEEPSEEK, "DeepSeek - AI Assistant", at("04:06")),
    ]
    assert not any(n.simulated for n in found)
    assert number_ones(story, [missing]) == []
