"""`[[digest]]` in the daemon: a slot sent once, a missed digest sent once after a restart
(fake clock, real SQLite file, a webhook receiver on loopback), a failed send tried again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

from scheduler.digests import catch_up, latest_slot, run_job, schedule, send_digest
from tests.alerts.conftest import Receiver, Reply
from tests.query.digest_story import US_GB_LINES, scenario
from tracker.config.load import Config, config_from_dict
from tracker.store.digests import last_sent
from tracker.store.engine import open_engine
from tracker.timeutil import from_epoch


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 1, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'apprank.db'}")
    scenario(engine)  # start state at 26 Jan 00:00, end state at 12:00
    yield engine
    engine.dispose()


def config(engine: Engine, url: str, **digest: Any) -> Config:
    spec = {
        "name": "morning",
        "cron": "0 13 * * *",
        "notify": ["webhook:team"],
        "since": "13h",
        "countries": ["us", "gb"],
        **digest,
    }
    return config_from_dict(
        {
            "database": {"url": engine.url.render_as_string(hide_password=False)},
            "apps": {"deepseek": "6737597349", "chatgpt": "6448311069"},
            "http": {"backoff_initial": 0.01},
            "notify": {"webhook": {"team": {"url": url, "retries": 0}}},
            "digest": [spec],
        },
        "config.toml",
    )


def test_the_latest_slot_within_grace() -> None:
    spec = config_from_dict(
        {"digest": [{"name": "d", "cron": "0 8 * * *", "tz": "Europe/Paris", "grace": "12h"}]}
    ).digest[0]
    # 08:00 in Paris is 07:00 UTC in winter.
    assert latest_slot(spec, at(26, 7, 30)) == at(26, 7)
    assert latest_slot(spec, at(26, 7)) == at(26, 7)
    assert latest_slot(spec, at(26, 18, 59)) == at(26, 7)
    assert latest_slot(spec, at(26, 19, 1)) is None  # more than 12 h late: skipped
    assert latest_slot(spec, at(26, 6, 59)) is None


def test_a_missed_digest_is_sent_once_after_a_restart(engine: Engine, receiver: Receiver) -> None:
    cfg = config(engine, receiver.url)
    # Running on 24 Jan: that day's 13:00 slot is sent.
    [first] = catch_up(engine, cfg, "daemon-a", now=at(24, 13, 30))
    assert (first.slot, first.ok, first.failed) == (at(24, 13), ["webhook:team"], [])
    assert len(receiver.received) == 1
    # Down over the 25 Jan and 26 Jan slots; back at 26 Jan 14:00: one digest, the latest.
    [sent] = catch_up(engine, cfg, "daemon-a", now=at(26, 14))
    assert sent.slot == at(26, 13)
    assert len(receiver.received) == 2
    message = receiver.received[1].json
    assert message["title"] == "apprank digest: morning"
    assert message["text"].splitlines() == [
        "apprank digest · top-free · 26 Jan 01:00 UTC -> 26 Jan 14:00 UTC · 2 countries",
        *US_GB_LINES,
    ]
    assert last_sent(engine, "morning") == int(at(26, 13).timestamp())
    # Restarted again, and a second daemon's catch-up: nothing more.
    assert catch_up(engine, cfg, "daemon-a", now=at(26, 14, 5)) == []
    assert catch_up(engine, cfg, "daemon-b", now=at(26, 14, 5)) == []
    # The regular job for the same slot (late, within the misfire grace) sends nothing either.
    assert send_digest(engine, cfg, cfg.digest[0], at(26, 13), at(26, 14, 6), "daemon-b") is None
    assert len(receiver.received) == 2


def test_a_slot_older_than_the_grace_is_not_sent(engine: Engine, receiver: Receiver) -> None:
    cfg = config(engine, receiver.url, grace="1h")
    assert catch_up(engine, cfg, "d", now=at(26, 14, 1)) == []
    assert receiver.received == [] and last_sent(engine, "morning") is None


def test_a_failed_send_gives_the_slot_back(engine: Engine, receiver: Receiver) -> None:
    cfg = config(engine, receiver.url)
    receiver.replies = [Reply(500), Reply(200)]
    [failed] = catch_up(engine, cfg, "d", now=at(26, 14))
    assert failed.ok == [] and failed.failed == [("webhook:team", "HTTP 500")]
    assert last_sent(engine, "morning") is None
    [sent] = catch_up(engine, cfg, "d", now=at(26, 14, 10))
    assert sent.ok == ["webhook:team"]
    assert len(receiver.received) == 2
    assert from_epoch(last_sent(engine, "morning") or 0) == at(26, 13)


def test_the_scheduler_gets_one_coalescing_job_per_digest(
    engine: Engine, receiver: Receiver
) -> None:
    cfg = config(engine, receiver.url)
    scheduler = BackgroundScheduler(timezone="UTC")
    schedule(scheduler, engine, lambda: cfg, "d")
    [job] = scheduler.get_jobs()
    assert (job.id, job.coalesce, job.misfire_grace_time, job.max_instances) == (
        "digest:morning",
        True,
        12 * 3600,
        1,
    )
    # A reload without the digest removes its job.
    empty = config_from_dict({"database": {"url": str(engine.url)}})
    schedule(scheduler, engine, lambda: empty, "d")
    assert scheduler.get_jobs() == []
    # The job itself, off its slot's grace, sends nothing and raises nothing.
    run_job(engine, lambda: cfg, "no-such-digest", "d")
    assert receiver.received == []


def test_picture_true_attaches_a_png_of_the_window(
    engine: Engine, receiver: Receiver, tmp_path: Path
) -> None:
    from scheduler.digests import _chart

    cfg = config(engine, receiver.url, picture=True)
    [path] = _chart(engine, cfg, cfg.digest[0], ["6737597349"], at(26, 14), tmp_path)
    assert path.parent == tmp_path and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # A webhook takes no attachment: the message is the same text, sent once.
    [sent] = catch_up(engine, cfg, "d", now=at(26, 14))
    assert sent.ok == ["webhook:team"] and len(receiver.received) == 1
