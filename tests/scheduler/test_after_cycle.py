"""After each cycle the daemon evaluates alert rules on what it stored and re-renders the
configured charts, atomically."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.scheduler.conftest import config_text, query
from tracker.simulate import SimulatorServer


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
