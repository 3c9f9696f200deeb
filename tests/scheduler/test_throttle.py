"""Per-host back-off: repeated 429/403 pause every request to the host for a growing interval,
logged once, then requests resume by themselves.

These run the daemon in-process (same code as `apprank run`, minus signal handlers) so the pause
can be a second instead of the production 30 s.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest

from scheduler.daemon import Daemon
from scheduler.settings import DaemonSettings
from tests.scheduler.conftest import check_database, config_text, query
from tracker.config.load import load_config
from tracker.simulate import FaultConfig, SimulatorServer
from tracker.store.engine import open_engine

COUNTRIES = ["us", "gb", "de"]


def run_daemon(daemon: Daemon) -> threading.Thread:
    daemon.start()
    runner = threading.Thread(target=daemon.run_forever)
    runner.start()
    return runner


def wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("kind", "status"),
    [("rate_limit", 429), ("rate_limit_no_header", 429), ("forbidden", 403)],
    ids=["429-retry-after", "429-no-header", "403-empty-body"],
)
def test_throttled_host_is_paused_then_resumes(
    kind: str,
    status: int,
    tmp_path: Path,
    sim: SimulatorServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    db = tmp_path / "apprank.db"
    path = tmp_path / "config.toml"
    path.write_text(
        config_text(db, sim.base_url, [{"countries": COUNTRIES, "depth": 10, "every": "1s"}])
    )
    config = load_config(path)
    settings = DaemonSettings(heartbeat=0.5, pause_after=2, pause_initial=0.3, pause_max=2.0)
    engine = open_engine(config.database.url)
    daemon = Daemon(config, engine, settings, config_path=path)
    sim.set_faults(FaultConfig(force={"/apps/": kind}))
    runner = run_daemon(daemon)
    try:
        # Throttled, then paused: some attempts never reached the host at all.
        wait_until(
            lambda: (
                query(db, "SELECT count(*) FROM fetch_attempt WHERE outcome = 'paused'")[0][0]
                >= len(COUNTRIES)
            ),
            10,
        )
        pauses = [r for r in caplog.records if "pausing requests to it" in r.getMessage()]
        assert pauses, "the pause was not logged"
        host = sim.base_url.removeprefix("http://")
        assert pauses[0].getMessage().startswith(f"host {host} answered {status} 2 times in a row")
        if kind == "rate_limit":  # Retry-After: 1 outweighs the 0.3 s initial pause
            assert pauses[0].getMessage().endswith("for 1 s")

        sim.set_faults(FaultConfig())
        wait_until(
            lambda: query(db, "SELECT count(DISTINCT chart_id) FROM snapshot")[0][0] == 3, 10
        )
    finally:
        daemon.request_stop()
        runner.join(15)
        engine.dispose()
    assert not runner.is_alive()

    throttled = query(
        db, "SELECT DISTINCT http_status FROM fetch_attempt WHERE outcome = 'http_error'"
    )
    assert throttled == [(status,)]
    # Every attempt that was not paused made exactly one request (retries = 0): a paused host
    # gets no traffic at all.
    sent = query(db, "SELECT count(*) FROM fetch_attempt WHERE outcome != 'paused'")[0][0]
    assert sim.stats()["requests"] == sent
    # The pause is logged when a run of throttled answers starts it, never for the requests it
    # holds back: at most one line per `pause_after` (2) throttled answers.
    answered = query(db, "SELECT count(*) FROM fetch_attempt WHERE outcome = 'http_error'")[0][0]
    pause_logs = [r for r in caplog.records if "pausing requests to it" in r.getMessage()]
    assert 1 <= len(pause_logs) <= answered // 2
    assert any("pause lifted" in r.getMessage() for r in caplog.records)
    check_database(db)
