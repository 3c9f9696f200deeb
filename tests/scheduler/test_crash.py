"""Crash safety: SIGKILL at random moments of busy cycles, twenty times over, never leaves a
damaged database or a snapshot missing part of its ranks, and a restarted daemon carries on."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from tests.scheduler.conftest import check_database, config_text, query
from tracker.simulate import SimulatorServer

# End to end in child processes (the demo, the daemon, the installed command, a browser): the
# minimum-versions pass of .ci/run leaves these out (see there).
pytestmark = pytest.mark.slow

KILLS = 20
COUNTRIES = ["us", "gb", "de", "fr", "jp", "ca", "au", "it"]


def test_sigkill_at_random_moments_leaves_a_sound_database(tmp_path: Path, daemons) -> None:
    rng = random.Random(20260127)
    db = tmp_path / "apprank.db"
    config = tmp_path / "config.toml"
    # The simulated market moves an hour per second, so every cycle writes new rankings.
    with SimulatorServer("deepseek-2025", seed=3, speed=3600) as sim:
        config.write_text(
            config_text(
                db,
                sim.base_url,
                [
                    {
                        "countries": COUNTRIES,
                        "charts": ["top-free", "top-paid"],
                        "depth": 100,
                        "every": "1s",
                    }
                ],
                max_bytes=1_000_000,
            )
        )
        for _ in range(KILLS):
            daemon = daemons(config)
            daemon.wait_started()
            time.sleep(rng.uniform(0.0, 1.5))
            daemon.kill()
            check_database(db)
        killed_with = query(db, "SELECT count(*) FROM snapshot")[0][0]
        assert killed_with > 0

        # A restarted daemon takes the lock the killed one held, and carries on.
        daemon = daemons(config)
        daemon.wait_started()
        daemon.wait_cycles(2)
        assert daemon.stop() == 0
    check_database(db)
    assert query(db, "SELECT count(*) FROM snapshot")[0][0] >= killed_with + len(COUNTRIES) * 2
    # Each run has its own heartbeat row: the killed ones stay "running" with an old beat, and
    # the latest, the one `status` and `health` read, says the restarted daemon stopped cleanly.
    assert query(db, "SELECT count(*) FROM daemon_heartbeat") == [(KILLS + 1,)]
    latest = "SELECT state FROM daemon_heartbeat ORDER BY beat_at DESC, started_at DESC LIMIT 1"
    assert query(db, latest) == [("stopped",)]
