"""`apprank run --serve`: the daemon serves the web API from its own process over real HTTP,
answering from what its cycles store, and stops with it on SIGTERM."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.scheduler.conftest import config_text
from tracker.simulate import SimulatorServer

SERVING = re.compile(r"^serving (http://127\.0\.0\.1:\d+) read-only, no token: loopback only$")


def test_the_daemon_serves_what_its_cycles_store(
    tmp_path: Path, sim: SimulatorServer, daemons
) -> None:
    config = tmp_path / "config.toml"
    # 4s: a cycle's deadline is half its interval, and a loaded machine needs more than 0.5 s.
    tracks = [{"countries": ["us"], "depth": 10, "every": "4s"}]
    config.write_text(
        config_text(tmp_path / "apprank.db", sim.base_url, tracks) + "[web]\nport = 0\n"
    )
    daemon = daemons(config, "--serve")
    record = daemon.wait_for(lambda r: SERVING.match(r.get("msg", "")) is not None)
    match = SERVING.match(record["msg"])
    assert match is not None
    base = match.group(1)
    daemon.wait_started()
    daemon.wait_cycles(1)
    with httpx.Client(base_url=base, timeout=10) as client:
        top = client.get("/api/v1/top", params={"country": "us"})
        assert top.status_code == 200
        body = top.json()
        assert (body["country"], body["simulated"], len(body["entries"])) == ("us", True, 10)
        assert [e["rank"] for e in body["entries"]] == list(range(1, 11))
        status = client.get("/api/v1/status").json()
        assert [(s["country"], s["last_error"]) for s in status] == [("us", None)]
        health = client.get("/healthz")
        assert (health.status_code, health.json()["healthy"]) == (200, True)
        assert health.headers["x-frame-options"] == "DENY"
    assert daemon.stop() == 0
    assert "daemon stopped" in daemon.messages()
