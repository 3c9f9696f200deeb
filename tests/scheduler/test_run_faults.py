"""Whole-run faults: the network down, the database locked, full or read-only. The daemon logs
them, keeps running, and recovers by itself when the fault clears."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import fill_disk, small_tmpfs
from tests.scheduler.conftest import (
    DaemonProcess,
    check_database,
    config_text,
    query,
    snapshots_by_country,
)
from tracker.simulate import FaultConfig, SimulatorServer

# End to end in child processes (the demo, the daemon, the installed command, a browser): the
# minimum-versions pass of .ci/run leaves these out (see there).
pytestmark = pytest.mark.slow

COUNTRIES = ["us", "gb"]


def start(
    daemons: Callable[..., DaemonProcess], tmp_path: Path, db: Path, sim: SimulatorServer
) -> DaemonProcess:
    config = tmp_path / "config.toml"
    config.write_text(
        config_text(db, sim.base_url, [{"countries": COUNTRIES, "depth": 20, "every": "1s"}])
    )
    daemon = daemons(config)
    daemon.wait_started()
    return daemon


def snapshot_count(db: Path) -> int:
    return query(db, "SELECT count(*) FROM snapshot")[0][0]


def wait_for_more_snapshots(db: Path, than: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while snapshot_count(db) <= than:
        assert time.monotonic() < deadline, f"no new snapshot within {timeout} s"
        time.sleep(0.1)


def wait_for_every_country(db: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while set(snapshots_by_country(db)) != set(COUNTRIES):
        assert time.monotonic() < deadline, f"not every country stored within {timeout} s"
        time.sleep(0.1)


def test_network_down_for_several_cycles(tmp_path: Path, sim: SimulatorServer, daemons) -> None:
    db = tmp_path / "apprank.db"
    daemon = start(daemons, tmp_path, db, sim)
    daemon.wait_cycles(1)
    port = sim.port
    sim.stop()
    daemon.wait_cycles(3)
    stored_while_down = snapshot_count(db)
    refused = [r for r in daemon.records if r.get("reason") == "network"]
    assert {r["country"] for r in refused} == set(COUNTRIES)

    with SimulatorServer("deepseek-2025", seed=7, port=port):
        wait_for_more_snapshots(db, stored_while_down)
        daemon.wait_cycles(1)
    assert daemon.proc.poll() is None
    assert daemon.stop() == 0
    check_database(db)


def test_a_long_reader_does_not_block_the_daemon(
    tmp_path: Path, sim: SimulatorServer, daemons
) -> None:
    db = tmp_path / "apprank.db"
    daemon = start(daemons, tmp_path, db, sim)
    daemon.wait_cycles(1)
    reader = sqlite3.connect(db, isolation_level=None)
    try:
        reader.execute("BEGIN")
        before = reader.execute("SELECT count(*) FROM snapshot").fetchone()[0]
        daemon.wait_cycles(2)  # WAL: the daemon writes while the read transaction stays open
        assert reader.execute("SELECT count(*) FROM snapshot").fetchone()[0] == before
        assert snapshot_count(db) > before
    finally:
        reader.close()
    assert daemon.stop() == 0
    check_database(db)


def test_database_locked_past_the_busy_timeout(
    tmp_path: Path, sim: SimulatorServer, daemons
) -> None:
    db = tmp_path / "apprank.db"
    daemon = start(daemons, tmp_path, db, sim)
    daemon.wait_cycles(1)
    locker = sqlite3.connect(db, isolation_level=None, timeout=10)
    try:
        locker.execute("BEGIN IMMEDIATE")  # hold the write lock past the 10 s busy timeout
        daemon.wait_for(lambda r: "database is locked" in r.get("msg", ""), timeout=20)
        held = snapshot_count(db)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    wait_for_more_snapshots(db, held, timeout=30)
    assert daemon.proc.poll() is None
    assert daemon.stop() == 0
    check_database(db)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 6 MiB disk that can really fill up."""
    with small_tmpfs(tmp_path / "disk", "6m") as mount:
        yield mount


def test_disk_full_then_space_freed(small_disk: Path, daemons) -> None:
    # A market that moves an hour a second: each cycle stores new rankings, so the database
    # file must grow. (A frozen one adds rows small enough to fit pages already on disk, and the
    # WAL, checkpointed after each cycle, reuses its own blocks: the disk would never say full.)
    moving = SimulatorServer("deepseek-2025", seed=7, faults=FaultConfig(), speed=1.0)
    with moving as sim:
        _disk_full_then_space_freed(small_disk, sim, daemons)


def _disk_full_then_space_freed(small_disk: Path, sim: SimulatorServer, daemons) -> None:
    db = small_disk / "apprank.db"
    daemon = start(daemons, small_disk.parent, db, sim)
    daemon.wait_cycles(2)
    ballast = fill_disk(small_disk)
    daemon.wait_for(lambda r: "database or disk is full" in r.get("msg", ""), timeout=20)
    daemon.wait_cycles(2)  # still scheduling while the disk is full
    full = snapshot_count(db)
    ballast.unlink()
    wait_for_more_snapshots(db, full)
    if any("heartbeat not recorded" in r.get("msg", "") for r in daemon.records):
        # A heartbeat that could not be written is written again once there is room.
        daemon.wait_for(lambda r: r.get("msg") == "heartbeat recorded again", timeout=10)
    assert daemon.stop() == 0
    check_database(db)


def test_database_file_made_read_only(tmp_path: Path, sim: SimulatorServer, daemons) -> None:
    if os.geteuid() != 0 or shutil.which("chattr") is None:
        pytest.skip("needs root for chattr +i (a chmod does not affect files already open)")
    db = tmp_path / "apprank.db"
    daemon = start(daemons, tmp_path, db, sim)
    daemon.wait_cycles(1)
    files = [str(db), f"{db}-wal"]
    made = subprocess.run(["chattr", "+i", *files], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"chattr +i not supported here: {made.stderr.decode().strip()}")
    try:
        daemon.wait_for(lambda r: "cycle summary not recorded" in r.get("msg", ""), timeout=20)
        daemon.wait_cycles(2)  # still scheduling while it cannot write
        frozen = snapshot_count(db)
        failed = [r for r in daemon.records if r.get("reason") == "store"]
        assert {r["country"] for r in failed} <= set(COUNTRIES)
        assert failed
    finally:
        subprocess.run(["chattr", "-i", *files], check=True)
    wait_for_more_snapshots(db, frozen)
    # Every chart is stored again. Not necessarily in the first batch after the fault: on a
    # loaded machine the first cycle can reach its 0.5 s deadline before either chart is stored,
    # and a batch may hold one chart.
    wait_for_every_country(db)
    assert daemon.stop() == 0
    check_database(db)
