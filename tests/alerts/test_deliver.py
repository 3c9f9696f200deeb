"""Webhook delivery over loopback: signed JSON, one message per target per cycle, retries on
500 / slow / down receivers, and pending deliveries that outlive the process that made them."""

from __future__ import annotations

import hashlib
import hmac
import logging
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.alerts.conftest import (
    CHATGPT,
    SECRET,
    US,
    History,
    Receiver,
    Reply,
    alert_engine,
    free_port,
    hour,
    make_config,
    ranked,
)
from tests.conftest import ROOT
from tracker.alerts import deliver
from tracker.alerts.cycle import deliver_pending, process_cycle
from tracker.alerts.deliver import retry_delay
from tracker.alerts.listing import recent_events
from tracker.config.load import Config
from tracker.store.engine import dispose_all

RULES = [
    {"name": "ds-number-one", "app": "deepseek", "when": "rank <= 1", "countries": ["us"]},
    {"name": "ds-passes-gpt", "app": "deepseek", "when": "overtakes chatgpt", "countries": "us"},
]


def config_for(url: str, hook: str, targets: list[str] | None = None, **webhook: object) -> Config:
    rules = [{**r, "notify": targets or ["log", "webhook:team"]} for r in RULES]
    return make_config(url, rules, {"team": {"url": hook, "retries": 2, **webhook}})


def number_one_at(history: History, n: float) -> list[tuple[object, int]]:
    """Store two snapshots, DeepSeek #2 then #1 (passing ChatGPT): both rules fire."""
    history.save(US, hour(n - 1), ranked(2, others={1: CHATGPT}))
    return [history.save(US, hour(n), ranked(1, others={2: CHATGPT}))]


def deliveries(engine: object) -> list[tuple[str, str, str, int, int | None, str | None]]:
    """(rule, target, state, attempts, http status, last error) of every delivery, oldest first."""
    return [
        (event.rule, d.target, d.state, d.attempts, d.http_status, d.last_error)
        for event, states in reversed(recent_events(engine, limit=100))
        for d in states
    ]


def test_one_signed_json_message_per_target_per_cycle(
    sqlite_url: str,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("APPRANK_TEST_SECRET", SECRET)
    engine = alert_engine(sqlite_url)
    config = config_for(sqlite_url, receiver.url, secret="env:APPRANK_TEST_SECRET")
    caplog.set_level(logging.INFO, logger="apprank.alerts")
    events = process_cycle(engine, config, number_one_at(History(engine), 1), now=hour(1))

    [post] = receiver.received  # both events of the cycle, in one POST
    expected_signature = hmac.new(SECRET.encode(), post.body, hashlib.sha256).hexdigest()
    assert post.headers["x-apprank-signature"] == f"sha256={expected_signature}"
    assert post.headers["content-type"] == "application/json"
    text = (
        "DeepSeek - AI Assistant is now #1 on the US top-free chart (was #2)\n"
        "DeepSeek - AI Assistant overtook ChatGPT on the US top-free chart: #1, ChatGPT #2 "
        "(was #2 and #1)"
    )
    assert post.json == {
        "event_ids": [e.event_id for e in events],
        "events": [e.to_json() for e in events],
        "text": text,
        "content": text,
        "test": False,
    }
    assert [r.getMessage() for r in caplog.records] == text.splitlines()
    assert deliveries(engine) == [
        ("ds-number-one", "log", "delivered", 1, None, None),
        ("ds-number-one", "webhook:team", "delivered", 1, 200, None),
        ("ds-passes-gpt", "log", "delivered", 1, None, None),
        ("ds-passes-gpt", "webhook:team", "delivered", 1, 200, None),
    ]
    assert deliver_pending(engine, config, now=hour(5)) == 0  # nothing left to send
    assert len(receiver.received) == 1


def test_a_500_is_retried_at_once_then_later_and_nothing_is_lost(
    sqlite_url: str, receiver: Receiver
) -> None:
    engine = alert_engine(sqlite_url)
    config = config_for(sqlite_url, receiver.url, targets=["webhook:team"])
    receiver.replies = [Reply(500), Reply(503), Reply(500), Reply(200)]
    events = process_cycle(engine, config, number_one_at(History(engine), 1), now=hour(1))
    assert len(receiver.received) == 3  # the first try and its two quick retries
    assert deliveries(engine) == [
        ("ds-number-one", "webhook:team", "pending", 1, 500, "HTTP 500"),
        ("ds-passes-gpt", "webhook:team", "pending", 1, 500, "HTTP 500"),
    ]
    # The next try is due 30 s later (then 1 min, 2 min, ... at most 1 h).
    assert deliver_pending(engine, config, now=hour(1) + timedelta(seconds=29)) == 0
    assert len(receiver.received) == 3
    assert deliver_pending(engine, config, now=hour(1) + timedelta(seconds=30)) == 2
    assert len(receiver.received) == 4
    ids = [e.event_id for e in events]
    assert all(post.json["event_ids"] == ids for post in receiver.received)
    assert deliveries(engine) == [
        ("ds-number-one", "webhook:team", "delivered", 2, 200, None),
        ("ds-passes-gpt", "webhook:team", "delivered", 2, 200, None),
    ]


def test_a_slow_receiver_is_retried_within_the_send(sqlite_url: str, receiver: Receiver) -> None:
    engine = alert_engine(sqlite_url)
    config = config_for(sqlite_url, receiver.url, targets=["webhook:team"], timeout=0.3)
    receiver.replies = [Reply(200, delay=1.0), Reply(200)]
    process_cycle(engine, config, number_one_at(History(engine), 1), now=hour(1))
    first, second = receiver.received
    assert first.body == second.body  # the same message again: receivers dedupe on event_ids
    assert [d[2:5] for d in deliveries(engine)] == [("delivered", 1, 200)] * 2


def test_a_receiver_that_is_down_gets_every_event_once_it_is_back(sqlite_url: str) -> None:
    port = free_port()
    engine = alert_engine(sqlite_url)
    config = config_for(sqlite_url, f"http://127.0.0.1:{port}/hook", targets=["webhook:team"])
    history = History(engine)
    first = process_cycle(engine, config, number_one_at(history, 1), now=hour(1))
    [(_, _, state, attempts, status, error)] = deliveries(engine)[:1]
    assert (state, attempts, status) == ("pending", 1, None)
    assert error is not None and error.startswith(
        f"ConnectError posting to http://127.0.0.1:{port}"
    )
    # The next cycle's event waits for the target's next try instead of failing again at once.
    later = hour(1) + timedelta(seconds=10)
    history.save(US, later, ranked(3, others={2: CHATGPT}))
    stored = [history.save(US, later + timedelta(seconds=5), ranked(1, others={2: CHATGPT}))]
    second = process_cycle(engine, config, stored, now=later + timedelta(seconds=5))
    assert [(d[0], d[3]) for d in deliveries(engine)] == [
        ("ds-number-one", 1),
        ("ds-passes-gpt", 1),
        ("ds-number-one", 0),
        ("ds-passes-gpt", 0),
    ]
    receiver = Receiver(port=port)
    try:
        assert deliver_pending(engine, config, now=hour(1) + timedelta(seconds=30)) == 4
    finally:
        receiver.close()
    [post] = receiver.received
    assert post.json["event_ids"] == [e.event_id for e in first + second]
    assert {d[2] for d in deliveries(engine)} == {"delivered"}


def test_pending_deliveries_survive_a_restart(tmp_path: Path) -> None:
    port = free_port()
    url = f"sqlite:///{tmp_path / 'apprank.db'}"
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "{url}"\n[apps]\ndeepseek = "6737597349"\n'
        '[[alert]]\nname = "ds-number-one"\napp = "deepseek"\nwhen = "rank <= 1"\n'
        'notify = ["webhook:team"]\n'
        # The child sends at the real time, years after these events: not given up yet.
        '[notify]\ngive_up_after = "36500d"\n'
        f'[notify.webhook.team]\nurl = "http://127.0.0.1:{port}/hook"\nretries = 0\n',
        encoding="utf-8",
    )
    from tracker.config.load import load_config

    engine = alert_engine(url)
    [event] = process_cycle(
        engine, load_config(path), number_one_at(History(engine), 1), now=hour(1)
    )
    assert [d[2] for d in deliveries(engine)] == ["pending"]
    dispose_all()
    receiver = Receiver(port=port)
    try:
        script = (
            "from tracker.config.load import load_config\n"
            "from tracker.store.engine import open_engine\n"
            "from tracker.alerts.cycle import deliver_pending\n"
            f"config = load_config({str(path)!r})\n"
            "print(deliver_pending(open_engine(config.database.url), config))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
    finally:
        receiver.close()
    assert (done.returncode, done.stdout, done.stderr) == (0, "1\n", "")
    [post] = receiver.received
    assert post.json["event_ids"] == [event.event_id]
    assert deliveries(alert_engine(url)) == [
        ("ds-number-one", "webhook:team", "delivered", 2, 200, None)
    ]


def test_big_bundles_are_split(
    sqlite_url: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deliver, "MAX_BUNDLE", 1)
    engine = alert_engine(sqlite_url)
    config = config_for(sqlite_url, receiver.url, targets=["webhook:team"])
    events = process_cycle(engine, config, number_one_at(History(engine), 1), now=hour(1))
    assert [post.json["event_ids"] for post in receiver.received] == [
        [events[0].event_id],
        [events[1].event_id],
    ]


def test_after_a_failed_message_the_targets_next_messages_wait(
    sqlite_url: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deliver, "MAX_BUNDLE", 1)
    engine = alert_engine(sqlite_url)
    config = config_for(sqlite_url, receiver.url, targets=["webhook:team"], retries=0)
    receiver.replies = [Reply(500)]
    process_cycle(engine, config, number_one_at(History(engine), 1), now=hour(1))
    assert len(receiver.received) == 1  # the second message was not tried against a failing target
    assert [d[2:] for d in deliveries(engine)] == [("pending", 1, 500, "HTTP 500")] * 2


def test_a_target_removed_from_the_config_keeps_its_events_pending(
    sqlite_url: str, receiver: Receiver
) -> None:
    engine = alert_engine(sqlite_url)
    config = config_for(sqlite_url, f"http://127.0.0.1:{free_port()}/", targets=["webhook:team"])
    process_cycle(engine, config, number_one_at(History(engine), 1), now=hour(1))
    renamed = make_config(sqlite_url, [], {"ops": {"url": receiver.url}})
    assert deliver_pending(engine, renamed, now=hour(2)) == 0
    assert [d[2:] for d in deliveries(engine)] == [
        ("pending", 2, None, "webhook:team is not configured")
    ] * 2
    assert receiver.received == []


def test_recording_without_delivering_leaves_it_to_deliver_pending(
    sqlite_url: str, receiver: Receiver
) -> None:
    engine = alert_engine(sqlite_url)
    config = config_for(sqlite_url, receiver.url, targets=["webhook:team"])
    stored = number_one_at(History(engine), 1)
    events = process_cycle(engine, config, stored, now=hour(1), deliver=False)
    assert receiver.received == []
    assert [d[2:4] for d in deliveries(engine)] == [("pending", 0)] * 2
    assert deliver_pending(engine, config, now=hour(1)) == 2
    [post] = receiver.received
    assert post.json["event_ids"] == [e.event_id for e in events]


def test_the_retry_delay_doubles_from_30_s_to_an_hour_however_many_sends_failed() -> None:
    assert [retry_delay(n).total_seconds() for n in (0, 1, 2, 3, 7, 8)] == [
        30.0,
        30.0,
        60.0,
        120.0,
        1920.0,
        3600.0,
    ]
    # A receiver down for days: the count of failed sends keeps growing, the delay stays 1 h
    # (it used to raise OverflowError from the 45th).
    assert {retry_delay(n) for n in (44, 45, 46, 100, 10_000)} == {timedelta(hours=1)}
