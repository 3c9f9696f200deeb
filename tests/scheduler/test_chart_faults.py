"""Per-chart faults: the daemon keeps running, good charts of the same cycle are stored, nothing
invalid is stored, every failure is logged with its chart and reason, and the next good cycle
fills in."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from tests.scheduler.conftest import (
    attempts_by_country,
    check_database,
    config_text,
    query,
    snapshots_by_country,
)
from tracker.simulate import FaultConfig, SimulatorServer

# End to end in child processes (the demo, the daemon, the installed command, a browser): the
# minimum-versions pass of .ci/run leaves these out (see there).
pytestmark = pytest.mark.slow

# country -> (forced simulator fault, the attempt outcome apprank records, its HTTP status)
FAULTS = {
    "gb": ("server_error", "http_error", {500, 502, 503}),
    "de": ("timeout", "timeout", {None}),
    "fr": ("reset", "network", {None}),
    "jp": ("truncated", "format", {200}),
    "ca": ("html", "format", {200}),
    "it": ("oversized", "too_large", {200}),
    "es": ("redirect_loop", "network", {None}),
}
GOOD = ["us", "nl"]

# Under load these tests once recorded `timeout` for charts that were only slow: a cycle may
# run until 90% of its slot and never less than half of it (scheduler/plan.py), so `every = 1s`
# cut a busy cycle off after 0.5 s, and the HTTP timeout was 0.5 s too. Each feed answer is
# made LATENCY late here, as on a loaded machine, and the slot and the HTTP timeout are set far
# above it, so that only the forced `timeout` fault (which never answers) can time out.
LATENCY = 0.6
HTTP_TIMEOUT = 2.0  # well under half of EVERY: the forced timeout ends before the cycle does
EVERY = "6s"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_every_chart_fault_is_survived_and_filled_in(
    tmp_path: Path, sim: SimulatorServer, daemons
) -> None:
    sim.set_faults(
        FaultConfig(
            force={f"/{cc}/apps/": kind for cc, (kind, _, _) in FAULTS.items()},
            # No added latency here: the redirect loop's six hops would each pay it.
            timeout_seconds=60,  # silent until the client gives up (or the simulator stops)
            oversized_bytes=70_000,
        )
    )
    db = tmp_path / "apprank.db"
    config = tmp_path / "config.toml"
    refused = f"http://127.0.0.1:{closed_port()}"
    config.write_text(
        config_text(
            db,
            sim.base_url,
            [
                {"name": "apple", "countries": GOOD + list(FAULTS), "depth": 10, "every": EVERY},
                # The legacy source points at a closed port: connection refused.
                {
                    "name": "legacy",
                    "source": "itunes",
                    "countries": ["us"],
                    "depth": 10,
                    "every": EVERY,
                },
            ],
            itunes_url=refused,
            timeout=HTTP_TIMEOUT,
        )
    )
    daemon = daemons(config)
    daemon.wait_started()
    daemon.wait_cycles(4, timeout=60)  # at least one cycle of each track, all faults in force

    # Only the good charts were stored; every faulty one was recorded as the right failure.
    assert set(snapshots_by_country(db)) == set(GOOD)
    attempts = attempts_by_country(db)
    for country, (_, outcome, statuses) in FAULTS.items():
        assert {o for o, _ in attempts[country]} == {outcome}, country
        assert {s for _, s in attempts[country]} <= statuses, country
    legacy = query(
        db,
        "SELECT DISTINCT a.outcome FROM fetch_attempt a JOIN chart c ON c.id = a.chart_id "
        "WHERE c.source = 'itunes'",
    )
    assert legacy == [("network",)]

    # --log-format json: every line one JSON object with the four fixed fields.
    assert all({"ts", "level", "logger", "msg"} <= set(r) for r in daemon.records)
    # Each failure was logged with source, country, chart, reason and HTTP status.
    failures = [r for r in daemon.records if r["msg"].startswith("fetch failed")]
    logged = {(r["source"], r["country"], r["chart"], r["reason"]) for r in failures}
    for country, (_, outcome, _) in FAULTS.items():
        assert ("apple", country, "top-free", outcome) in logged
    assert ("itunes", "us", "top-free", "network") in logged
    assert all("http_status" in r for r in failures)
    assert {r["http_status"] for r in failures if r["country"] == "gb"} <= {500, 502, 503}

    # Faults cleared: the next cycles fill every chart in, and the daemon never stopped.
    sim.set_faults(FaultConfig())
    deadline = time.monotonic() + 60  # a bound on a failure, not a measurement
    while set(snapshots_by_country(db)) != set(GOOD) | set(FAULTS):
        assert time.monotonic() < deadline, snapshots_by_country(db)
        time.sleep(0.2)
    assert daemon.proc.poll() is None
    assert daemon.stop() == 0
    check_database(db)


def test_an_empty_chart_is_not_stored(tmp_path: Path, sim: SimulatorServer, daemons) -> None:
    # A slow answer (LATENCY) is still an answer, not a `timeout` next to the `empty`.
    sim.set_faults(FaultConfig(force={"/au/apps/": "empty"}, latency=LATENCY))
    db = tmp_path / "apprank.db"
    config = tmp_path / "config.toml"
    tracks = [{"countries": ["us", "au"], "depth": 10, "every": EVERY}]
    config.write_text(config_text(db, sim.base_url, tracks, timeout=HTTP_TIMEOUT))
    daemon = daemons(config)
    daemon.wait_started()
    daemon.wait_cycles(2, timeout=60)
    assert daemon.stop() == 0
    assert set(snapshots_by_country(db)) == {"us"}
    assert {o for o, _ in attempts_by_country(db)["au"]} == {"empty"}
    check_database(db)
