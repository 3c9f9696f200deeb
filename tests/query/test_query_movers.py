"""`movers`: gainers, losers, entries and drop-outs between two snapshots of one chart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from tests.query.story import CHATGPT, DEEPSEEK, TIKTOK, WHATSAPP, at, save
from tracker.config.selection import ChartSelection
from tracker.errors import UsageError
from tracker.query.movers import Move, NothingToCompare, movers
from tracker.store.writer import SnapshotWriter


def moves(items: list[Move]) -> list[tuple[str, int | None, int | None, int | None]]:
    return [(m.app_id, m.previous, m.rank, m.change) for m in items]


def test_movers_over_four_hours(story: Engine) -> None:
    # us 00:05: ChatGPT TikTok WhatsApp  ->  us 04:05: DeepSeek WhatsApp ChatGPT
    result = movers(story, since=timedelta(hours=4))
    assert (result.key.label(), result.from_at, result.to_at) == (
        "apple us top-free",
        at("00:05"),
        at("04:05"),
    )
    assert moves(result.gainers) == [(WHATSAPP, 3, 2, 1)]
    assert moves(result.losers) == [(CHATGPT, 1, 3, -2)]
    assert moves(result.entered) == [(DEEPSEEK, None, 1, None)]
    assert moves(result.dropped) == [(TIKTOK, 2, None, None)]
    assert result.entered[0].name == "DeepSeek - AI Assistant"
    assert result.entered[0].developer == "Hangzhou DeepSeek AI"


def test_since_picks_the_earlier_snapshot_nearest_that_long_before_the_latest(
    story: Engine,
) -> None:
    # 2h before 04:05 is 02:05 exactly.
    assert movers(story, since=timedelta(hours=2)).from_at == at("02:05")
    # 1h40m before is 02:25: 02:35 is nearer than 02:05.
    assert movers(story, since=timedelta(minutes=100)).from_at == at("02:35")
    # Shorter than the gap to the previous snapshot: that previous one.
    assert movers(story, since=timedelta(minutes=5)).from_at == at("02:35")
    # Longer than the history: the first snapshot.
    assert movers(story, since=timedelta(days=30)).from_at == at("00:05")
    # An absolute time works too.
    assert movers(story, since=at("01:00")).from_at == at("01:05")


def test_limit_applies_to_each_kind_of_move(story: Engine) -> None:
    result = movers(story, since=timedelta(hours=4), limit=1)
    assert [len(result.gainers), len(result.losers)] == [1, 1]
    with pytest.raises(UsageError, match="limit must be at least 1"):
        movers(story, limit=0)


def test_apps_beyond_the_other_snapshots_depth_are_neither_new_nor_dropped(
    engine: Engine,
) -> None:
    writer = SnapshotWriter(engine)
    save(writer, "us", at("00:00"), ["gpt"])  # depth 1
    save(writer, "us", at("01:00"), ["ds", "gpt", "wa"])  # depth 3
    result = movers(engine, since=timedelta(hours=1))
    assert moves(result.entered) == [(DEEPSEEK, None, 1, None)]  # rank 1 <= old depth 1
    assert moves(result.losers) == [(CHATGPT, 1, 2, -1)]
    # WhatsApp at 3 was below what the first snapshot returned: not "new".
    assert result.gainers == result.dropped == []


def test_one_snapshot_or_none_is_nothing_to_compare(engine: Engine, story: Engine) -> None:
    with pytest.raises(NothingToCompare, match="only one snapshot of apple jp top-free"):
        movers(story, ChartSelection.of(country="jp"))
    with pytest.raises(NothingToCompare, match="no stored snapshot of top-free in fr"):
        movers(story, ChartSelection.of(country="fr"))
    assert NothingToCompare("x").exit_code == 1
