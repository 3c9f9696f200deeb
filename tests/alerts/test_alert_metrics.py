"""The alert series of the daemon's /metrics: events recorded, and (event, target) deliveries by
outcome, counted where delivery happens (a webhook receiver on loopback)."""

from __future__ import annotations

from datetime import timedelta

from tests.alerts.conftest import (
    CHATGPT,
    US,
    History,
    Receiver,
    Reply,
    alert_engine,
    hour,
    make_config,
    ranked,
)
from tracker.alerts.cycle import deliver_pending, process_cycle
from tracker.metrics import ALERT_DELIVERIES, ALERT_EVENTS, METRICS, Series


def value(series: Series, *labels: str) -> float:
    return dict(METRICS.samples(series)).get(labels, 0.0)


def test_events_and_deliveries_are_counted_by_target_and_outcome(
    sqlite_url: str, receiver: Receiver
) -> None:
    engine = alert_engine(sqlite_url)
    rules = [
        {
            "name": "ds-1",
            "app": "deepseek",
            "when": "rank <= 1",
            "countries": ["us"],
            "notify": ["webhook:team"],
        },
        {
            "name": "ds-gpt",
            "app": "deepseek",
            "when": "overtakes chatgpt",
            "countries": "us",
            "notify": ["webhook:team"],
        },
    ]
    config = make_config(sqlite_url, rules, {"team": {"url": receiver.url, "retries": 0}})
    receiver.replies = [Reply(500), Reply(200)]
    before = (
        value(ALERT_EVENTS),
        value(ALERT_DELIVERIES, "webhook:team", "ok"),
        value(ALERT_DELIVERIES, "webhook:team", "failed"),
    )
    history = History(engine)
    history.save(US, hour(0), ranked(2, others={1: CHATGPT}))
    stored = [history.save(US, hour(1), ranked(1, others={2: CHATGPT}))]
    events = process_cycle(engine, config, stored, now=hour(1))  # both rules: one message, a 500
    assert len(events) == 2
    assert deliver_pending(engine, config, now=hour(1) + timedelta(seconds=30)) == 2
    after = (
        value(ALERT_EVENTS),
        value(ALERT_DELIVERIES, "webhook:team", "ok"),
        value(ALERT_DELIVERIES, "webhook:team", "failed"),
    )
    assert [a - b for a, b in zip(after, before, strict=True)] == [2.0, 2.0, 2.0]
    assert len(receiver.received) == 2
