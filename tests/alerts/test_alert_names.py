"""An alert names the app as the chart it fired on showed it, not as another storefront did."""

from __future__ import annotations

from datetime import datetime

from tests.alerts.conftest import CHATGPT, DEEPSEEK, GB, US, alert_engine, hour, make_config
from tracker.alerts.cycle import process_cycle
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.store.writer import Attempt, SnapshotWriter


def test_messages_use_the_name_in_that_chart(db_url: str) -> None:
    engine = alert_engine(db_url)
    writer = SnapshotWriter(engine)
    rules = [
        {"name": "ds-one", "app": "deepseek", "when": "rank <= 1", "countries": ["all"]},
        {"name": "ds-passes", "app": "deepseek", "when": "overtakes chatgpt", "countries": ["gb"]},
    ]
    config = make_config(db_url, rules)

    def save(key: ChartKey, at: datetime, *apps: tuple[str, str]) -> tuple[ChartKey, int]:
        entries = tuple(ChartEntry(r, a, n, "Dev") for r, (a, n) in enumerate(apps, start=1))
        snapshot = ChartSnapshot(ChartRequest(key, 10), entries, at)
        return key, writer.save(snapshot, at, Attempt(at, 1, "ok")).snapshot_id

    gpt, gpt_gb = (CHATGPT, "ChatGPT"), (CHATGPT, "ChatGPT UK")
    save(US, hour(0), gpt, (DEEPSEEK, "DeepSeek - AI Assistant"))
    save(GB, hour(0), gpt_gb, (DEEPSEEK, "DeepSeek (GB)"))
    stored = [
        save(US, hour(1), (DEEPSEEK, "DeepSeek - AI Assistant"), gpt),
        save(GB, hour(1), (DEEPSEEK, "DeepSeek (GB)"), gpt_gb),
    ]
    events = process_cycle(engine, config, stored, now=hour(1))
    assert sorted((e.rule, e.key.country, e.app_name, e.message) for e in events) == [
        (
            "ds-one",
            "gb",
            "DeepSeek (GB)",
            "DeepSeek (GB) is now #1 on the GB top-free chart (was #2)",
        ),
        (
            "ds-one",
            "us",
            "DeepSeek - AI Assistant",
            "DeepSeek - AI Assistant is now #1 on the US top-free chart (was #2)",
        ),
        (
            "ds-passes",
            "gb",
            "DeepSeek (GB)",
            "DeepSeek (GB) overtook ChatGPT UK on the GB top-free chart: #1, ChatGPT UK #2 "
            "(was #2 and #1)",
        ),
    ]
    assert {e.rival_name for e in events if e.rule == "ds-passes"} == {"ChatGPT UK"}
