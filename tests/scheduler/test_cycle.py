"""One cycle, in-process: what a slot already has is skipped, another daemon's claims are
respected, the deadline records cut-off charts as timed out, and a stop cancels cleanly."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scheduler.cycle import Canceller, CycleReport, run_cycle
from scheduler.daemon import Daemon
from scheduler.settings import DaemonSettings
from tests.scheduler.conftest import config_text, query
from tracker.config.load import Config, load_config
from tracker.fetch.http import HttpSettings
from tracker.fetch.pauses import HostGate
from tracker.models import ChartEntry, ChartSnapshot
from tracker.simulate import FaultConfig, SimulatorServer
from tracker.store.claims import claim, share
from tracker.store.daemon_state import Heartbeat, beat
from tracker.store.engine import open_engine
from tracker.store.writer import Attempt, SnapshotWriter
from tracker.timeutil import to_epoch, utcnow

SLOT = datetime(2026, 1, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def setup(tmp_path: Path, sim: SimulatorServer) -> Iterator[tuple[Config, SnapshotWriter, Path]]:
    db = tmp_path / "apprank.db"
    path = tmp_path / "config.toml"
    path.write_text(
        config_text(db, sim.base_url, [{"countries": ["us", "gb"], "depth": 10}], timeout=10.0)
    )
    config = load_config(path)
    engine = open_engine(config.database.url)
    yield config, SnapshotWriter(engine), db
    engine.dispose()


def cycle(
    config: Config,
    writer: SnapshotWriter,
    *,
    deadline: float = 30,
    shared: bool = False,
    canceller: Canceller | None = None,
) -> CycleReport:
    return run_cycle(
        config,
        config.requests(),
        writer,
        instance="here:1",
        track="t",
        slot=SLOT,
        deadline=deadline,
        gate=HostGate(HttpSettings()),
        canceller=canceller or Canceller(),
        shared=shared,
    )


def stored(db: Path) -> list[tuple[str, int]]:
    return query(
        db,
        "SELECT c.country, s.slot FROM snapshot s JOIN chart c ON c.id = s.chart_id "
        "ORDER BY c.country",
    )


def test_charts_the_slot_already_has_are_skipped(setup) -> None:
    config, writer, db = setup
    us = config.requests()[0]
    entries = (ChartEntry(1, "1", "One"),)
    now = utcnow()
    writer.save(ChartSnapshot(us, entries, None), now, Attempt(now, 1, "ok"), slot=to_epoch(SLOT))
    summary = cycle(config, writer).summary
    assert (summary.charts, summary.ok, summary.failed, summary.skipped) == (2, 1, 0, 1)
    assert summary.slot == to_epoch(SLOT)
    assert stored(db) == [("gb", to_epoch(SLOT)), ("us", to_epoch(SLOT))]


def test_a_shared_database_fetches_only_the_charts_this_daemon_claimed(setup) -> None:
    config, writer, db = setup
    gb = config.requests()[1]
    assert claim(writer, [gb], to_epoch(SLOT), "elsewhere:2", utcnow()) == [gb]
    summary = cycle(config, writer, shared=True).summary
    assert (summary.ok, summary.failed, summary.skipped) == (1, 0, 1)
    assert stored(db) == [("us", to_epoch(SLOT))]


def alive_peer(writer: SnapshotWriter, instance: str) -> None:
    now = utcnow()
    beat(writer.engine, Heartbeat(instance, "peer", 2, "0", now, now, 15.0, "running", 0))


def test_a_shared_cycle_fetches_its_share_then_what_a_silent_peer_left(setup) -> None:
    config, writer, db = setup
    requests = config.requests()
    alive_peer(writer, "elsewhere:2")  # alive by its heartbeat, but it claims nothing
    mine, theirs = share(requests, to_epoch(SLOT), ["elsewhere:2"], "here:1")
    assert (len(mine), len(theirs)) == (1, 1)  # this pair of names splits the two charts
    summary = cycle(config, writer, shared=True).summary
    assert (summary.ok, summary.failed, summary.skipped) == (2, 0, 0)
    assert stored(db) == [("gb", to_epoch(SLOT)), ("us", to_epoch(SLOT))]
    owners = query(db, "SELECT DISTINCT owner FROM chart_claim")
    assert owners == [("here:1",)]


def test_a_shared_cycle_leaves_a_live_peer_its_claimed_share(setup) -> None:
    config, writer, db = setup
    requests = config.requests()
    alive_peer(writer, "elsewhere:2")
    mine, theirs = share(requests, to_epoch(SLOT), ["elsewhere:2"], "here:1")
    assert claim(writer, theirs, to_epoch(SLOT), "elsewhere:2", utcnow()) == theirs
    summary = cycle(config, writer, shared=True).summary
    assert (summary.ok, summary.failed, summary.skipped) == (1, 0, 1)
    country = mine[0].key.country
    assert stored(db) == [(country, to_epoch(SLOT))]


def test_the_deadline_records_cut_off_charts_as_timed_out(setup, sim: SimulatorServer) -> None:
    config, writer, db = setup
    sim.set_faults(FaultConfig(force={"/gb/apps/": "slow"}, slow_seconds=10))
    summary = cycle(config, writer, deadline=1.0).summary
    assert (summary.ok, summary.failed, summary.note) == (1, 1, "deadline reached")
    assert stored(db) == [("us", to_epoch(SLOT))]
    assert query(
        db,
        "SELECT c.country, a.outcome, a.error FROM fetch_attempt a JOIN chart c "
        "ON c.id = a.chart_id WHERE a.outcome != 'ok'",
    ) == [("gb", "timeout", "cycle deadline of 1.0 s reached before this chart finished")]


def test_a_stop_cancels_the_cycle_and_counts_only_what_finished(
    setup, sim: SimulatorServer
) -> None:
    config, writer, db = setup
    sim.set_faults(FaultConfig(force={"/gb/apps/": "slow"}, slow_seconds=10))
    canceller = Canceller()
    threading.Timer(1.0, canceller.cancel).start()
    summary = cycle(config, writer, canceller=canceller).summary
    assert (summary.ok, summary.failed, summary.note) == (1, 0, "stopped")
    assert stored(db) == [("us", to_epoch(SLOT))]
    assert query(db, "SELECT count(*) FROM fetch_attempt WHERE outcome != 'ok'") == [(0,)]


def test_a_dead_scheduler_stops_the_daemon_as_crashed(setup) -> None:
    config, writer, _ = setup
    daemon = Daemon(config, writer.engine, DaemonSettings(heartbeat=0.2), config_path=config.path)
    daemon.start()
    daemon.scheduler.shutdown(wait=False)  # as if its thread had died
    assert daemon.run_forever() == 0
    assert daemon.crashed is True
