"""Credentials never reach output, logs or the database: webhook URLs, a source base_url with
user:password, a database password, a secret under a misspelt key.

Each test plants a secret string and looks for it everywhere: stdout, stderr, caplog, and every
text column of every table.
"""

from __future__ import annotations

import io
import json
import logging
import sqlite3
from pathlib import Path

import pytest

from scheduler.logs import LogFormat, setup_logging
from tests.alerts.conftest import CHATGPT, DEEPSEEK, US, History, alert_engine, free_port, hour
from tests.alerts.conftest import ranked as ranked_ids
from tests.conftest import FeedServer, real_fixture, run_apprank
from tracker.alerts.cycle import process_cycle
from tracker.config.load import load_config
from tracker.text.redact import mask_text, mask_url

PASSWORD = "hunter2-Pw"
TOKEN = "Zq3xT9vLk2Pw8RmN4bYc7QeH"  # a webhook path token (Slack, Discord and the like)


def secrets_in_database(db: Path, *secrets: str) -> list[tuple[str, str, str]]:
    """(table, column, value) of every stored text that contains one of `secrets`."""
    found = []
    with sqlite3.connect(db) as conn:
        conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
        for (table,) in conn.execute(query).fetchall():
            for column in [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]:
                for (value,) in conn.execute(f'SELECT "{column}" FROM "{table}"'):
                    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
                    if isinstance(text, str) and any(secret in text for secret in secrets):
                        found.append((table, column, text))
    return found


def test_source_base_url_credentials_are_masked_in_fetch_status_and_the_database(
    write_config, feed_server: FeedServer, tmp_path: Path
) -> None:
    feed_server.serve(
        "/api/v2/us/apps/top-free/100/apps.json", real_fixture("v2-us-top-free-100-2026-08-03.json")
    )  # gb is not served: a 404, stored as a failed attempt with its error
    secret_base = feed_server.base_url.replace("://", f"://apprank:{PASSWORD}@")
    config = write_config(
        f"""
[http]
retries = 0
[sources.apple]
base_url = "{secret_base}"
[[track]]
name = "t"
countries = ["us", "gb"]
charts = ["top-free"]
"""
    )
    fetch = run_apprank("fetch", "--config", config, "--json")
    status = run_apprank("status", "--config", config, "--json")
    assert (fetch.code, status.code) == (1, 0), fetch.stderr
    for shown in (fetch.stdout, fetch.stderr, status.stdout, status.stderr):
        assert PASSWORD not in shown
    masked = feed_server.base_url.replace("://", "://apprank:***@")
    urls = {c["country"]: c["url"] for c in json.loads(fetch.stdout)["charts"]}
    assert urls == {
        "us": f"{masked}/api/v2/us/apps/top-free/100/apps.json",
        "gb": f"{masked}/api/v2/gb/apps/top-free/100/apps.json",
    }
    errors = {c["country"]: c["last_error"] for c in json.loads(status.stdout)}
    assert errors["gb"] == f"HTTP 404 from {masked}/api/v2/gb/apps/top-free/100/apps.json"
    assert secrets_in_database(tmp_path / "apprank.db", PASSWORD) == []


def test_webhook_url_secrets_are_masked_in_logs_deliveries_and_alerts_list(
    write_config, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()  # the receiver is down: the error names the URL it could not reach
    hook = f"http://team:{PASSWORD}@127.0.0.1:{port}/hooks/{TOKEN}?token=q-{TOKEN}&v=1"
    config_path = write_config(
        f"""
[apps]
deepseek = "{DEEPSEEK}"
chatgpt = "{CHATGPT}"
[http]
backoff_initial = 0.01
[[alert]]
name = "ds-number-one"
app = "deepseek"
when = "rank <= 1"
countries = ["us"]
notify = ["webhook:team"]
[notify.webhook.team]
url = "{hook}"
retries = 1
"""
    )
    config = load_config(config_path)
    engine = alert_engine(config.database.url)
    history = History(engine)
    history.save(US, hour(0), ranked_ids(2, others={1: CHATGPT}))
    stored = [history.save(US, hour(1), ranked_ids(1, others={2: CHATGPT}))]
    caplog.set_level(logging.DEBUG)
    events = process_cycle(engine, config, stored, now=hour(1))
    assert [e.rule for e in events] == ["ds-number-one"]
    listing = run_apprank("alerts", "list", "--config", config_path, "--json")
    assert listing.code == 0, listing.stderr
    [delivery] = json.loads(listing.stdout)[0]["deliveries"]
    assert delivery["last_error"].startswith(
        f"ConnectError posting to http://team:***@127.0.0.1:{port}/hooks/***?token=***&v=1: "
    )
    assert "not delivered to webhook:team: ConnectError" in caplog.text
    for shown in (caplog.text, listing.stdout, listing.stderr):
        assert PASSWORD not in shown and TOKEN not in shown
    assert secrets_in_database(tmp_path / "apprank.db", PASSWORD, TOKEN) == []


def test_database_password_is_not_in_the_no_driver_error(write_config) -> None:
    config = write_config(
        f'[database]\nurl = "postgresql+nosuchdriver://apprank:{PASSWORD}@127.0.0.1/db"\n'
    )
    result = run_apprank("status", "--config", config)
    assert result.code in (1, 2)
    assert result.stderr.startswith("Error: no driver for database URL ")
    assert len(result.stderr.splitlines()) == 1
    assert PASSWORD not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("toml", "error"),
    [
        (
            '[notify.webhook.w]\nurl = "https://x.example/h"\nsecrte = "HMACSECRETVALUE"\n',
            "notify.webhook.w.secrte: unknown key",
        ),
        (
            '[notify.webhook.w]\nurl = "https://x.example/h"\nsecret = ""\n',
            "notify.webhook.w.secret: empty secret",
        ),
        (
            f'[notify.webhook.w]\nurl = "ftp://u:{PASSWORD}@x.example/h/{TOKEN}"\n',
            "notify.webhook.w.url = 'ftp://u:***@x.example/h/***': "
            "must start with http:// or https://",
        ),
        ('[http]\napi_token = "HMACSECRETVALUE"\n', "http.api_token: unknown key"),
    ],
)
def test_config_errors_never_echo_a_secret(write_config, toml: str, error: str) -> None:
    path = write_config(toml)
    # `db current` validates the whole file (`status` checks only the sections it reads).
    result = run_apprank("db", "current", "--config", path)
    assert (result.code, result.stderr) == (2, f"Error: {path}: {error}\n")
    assert "HMACSECRETVALUE" not in result.stderr and PASSWORD not in result.stderr


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("https://u:p@h.example/x", "https://u:***@h.example/x"),
        ("https://a1B2c3D4e5F6g7H8i9@h.example/x", "https://***@h.example/x"),
        ("postgresql://postgres@h/apprank_test_b6a3ca5590b4",
         "postgresql://postgres@h/apprank_test_b6a3ca5590b4"),
        ("https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/send",
         "https://api.telegram.org/***/send"),
        ("https://ghp_a1b2c3d4e5f6g7h8i9:x@h.example/x", "https://***@h.example/x"),
        ("https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdEFGHijklMNOPqrstUVWX",
         "https://hooks.slack.com/services/***"),
        ("https://discord.com/api/webhooks/123456789012345678/AbCdEf-GhIjKlMnOpQrStUvWxYz012",
         "https://discord.com/api/webhooks/123456789012345678/***"),
        ("https://h.example/x?access_token=a&api_key=b&sig=c&Signature=d&q=top%20free&n=1",
         "https://h.example/x?access_token=***&api_key=***&sig=***&Signature=***&q=top%20free&n=1"),
        ("https://h.example/hook/550e8400-e29b-41d4-a716-446655440000",
         "https://h.example/hook/***"),
        ("https://rss.marketingtools.apple.com/api/v2/us/apps/top-free/100/apps.json",
         "https://rss.marketingtools.apple.com/api/v2/us/apps/top-free/100/apps.json"),
        ("https://itunes.apple.com/us/rss/topgrossingipadapplications/limit=200/genre=6014/json",
         "https://itunes.apple.com/us/rss/topgrossingipadapplications/limit=200/genre=6014/json"),
        ("postgresql+psycopg://postgres:pw@127.0.0.1:5432/test",
         "postgresql+psycopg://postgres:***@127.0.0.1:5432/test"),
        ("http://u:p@h.example:notaport/x", "http://***/x"),
        # Apprise puts id:token where a host goes; the authority goes, scheme and path stay.
        ("tgram://123456789:AAHabcdefghijklmnopqrstuvwxyz12345/12345", "tgram://***/12345"),
        # no host part: a socket or the host in the query still has its secrets masked
        ("postgresql+psycopg:///db?host=/run/postgresql&user=me&password=hunter2",
         "postgresql+psycopg:///db?host=/run/postgresql&user=me&password=***"),
        ("sqlite:///relative.db", "sqlite:///relative.db"),
        ("sqlite:////abs/apprank.db?mode=ro", "sqlite:////abs/apprank.db?mode=ro"),
    ],
)  # fmt: skip
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked
    assert mask_text(f"posting to {url}: refused") == f"posting to {masked}: refused"


@pytest.mark.parametrize("fmt", list(LogFormat))
def test_daemon_log_lines_mask_urls_whoever_logs_them(fmt: LogFormat) -> None:
    stream = io.StringIO()
    handler = setup_logging(fmt, logging.DEBUG, stream)
    try:
        url = f"https://apprank:{PASSWORD}@rss.example.test/hooks/{TOKEN}"
        logging.getLogger("apprank.scheduler").info("webhook %s answered 200", url)
        try:
            raise RuntimeError(f"failed posting to {url}")
        except RuntimeError:
            logging.getLogger("apprank.alerts").exception("send failed: %s", url)
    finally:
        logging.getLogger().removeHandler(handler)
    text = stream.getvalue()
    assert PASSWORD not in text and TOKEN not in text
    assert text.count("https://apprank:***@rss.example.test/hooks/***") == 3


def test_a_password_in_a_host_less_database_url_is_never_printed(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[database]\nurl = "postgresql+psycopg:///apprank_no_such_db'
        '?host=127.0.0.1&user=postgres&password=hunter2"\n'
    )
    result = run_apprank("top", "--config", config)
    assert result.code != 0 and result.stderr.count("\n") == 1
    assert "hunter2" not in result.stderr + result.stdout
    assert "password=***" in result.stderr
