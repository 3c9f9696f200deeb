"""`apprank alerts list` and `apprank alerts test NAME`, in process through typer's runner."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tracker.cli.alerts  # noqa: F401  (registers `apprank alerts` on the app)
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
    ranked,
)
from tracker.alerts.cycle import process_cycle
from tracker.alerts.events import AlertEvent
from tracker.cli.base import app
from tracker.config.load import load_config

runner = CliRunner()


def run(config: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["alerts", *args, "--config", str(config)], env={"COLUMNS": "250"})
    return result.exit_code, result.stdout, result.stderr


def alerting_toml(hook: str) -> str:
    return (
        '[apps]\ndeepseek = "6737597349"\nchatgpt = "6448311069"\n'
        '[[alert]]\nname = "ds-number-one"\napp = "deepseek"\nwhen = "rank <= 1"\n'
        'notify = ["log", "webhook:team"]\n'
        '[[alert]]\nname = "ds-passes-gpt"\napp = "deepseek"\nwhen = "overtakes chatgpt"\n'
        'countries = ["us"]\n'
        f'[notify.webhook.team]\nurl = "{hook}"\nretries = 0\n'
        'secret = "env:APPRANK_TEST_SECRET"\n'
        "[http]\nbackoff_initial = 0.01\n"
    )


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPRANK_TEST_SECRET", SECRET)


@pytest.fixture
def with_events(write_config: Callable[..., Path]) -> tuple[Path, list[AlertEvent]]:
    """A config whose webhook is down, and the two events a cycle fired (log delivered)."""
    path = write_config(alerting_toml(f"http://127.0.0.1:{free_port()}/hook"))
    config = load_config(path)
    engine = alert_engine(config.database.url)
    history = History(engine)
    history.save(US, hour(0), ranked(2, others={1: CHATGPT}))
    stored = [history.save(US, hour(1), ranked(1, others={2: CHATGPT}))]
    return path, process_cycle(engine, config, stored, now=hour(1))


def test_list_shows_events_newest_first_with_their_deliveries(
    with_events: tuple[Path, list[AlertEvent]],
) -> None:
    path, (number_one, passes) = with_events
    code, out, err = run(path, "list", "--csv")
    assert (code, err) == (0, "")
    hook = load_config(path).notify.webhook["team"].url
    assert out.splitlines() == [
        "event_id,captured_at,rule,source,country,chart,category,device,app_id,app_name,rank,"
        "previous_rank,message,deliveries",
        f"{passes.event_id},2025-01-26T01:00:00Z,ds-passes-gpt,apple,us,top-free,all,iphone,"
        "6737597349,"
        'DeepSeek - AI Assistant,1,2,"DeepSeek - AI Assistant overtook ChatGPT on the US '
        'top-free chart: #1, ChatGPT #2 (was #2 and #1)",log delivered',
        f"{number_one.event_id},2025-01-26T01:00:00Z,ds-number-one,apple,us,top-free,all,iphone,"
        "6737597349,"
        "DeepSeek - AI Assistant,1,2,DeepSeek - AI Assistant is now #1 on the US top-free chart "
        '(was #2),"log delivered; webhook:team pending (1 try, last: ConnectError posting to '
        f'{hook}: [Errno 111] Connection refused)"',
    ]


def test_list_json_has_every_field_and_each_delivery(
    with_events: tuple[Path, list[AlertEvent]],
) -> None:
    path, (number_one, _) = with_events
    code, out, _ = run(path, "list", "--json", "--rule", "ds-number-one")
    assert code == 0
    import json

    [shown] = json.loads(out)
    deliveries = shown.pop("deliveries")
    assert shown == number_one.to_json()
    assert [(d["target"], d["state"], d["attempts"]) for d in deliveries] == [
        ("log", "delivered", 1),
        ("webhook:team", "pending", 1),
    ]
    assert deliveries[1]["next_attempt_at"] == "2025-01-26T01:00:30Z"
    assert deliveries[1]["last_error"].startswith("ConnectError posting to http://127.0.0.1:")


def test_list_table_reads_as_sentences(with_events: tuple[Path, list[AlertEvent]]) -> None:
    path, _ = with_events
    code, out, _ = run(path, "list", "--pending")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "alert events"
    # Piped, a table is plain text: columns two spaces apart, whole cells.
    assert lines[1].split() == ["at", "rule", "message", "delivery"]
    assert lines[2].split("  ")[:3] == [
        "2025-01-26T01:00:00Z",
        "ds-number-one",
        "DeepSeek - AI Assistant is now #1 on the US top-free chart (was #2)",
    ]
    # A table cuts long errors; CSV and JSON have them whole.
    assert lines[2].endswith(
        "log delivered; webhook:team pending (1 try, last: ConnectError posting to http://127.0.0.…)"
    )
    assert len(lines) == 3  # --pending: only the event whose webhook delivery is pending


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--rule", "nope"], "Error: no alert events match\n"),
        (["--since", "2025-01-27"], "Error: no alert events match\n"),
    ],
)
def test_list_with_nothing_to_show_exits_1(
    with_events: tuple[Path, list[AlertEvent]], args: list[str], error: str
) -> None:
    path, _ = with_events
    assert run(path, "list", *args) == (1, "", error)


def test_list_before_any_event_and_bad_options(write_config: Callable[..., Path]) -> None:
    path = write_config("")
    alert_engine(load_config(path).database.url)
    assert run(path, "list") == (1, "", "Error: no alert events recorded yet\n")
    code, _, err = run(path, "list", "--since", "last week")
    assert code == 2
    assert err.startswith("Error: --since: not a time: 'last week' (expected an ISO date")
    assert run(path, "list", "--json", "--csv") == (
        2,
        "",
        "Error: use just one of --json or --csv\n",
    )


def test_test_sends_a_signed_sample_to_each_target_of_a_rule(
    write_config: Callable[..., Path], receiver: Receiver
) -> None:
    path = write_config(alerting_toml(receiver.url))
    assert run(path, "test", "ds-passes-gpt") == (0, "log: sent\n", "")
    assert receiver.received == []  # that rule notifies only the log
    assert run(path, "test", "ds-number-one") == (
        0,
        "log: sent\nwebhook:team: sent (HTTP 200)\n",
        "",
    )
    [post] = receiver.received
    digest = hmac.new(SECRET.encode(), post.body, hashlib.sha256).hexdigest()
    assert post.headers["x-apprank-signature"] == f"sha256={digest}"
    body = post.json
    assert body["test"] is True
    assert (
        body["text"]
        == body["content"]
        == "[test] deepseek is now #1 on the US top-free chart (was #2)"
    )
    [event] = body["events"]
    assert (event["rule"], event["app_id"], event["rank"], event["previous_rank"]) == (
        "ds-number-one",
        "6737597349",
        1,
        2,
    )
    assert body["event_ids"] == [event["event_id"]]


def test_test_by_target_name_and_failures(
    write_config: Callable[..., Path], receiver: Receiver
) -> None:
    path = write_config(alerting_toml(receiver.url))
    assert run(path, "test", "team") == (0, "webhook:team: sent (HTTP 200)\n", "")
    assert run(path, "test", "log") == (0, "log: sent\n", "")
    receiver.replies = [Reply(500)]
    assert run(path, "test", "webhook:team") == (1, "webhook:team: failed: HTTP 500\n", "")
    assert run(path, "test", "nobody") == (
        2,
        "",
        "Error: no alert rule or target named 'nobody' (rules: ds-number-one, ds-passes-gpt; "
        "targets: log, webhook:team)\n",
    )
