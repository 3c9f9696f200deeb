"""The daemon's small parts: the single-instance lock, log formats, sd_notify, settings."""

from __future__ import annotations

import io
import logging
import os
import socket
from pathlib import Path

import orjson
import pytest

from scheduler.lock import DaemonAlreadyRunning, NoInstanceLock, acquire_instance_lock
from scheduler.logs import LogFormat, setup_logging
from scheduler.notify import sd_notify
from scheduler.settings import DaemonSettings
from tracker.config.load import config_from_dict


def test_the_lock_admits_one_holder_per_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/apprank.db"
    first = acquire_instance_lock(url)
    with pytest.raises(DaemonAlreadyRunning) as caught:
        acquire_instance_lock(url)
    db = tmp_path / "apprank.db"
    assert str(caught.value) == (
        f"another apprank daemon (pid {os.getpid()}) is already running on {db} "
        f"(it holds {db}.lock); not starting a second one"
    )
    assert caught.value.exit_code == 1
    first.release()
    with acquire_instance_lock(url):  # free again once released
        pass
    other = acquire_instance_lock(f"sqlite:///{tmp_path}/other.db")  # another database: its own
    other.release()


def test_servers_have_no_file_lock() -> None:
    assert isinstance(acquire_instance_lock("postgresql+psycopg://u@h/db"), NoInstanceLock)
    assert isinstance(acquire_instance_lock("sqlite://"), NoInstanceLock)


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_json_logs_are_one_object_per_line_with_the_extras(restore_logging: None) -> None:
    stream = io.StringIO()
    setup_logging(LogFormat.json, logging.INFO, stream)
    log = logging.getLogger("apprank.fetch")
    log.warning(
        "fetch failed: %s",
        "HTTP 503",
        extra={
            "source": "apple",
            "country": "us",
            "chart": "top-free",
            "reason": "http_error",
            "http_status": 503,
        },
    )
    log.info("plain\nwith a newline")
    logging.getLogger("apscheduler.scheduler").info("APScheduler's routine chatter is hidden")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (orjson.loads(line) for line in lines)
    assert set(first) == {
        "ts",
        "level",
        "logger",
        "msg",
        "source",
        "country",
        "chart",
        "reason",
        "http_status",
    }
    assert (first["level"], first["logger"], first["msg"]) == (
        "WARNING",
        "apprank.fetch",
        "fetch failed: HTTP 503",
    )
    assert (first["country"], first["reason"], first["http_status"]) == ("us", "http_error", 503)
    assert first["ts"].endswith("Z") and len(first["ts"]) == len("2026-01-27T12:00:00.000Z")
    assert second["msg"] == "plain\nwith a newline"


def test_text_logs_are_one_readable_line(restore_logging: None) -> None:
    stream = io.StringIO()
    setup_logging(LogFormat.text, logging.INFO, stream)
    logging.getLogger("apprank.daemon").info("cycle %s done", "x")
    line = stream.getvalue()
    assert line.endswith(" INFO apprank.daemon: cycle x done\n")
    assert line[23] == "Z"


FORGED = "Evil\n2026-01-27T12:00:00.000Z CRITICAL apprank.daemon: the scheduler stopped"


def test_text_logs_cannot_be_forged_or_drive_the_terminal(restore_logging: None) -> None:
    """A feed name with a newline, ESC/OSC sequences and a C1 CSI stays inside its one line."""
    stream = io.StringIO()
    setup_logging(LogFormat.text, logging.INFO, stream)
    name = FORGED + "\x1b]0;pwned\x07\x1b[2J\x9b31m"
    logging.getLogger("apprank.alerts").info("%s is now #1", name)
    try:
        raise ValueError(f"bad name {FORGED}")
    except ValueError:
        logging.getLogger("apprank.fetch").exception("parse failed")
    lines = stream.getvalue().splitlines()
    assert lines[0].endswith(
        " INFO apprank.alerts: Evil\\n2026-01-27T12:00:00.000Z CRITICAL apprank.daemon: the "
        "scheduler stopped\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m is now #1"
    )
    assert lines[1].endswith(" ERROR apprank.fetch: parse failed")
    # The traceback follows, every line of it indented: none can pass for a record.
    assert lines[2] == "  Traceback (most recent call last):"
    assert all(line.startswith("  ") for line in lines[2:])
    assert lines[-1] == "  " + FORGED.split("\n")[1]
    assert not any(c in stream.getvalue() for c in "\x1b\x07\x9b")


def test_sd_notify_sends_one_datagram(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    address = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(address)
        monkeypatch.setenv("NOTIFY_SOCKET", address)
        assert sd_notify("READY=1\nSTATUS=scheduling") is True
        assert server.recv(100) == b"READY=1\nSTATUS=scheduling"
    monkeypatch.delenv("NOTIFY_SOCKET")
    assert sd_notify("READY=1") is False


def test_settings_overrides_beat_defaults() -> None:
    config = config_from_dict({})
    assert DaemonSettings.from_config(config.daemon, config.http).heartbeat == 15.0
    assert DaemonSettings.from_config(config.daemon, config.http) == DaemonSettings()
    settings = DaemonSettings.from_config(
        config.daemon, config.http, heartbeat=0.5, shutdown_grace=None
    )
    assert (settings.heartbeat, settings.shutdown_grace) == (0.5, 10.0)
    assert settings.http_settings().pause_initial == 30.0


def test_settings_read_the_daemon_and_http_sections() -> None:
    config = config_from_dict(
        {
            "daemon": {"heartbeat": "5s", "shutdown_grace": 20, "keep_cycles": "7d"},
            "http": {"pause_after": 2, "pause_initial": "2m"},
        }
    )
    settings = DaemonSettings.from_config(config.daemon, config.http)
    assert (settings.heartbeat, settings.shutdown_grace) == (5.0, 20.0)
    assert settings.keep_cycles == 7 * 86400.0
    assert (settings.pause_after, settings.pause_initial, settings.pause_max) == (2, 120.0, 1800.0)
