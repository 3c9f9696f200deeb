"""Apprise targets over loopback: a `json://` URL to the webhook receiver, exact payloads, one
message per event, retries after the receiver was down, give-up after `[notify]
give_up_after`, and the secret of a URL masked in logs, the delivery rows and `alerts test`."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

import tracker.cli.alerts  # noqa: F401  (registers `apprank alerts` on the app)
from tests.alerts.conftest import (
    CHATGPT,
    DEEPSEEK,
    GB,
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
from tracker.alerts.apprise_send import chart_link, phone_message, snapshot_time
from tracker.alerts.cycle import deliver_pending, process_cycle
from tracker.alerts.deliver import send_text
from tracker.alerts.listing import recent_events
from tracker.cli.base import app
from tracker.config.load import Config
from tracker.models import ChartKey

RULES: list[dict[str, Any]] = [
    {"name": "ds-number-one", "app": "deepseek", "when": "rank <= 1", "countries": ["us"]},
    {"name": "ds-passes-gpt", "app": "deepseek", "when": "overtakes chatgpt", "countries": "us"},
]
PUBLIC = "https://ranks.example.com"
TOKEN = "tok3nAbCdEf9876543210"  # a path credential, as ntfy topics and chat tokens are
PASSWORD = "pw-Secret-42"
NUMBER_ONE = (
    "DeepSeek - AI Assistant is now #1 on the US top-free chart (was #2) · 26 Jan 01:00 UTC"
)
OVERTOOK = (
    "DeepSeek - AI Assistant overtook ChatGPT on the US top-free chart: #1, ChatGPT #2 "
    "(was #2 and #1) · 26 Jan 01:00 UTC"
)
LINK = f"{PUBLIC}/chart/apple/us/top-free?at=2025-01-26T01%3A00%3A00Z"


def apprise_config(url: str, urls: list[str], **notify: Any) -> Config:
    rules = [{**r, "notify": ["apprise:phone"]} for r in RULES]
    return make_config(
        url,
        rules,
        web={"public_url": PUBLIC},
        notify={**notify, "apprise": {"phone": {"urls": urls, "timeout": 2}}},
    )


def number_one_at(history: History, n: float) -> list[tuple[ChartKey, int]]:
    """Two snapshots, DeepSeek #2 then #1 (passing ChatGPT): both rules fire."""
    history.save(US, hour(n - 1), ranked(2, others={1: CHATGPT}))
    return [history.save(US, hour(n), ranked(1, others={2: CHATGPT}))]


def states(engine: Engine) -> list[tuple[str, str, int, str | None]]:
    """(rule, state, attempts, last error) of every delivery, oldest first."""
    return [
        (event.rule, d.state, d.attempts, d.last_error)
        for event, found in reversed(recent_events(engine, limit=100))
        for d in found
    ]


def test_one_short_message_per_cycle_with_the_chart_link(
    sqlite_url: str, receiver: Receiver
) -> None:
    engine = alert_engine(sqlite_url)
    config = apprise_config(sqlite_url, [f"json://127.0.0.1:{receiver.port}/hook"])
    history = History(engine)
    events = process_cycle(engine, config, number_one_at(history, 1), now=hour(1))
    assert len(events) == 2
    [post] = receiver.received  # both events, one message
    body = post.json
    assert (body["title"], body["message"], body["type"]) == (
        "apprank: 2 alerts",
        f"{NUMBER_ONE}\n{OVERTOOK}\n{LINK}",  # one chart: its link once
        "info",
    )
    assert states(engine) == [
        ("ds-number-one", "delivered", 1, None),
        ("ds-passes-gpt", "delivered", 1, None),
    ]
    # Nothing left, and the same chart fetched again unchanged fires and sends nothing.
    assert deliver_pending(engine, config, now=hour(3)) == 0
    again = history.save(US, hour(2), ranked(1, others={2: CHATGPT}))
    assert process_cycle(engine, config, [again], now=hour(2)) == []
    assert len(receiver.received) == 1


def test_a_receiver_that_was_down_gets_the_message_on_a_later_pass(sqlite_url: str) -> None:
    port = free_port()
    engine = alert_engine(sqlite_url)
    config = apprise_config(sqlite_url, [f"json://127.0.0.1:{port}/hook"])
    process_cycle(engine, config, number_one_at(History(engine), 1), now=hour(1))
    [(_, state, attempts, error), _] = states(engine)
    assert (state, attempts) == ("pending", 1)
    assert error is not None and "127.0.0.1" in error
    receiver = Receiver(port=port)
    try:
        # The first retry is due 30 s later: not before.
        assert deliver_pending(engine, config, now=hour(1) + timedelta(seconds=29)) == 0
        assert receiver.received == []
        assert deliver_pending(engine, config, now=hour(1) + timedelta(seconds=30)) == 2
        assert deliver_pending(engine, config, now=hour(1) + timedelta(minutes=5)) == 0
    finally:
        receiver.close()
    [post] = receiver.received
    assert post.json["message"] == f"{NUMBER_ONE}\n{OVERTOOK}\n{LINK}"
    assert [s[1:3] for s in states(engine)] == [("delivered", 2), ("delivered", 2)]


def test_a_500_stays_pending_then_is_given_up_after_the_age(
    sqlite_url: str, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    engine = alert_engine(sqlite_url)
    config = apprise_config(
        sqlite_url, [f"json://127.0.0.1:{receiver.port}/hook"], give_up_after="1h"
    )
    receiver.replies = [Reply(500)]
    process_cycle(engine, config, number_one_at(History(engine), 1), now=hour(1))
    assert deliver_pending(engine, config, now=hour(1.5)) == 0  # due, retried, failed again
    assert len(receiver.received) == 2
    caplog.set_level(logging.WARNING, logger="apprank.alerts")
    assert deliver_pending(engine, config, now=hour(2.5)) == 0
    assert len(receiver.received) == 2  # given up, not sent again
    [gave_up] = [r.getMessage() for r in caplog.records if "gave up" in r.getMessage()]
    assert gave_up.startswith("alerts: gave up delivering 2 event(s) to apprise:phone after 1h;")
    assert "last error: " in gave_up and "500" in gave_up
    assert [s[1:3] for s in states(engine)] == [("abandoned", 2), ("abandoned", 2)]
    assert deliver_pending(engine, config, now=hour(30)) == 0
    assert len(receiver.received) == 2


def test_give_up_applies_to_webhooks_and_keeps_young_events(sqlite_url: str) -> None:
    engine = alert_engine(sqlite_url)
    dead = f"http://127.0.0.1:{free_port()}/hook"
    rules = [{**RULES[0], "countries": ["us", "gb"], "notify": ["webhook:team"]}]
    config = make_config(sqlite_url, rules, {"team": {"url": dead, "retries": 0}})
    history = History(engine)
    history.save(US, hour(0), ranked(2))
    process_cycle(engine, config, [history.save(US, hour(1), ranked(1))], now=hour(1))
    history.save(GB, hour(40), ranked(2))
    process_cycle(engine, config, [history.save(GB, hour(49), ranked(1))], now=hour(49))
    # At hour 49 both were tried (the first event is exactly 2 days old: not yet given up);
    # a minute later the first is abandoned and the young one is tried again.
    assert deliver_pending(engine, config, now=hour(49) + timedelta(minutes=1)) == 0
    assert [(e.key.country, d.state, d.attempts) for e, [d] in recent_events(engine)] == [
        ("gb", "pending", 2),
        ("us", "abandoned", 2),
    ]


def test_secrets_from_the_environment_are_sent_but_never_shown(
    sqlite_url: str,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("APPRANK_TEST_PW", PASSWORD)
    monkeypatch.setenv("APPRANK_TEST_TOKEN", TOKEN)
    template = "json://user:env:APPRANK_TEST_PW@127.0.0.1:{port}/env:APPRANK_TEST_TOKEN"
    engine = alert_engine(sqlite_url)
    down = apprise_config(sqlite_url, [template.format(port=free_port())])
    # Every logger at DEBUG: urllib3 (under Apprise) logs each request's path, the token in it.
    caplog.set_level(logging.DEBUG)
    process_cycle(engine, down, number_one_at(History(engine), 1), now=hour(1))
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "apprise:phone" in logged and "127.0.0.1" in logged
    assert TOKEN not in logged and PASSWORD not in logged
    errors = [s[3] or "" for s in states(engine)]
    assert all(e and TOKEN not in e and PASSWORD not in e for e in errors)

    up = apprise_config(sqlite_url, [template.format(port=receiver.port)])
    assert deliver_pending(engine, up, now=hour(2)) == 2
    [post] = receiver.received  # the values really went out
    assert (
        post.headers["authorization"]
        == "Basic " + base64.b64encode(f"user:{PASSWORD}".encode()).decode()
    )
    # Whatever Apprise itself logs, even forced to DEBUG by someone, goes out masked.
    logging.getLogger("apprise").setLevel(logging.DEBUG)
    logging.getLogger("apprise").debug("JSON POST URL: http://127.0.0.1/%s (%s)", TOKEN, PASSWORD)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "JSON POST URL: http://127.0.0.1/*** (***)" in logged
    assert TOKEN not in logged and PASSWORD not in logged


def test_alerts_test_reports_each_target_masked(
    write_config: Callable[..., Path], receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPRANK_TEST_TOKEN", TOKEN)
    down = f"json://127.0.0.1:{free_port()}/env:APPRANK_TEST_TOKEN"
    path = write_config(
        '[apps]\ndeepseek = "6737597349"\n'
        '[[alert]]\nname = "ds"\napp = "deepseek"\nwhen = "rank <= 1"\n'
        'notify = ["log", "apprise:phone", "apprise:down"]\n'
        f'[notify.apprise.phone]\nurls = ["json://127.0.0.1:{receiver.port}/hook"]\n'
        f'[notify.apprise.down]\nurls = ["{down}"]\ntimeout = 2\n'
    )
    result = CliRunner().invoke(app, ["alerts", "test", "ds", "--config", str(path)])
    lines = result.stdout.splitlines()
    assert result.exit_code == 1
    assert lines[:2] == ["log: sent", "apprise:phone: sent"]
    assert lines[2].startswith("apprise:down: failed: ") and "127.0.0.1" in lines[2]
    assert TOKEN not in result.stdout + result.stderr
    [post] = receiver.received
    assert (post.json["title"], post.json["message"]) == (
        "apprank: test 1 alert",
        f"[test] deepseek is now #1 on the US top-free chart (was #2) · "
        f"{snapshot_time(_sent_at(post.json))}",
    )
    as_json = CliRunner().invoke(
        app, ["alerts", "test", "apprise:phone", "--json", "-c", str(path)]
    )
    assert (as_json.exit_code, as_json.stdout.count('"ok": true')) == (0, 1)


def _sent_at(body: dict[str, Any]) -> Any:
    """The sample's time, read back from the message (`... · 27 Jan 06:00 UTC`)."""
    from datetime import UTC, datetime

    stamp = body["message"].rsplit(" · ", 1)[1]
    year = datetime.now(UTC).year
    return datetime.strptime(f"{year} {stamp}", "%Y %d %b %H:%M UTC").replace(tzinfo=UTC)


def test_send_text_to_each_kind_of_target(
    sqlite_url: str, receiver: Receiver, tmp_path: Path
) -> None:
    config = apprise_config(sqlite_url, [f"json://127.0.0.1:{receiver.port}/hook"])
    picture = tmp_path / "chart.png"
    picture.write_bytes(b"\x89PNG not really")
    result = send_text(
        config.notify, config.http, "apprise:phone", "Morning", "3 new #1s", [picture]
    )
    assert (result.ok, result.events, result.error) == (True, 1, None)
    [post] = receiver.received
    assert (post.json["title"], post.json["message"]) == ("Morning", "3 new #1s")
    [attached] = post.json["attachments"]
    assert base64.b64decode(attached["base64"]) == picture.read_bytes()
    hooked = make_config(sqlite_url, [], {"team": {"url": receiver.url}})
    assert send_text(hooked.notify, hooked.http, "webhook:team", "Morning", "3 new #1s").ok
    assert receiver.received[1].json == {
        "text": "3 new #1s",
        "content": "3 new #1s",
        "title": "Morning",
    }
    assert send_text(hooked.notify, hooked.http, "log", "Morning", "x").ok
    missing = send_text(hooked.notify, hooked.http, "apprise:nobody", "t", "b")
    assert (missing.ok, missing.error) == (False, "apprise:nobody is not configured")


def test_phone_text_and_links_are_pure() -> None:
    key = ChartKey("apple", "jp", "top-paid", "6014", "ipad")
    assert chart_link(PUBLIC + "/", key) == (
        f"{PUBLIC}/chart/apple/jp/top-paid?category=6014&device=ipad"
    )
    assert (
        chart_link(PUBLIC, US, hour(6))
        == f"{PUBLIC}/chart/apple/us/top-free?at=2025-01-26T06%3A00%3A00Z"
    )
    assert snapshot_time(hour(24 + 6)) == "27 Jan 06:00 UTC"
    assert phone_message([]) == ("apprank: 0 alerts", "")


@pytest.mark.parametrize(
    ("urls", "env", "expected"),
    [
        (
            ["json://127.0.0.1/ok", "nosuch://host/x"],
            {},
            "notify.apprise.phone.urls[1] = 'nosuch://host/x': Apprise cannot use this URL",
        ),
        (
            ["json://user:env:APPRANK_NOT_SET@127.0.0.1/"],
            {},
            "notify.apprise.phone.urls[0] = 'json://user:***@127.0.0.1/': "
            "environment variable APPRANK_NOT_SET is not set",
        ),
        (  # a literal password in a URL Apprise refuses: masked in the line
            ["json://user:hunter2@"],
            {},
            "notify.apprise.phone.urls[0] = 'json://user:***@': Apprise cannot use this URL",
        ),
        (
            ["env:APPRANK_TEST_URL"],
            {"APPRANK_TEST_URL": "nosuch://x"},
            "urls[0] = 'env:APPRANK_TEST_URL': Apprise cannot",
        ),
        ([], {}, "notify.apprise.phone.urls = []: List should have at least 1 item"),
    ],
)
def test_bad_urls_are_config_errors_naming_the_key(
    write_config: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    urls: list[str],
    env: dict[str, str],
    expected: str,
) -> None:
    from tracker.config.load import load_config
    from tracker.errors import ConfigError

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    listed = ", ".join(f'"{u}"' for u in urls)
    path = write_config(f'[apps]\nds = "{DEEPSEEK}"\n[notify.apprise.phone]\nurls = [{listed}]\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert expected in str(caught.value)
    assert "hunter2" not in str(caught.value) and "nosuch://x" not in str(caught.value)


def test_a_rule_naming_an_undefined_apprise_target(write_config: Callable[..., Path]) -> None:
    from tracker.config.load import load_config
    from tracker.errors import ConfigError

    path = write_config(
        '[apps]\nds = "1"\n[[alert]]\nname = "r"\napp = "ds"\nwhen = "rank <= 1"\n'
        'notify = ["apprise:team"]\n[notify.apprise.phone]\nurls = ["json://127.0.0.1/x"]\n'
    )
    with pytest.raises(ConfigError, match=r"alert\[0\].notify = 'apprise:team': no such target "
                       r"\(defined: log, apprise:phone\)"):  # fmt: skip
        load_config(path)
