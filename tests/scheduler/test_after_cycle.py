"""After each cycle the daemon evaluates alert rules on what it stored and re-renders the
configured charts, atomically."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.alerts.conftest import TricklingReceiver
from tests.scheduler.conftest import config_text, query
from tracker.simulate import SimulatorServer

# End to end in child processes (the demo, the daemon, the installed command, a browser): the
# minimum-versions pass of .ci/run leaves these out (see there).
pytestmark = pytest.mark.slow


def test_the_daemon_fires_alerts_and_renders_configured_charts(tmp_path: Path, daemons) -> None:
    # One simulated hour per real second, from seven hours before DeepSeek's first #1 in the US
    # (06:00): the daemon's first snapshot must come before it, on a slow machine too, for the
    # transition to be seen.
    with SimulatorServer(
        "deepseek-2025", start=datetime(2025, 1, 26, 23, 0, tzinfo=UTC), speed=1.0
    ) as sim:
        db = tmp_path / "apprank.db"
        picture = tmp_path / "us.png"
        config = tmp_path / "config.toml"
        config.write_text(
            config_text(db, sim.base_url, [{"countries": ["us"], "depth": 10, "every": "1s"}])
            + '[apps]\ndeepseek = "6737597349"\nchatgpt = "6448311069"\n'
            + '[[alert]]\nname = "ds-1"\napp = "deepseek"\ncountries = ["us"]\n'
            + 'when = "rank <= 1"\nnotify = ["log"]\n'
            + '[[chart]]\nkind = "rank"\napps = ["deepseek", "chatgpt"]\ncountries = ["us"]\n'
            + f'output = "{picture}"\n'
        )
        daemon = daemons(config)
        daemon.wait_started()
        fired = daemon.wait_for(lambda r: r.get("logger") == "apprank.alerts", timeout=30)
        assert "DeepSeek - AI Assistant is now #1 on the US top-free chart" in fired["msg"]
        assert daemon.stop() == 0
    assert query(db, "SELECT rule, app_id, country, rank FROM alert_event") == [
        ("ds-1", "6737597349", "us", 1)
    ]
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob("*.tmp*"))  # written atomically, no leftovers


@pytest.fixture
def trickling() -> Iterator[TricklingReceiver]:
    server = TricklingReceiver()
    yield server
    server.close()


def test_a_slow_receiver_does_not_hold_the_track(
    tmp_path: Path, trickling: TricklingReceiver, daemons
) -> None:
    """The rule fires (as in the test above) and its send is stuck for a minute; cycles go on."""
    with SimulatorServer(
        "deepseek-2025", start=datetime(2025, 1, 26, 23, 0, tzinfo=UTC), speed=1.0
    ) as sim:
        db = tmp_path / "apprank.db"
        config = tmp_path / "config.toml"
        config.write_text(
            config_text(db, sim.base_url, [{"countries": ["us"], "depth": 10, "every": "1s"}])
            + '[apps]\ndeepseek = "6737597349"\n'
            + '[[alert]]\nname = "ds-top"\napp = "deepseek"\ncountries = ["us"]\n'
            + 'when = "rank <= 1"\nnotify = ["webhook:slow"]\n'
            + f'[notify.webhook.slow]\nurl = "{trickling.url}"\ntimeout = 60\nretries = 0\n'
        )
        daemon = daemons(config)
        daemon.wait_started()
        deadline = time.monotonic() + 30
        while trickling.open == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert trickling.open == 1  # the send is stuck in the receiver...
        daemon.wait_cycles(5, timeout=30)  # ...and the track cycles on
        assert trickling.open == 1 and trickling.connections == 1
        assert daemon.stop() == 0
    assert query(db, "SELECT count(*) FROM alert_event") == [(1,)]
