"""Starting, stopping and reloading `apprank run`: one daemon per database, catch-up at start,
SIGTERM exits 0 promptly even mid-cycle, SIGHUP reloads (and keeps the old config when the new
one is invalid)."""

from __future__ import annotations

import signal
import socket
import time
from datetime import timedelta
from pathlib import Path

from tests.conftest import run_apprank
from tests.scheduler.conftest import check_database, config_text, query, snapshots_by_country
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.simulate import FaultConfig, SimulatorServer
from tracker.store.engine import open_engine
from tracker.store.writer import Attempt, SnapshotWriter
from tracker.timeutil import utcnow


def write_config(tmp_path: Path, sim: SimulatorServer, tracks: list[dict], **http: object) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(config_text(tmp_path / "apprank.db", sim.base_url, tracks, **http))
    return config


def test_a_second_daemon_on_the_same_database_exits_1(
    tmp_path: Path, sim: SimulatorServer, daemons
) -> None:
    config = write_config(tmp_path, sim, [{"countries": ["us"], "depth": 10, "every": "1s"}])
    first = daemons(config)
    first.wait_started()
    first.wait_cycles(1)
    health = run_apprank("health", "--config", config)
    assert (health.code, health.stderr) == (0, "")
    assert health.stdout.startswith(f"ok: daemon: alive ({socket.gethostname()} pid ")
    assert health.stdout.endswith("; 1 chart fresh\n")
    second = run_apprank("run", "--config", config, timeout=30)
    db = tmp_path / "apprank.db"
    assert second.code == 1
    assert second.stdout == ""
    assert second.stderr == (
        f"Error: another apprank daemon (pid {first.proc.pid}) is already running on {db} "
        f"(it holds {db}.lock); not starting a second one\n"
    )
    assert first.proc.poll() is None
    assert first.stop(sig=signal.SIGINT) == 0


def test_sigterm_mid_cycle_exits_0_within_seconds(
    tmp_path: Path, sim: SimulatorServer, daemons
) -> None:
    # Every feed trickles in over 20 s, so a cycle is always in flight when SIGTERM arrives.
    sim.set_faults(FaultConfig(force={"/apps/": "slow"}, slow_seconds=20))
    config = write_config(
        tmp_path, sim, [{"countries": ["us", "gb"], "depth": 10, "every": "30s"}], timeout=30.0
    )
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify.sock"))
    notify.settimeout(10)
    systemd = {"NOTIFY_SOCKET": str(tmp_path / "notify.sock"), "WATCHDOG_USEC": "1000000"}
    daemon = daemons(config, env=systemd)
    daemon.wait_started()
    assert notify.recv(200) == b"READY=1\nSTATUS=scheduling 1 tracks, 2 charts"
    assert notify.recv(200) == b"WATCHDOG=1"  # every half WatchdogSec while scheduling
    time.sleep(0.5)
    assert query(tmp_path / "apprank.db", "SELECT count(*) FROM snapshot") == [(0,)]
    started = time.monotonic()
    code = daemon.stop(timeout=15)
    assert code == 0
    assert time.monotonic() - started < 15
    while (message := notify.recv(200)) == b"WATCHDOG=1":
        pass
    assert message == b"STOPPING=1"
    notify.close()
    messages = daemon.messages()
    assert "stopping: no new cycles; 1 running, waiting up to 10 s" in messages
    assert messages[-1] == "daemon stopped"
    health = run_apprank("health", "--config", config)
    assert health.code == 1
    assert health.stdout.startswith("daemon: stopped (")
    check_database(tmp_path / "apprank.db")


def test_sighup_reloads_and_an_invalid_config_keeps_the_old_one(
    tmp_path: Path, sim: SimulatorServer, daemons
) -> None:
    config = write_config(tmp_path, sim, [{"countries": ["us"], "depth": 10, "every": "1s"}])
    daemon = daemons(config)
    daemon.wait_started()
    db = tmp_path / "apprank.db"

    write_config(tmp_path, sim, [{"countries": ["us", "gb"], "depth": 10, "every": "1s"}])
    daemon.proc.send_signal(signal.SIGHUP)
    daemon.wait_for(lambda r: r["msg"].startswith("configuration reloaded"))
    daemon.wait_cycles(2)
    assert set(snapshots_by_country(db)) == {"us", "gb"}

    config.write_text(config.read_text().replace('every = "1s"', 'every = "soon"'))
    daemon.proc.send_signal(signal.SIGHUP)
    failed = daemon.wait_for(lambda r: r["msg"].startswith("reload of"))
    assert failed["level"] == "ERROR"
    assert failed["msg"] == (
        f"reload of {config} failed, keeping the current configuration: {config}: "
        "track[0].every = 'soon': not a duration: 'soon' (expected e.g. 30s, 15m, 1h, 7d)"
    )
    before = snapshots_by_country(db)
    daemon.wait_cycles(2)
    after = snapshots_by_country(db)
    assert after["us"] > before["us"] and after["gb"] > before["gb"]
    assert daemon.stop() == 0
    check_database(db)


def seed(db: Path, country: str, age: timedelta) -> None:
    """One stored snapshot of `country`'s top-free chart, `age` old."""
    engine = open_engine(f"sqlite:///{db}")
    request = ChartRequest(ChartKey("apple", country, "top-free"), 10)
    entries = tuple(ChartEntry(rank, str(1000 + rank), f"App {rank}") for rank in range(1, 11))
    when = utcnow() - age
    SnapshotWriter(engine).save(ChartSnapshot(request, entries, when), when, Attempt(when, 5, "ok"))
    engine.dispose()


def test_a_track_older_than_its_interval_is_fetched_at_start(
    tmp_path: Path, sim: SimulatorServer, daemons
) -> None:
    db = tmp_path / "apprank.db"
    seed(db, "us", timedelta(days=2))
    seed(db, "gb", timedelta(minutes=10))
    config = write_config(
        tmp_path,
        sim,
        [
            # Daily slots: the regular runs (at 00:00 UTC) stay out of the few seconds watched.
            {"name": "stale", "countries": ["us"], "depth": 10, "every": "1d"},
            {"name": "fresh", "countries": ["gb"], "depth": 10, "every": "1d"},
        ],
    )
    daemon = daemons(config)
    daemon.wait_started()
    daemon.wait_for(lambda r: r["msg"].startswith("cycle stale"))
    assert snapshots_by_country(db) == {"us": 2, "gb": 1}
    messages = daemon.messages()
    assert any(m.startswith("scheduled stale:") and m.endswith("catching up now") for m in messages)
    assert any(m.startswith("scheduled fresh:") and "catching up" not in m for m in messages)
    assert not any(m.startswith("cycle fresh") for m in messages)
    assert daemon.stop() == 0
    check_database(db)
