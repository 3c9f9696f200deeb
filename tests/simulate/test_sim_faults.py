"""Every fault kind, observed over real HTTP, and the determinism of fault decisions."""

from __future__ import annotations

import time

import httpx
import orjson
import pytest

from tracker.errors import FeedFormatError
from tracker.fetch.sources import SOURCES
from tracker.models import ChartKey, ChartRequest
from tracker.simulate import FAULT_KINDS, FaultConfig, SimulatorServer

PAID = "/api/v2/us/apps/top-paid/100/apps.json"
LEGACY_PAID = "/us/rss/toppaidapplications/limit=100/json"


def force(sim: SimulatorServer, kind: str, **knobs: float) -> None:
    sim.set_faults(FaultConfig(force={"us/apps/top-paid": kind, "toppaid": kind}, **knobs))


def parse_v2(body: bytes) -> int:
    request = ChartRequest(ChartKey("apple", "us", "top-paid"), 100)
    return len(SOURCES["apple"].parse(request, body, url="sim").entries)


@pytest.mark.parametrize(
    ("kind", "status", "retry_after"),
    [("rate_limit", 429, "1"), ("rate_limit_no_header", 429, None), ("forbidden", 403, None)],
)
def test_refusals(
    sim: SimulatorServer, client: httpx.Client, kind: str, status: int, retry_after: str | None
) -> None:
    force(sim, kind)
    response = client.get(PAID)
    assert response.status_code == status
    assert response.headers.get("retry-after") == retry_after
    assert response.content == b""
    assert client.get("/api/v2/us/apps/top-free/100/apps.json").status_code == 200  # not forced


def test_server_errors(sim: SimulatorServer, client: httpx.Client) -> None:
    force(sim, "server_error")
    statuses = {
        client.get(f"/api/v2/us/apps/top-paid/{n}/apps.json").status_code for n in range(1, 40)
    }
    assert statuses == {500, 502, 503}


def test_timeout(sim: SimulatorServer, client: httpx.Client) -> None:
    force(sim, "timeout", timeout_seconds=1.0)
    with pytest.raises(httpx.ReadTimeout):
        client.get(PAID, timeout=0.2)


def test_reset(sim: SimulatorServer, client: httpx.Client) -> None:
    force(sim, "reset")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.get(PAID)


def test_truncated(sim: SimulatorServer, client: httpx.Client) -> None:
    force(sim, "truncated")
    response = client.get(PAID)
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content) > 1000
    with pytest.raises(FeedFormatError):
        parse_v2(response.content)


def test_html(sim: SimulatorServer, client: httpx.Client) -> None:
    force(sim, "html")
    response = client.get(PAID)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    with pytest.raises(FeedFormatError, match="HTML page"):
        parse_v2(response.content)


def test_empty(sim: SimulatorServer, client: httpx.Client) -> None:
    force(sim, "empty")
    response = client.get(PAID)
    assert response.status_code == 200 and parse_v2(response.content) == 0
    assert orjson.loads(response.content)["feed"]["results"] == []
    legacy = orjson.loads(client.get(LEGACY_PAID).content)["feed"]
    assert "entry" not in legacy and legacy["title"] == {"label": "iTunes Store: Top Paid Apps"}


def test_oversized(sim: SimulatorServer, client: httpx.Client) -> None:
    force(sim, "oversized", oversized_bytes=300_000)
    response = client.get(PAID)
    assert int(response.headers["content-length"]) == len(response.content) == 300_001
    assert parse_v2(response.content) >= 97  # a valid feed, just padded past the cap
    with client.stream("GET", PAID) as stream:  # a capped client hangs up early
        received = 0
        for chunk in stream.iter_bytes():
            received += len(chunk)
            if received > 100_000:
                break
    assert client.get("/api/v2/us/apps/top-free/1/apps.json").status_code == 200


def test_slow(sim: SimulatorServer, client: httpx.Client) -> None:
    force(sim, "slow", slow_seconds=0.6)
    started = time.perf_counter()
    response = client.get(PAID, timeout=0.3)  # every piece beats the read timeout...
    assert time.perf_counter() - started >= 0.5  # ...but the whole body takes longer
    assert parse_v2(response.content) >= 97


def test_redirect_loop(sim: SimulatorServer, client: httpx.Client) -> None:
    force(sim, "redirect_loop")
    first = client.get(PAID)
    assert first.status_code == 302
    loop = f"{sim.base_url}{PAID}?apprank_loop=1"
    assert first.headers["location"] == loop
    again = client.get(loop)
    assert again.status_code == 302 and again.headers["location"] == loop
    with pytest.raises(httpx.TooManyRedirects):
        client.get(PAID, follow_redirects=True)


def test_latency(sim: SimulatorServer, client: httpx.Client) -> None:
    sim.set_faults(FaultConfig(latency=0.15))
    started = time.perf_counter()
    assert client.get(PAID).status_code == 200
    assert time.perf_counter() - started >= 0.15


def test_probabilities_are_deterministic_under_the_seed(
    sim: SimulatorServer, client: httpx.Client
) -> None:
    paths = [f"/api/v2/{cc}/apps/top-free/10/apps.json" for cc in ("us", "gb", "de", "jp")] * 15

    def run(seed: int) -> list[int]:
        sim.set_faults(FaultConfig(seed=seed, server_error=0.2, rate_limit=0.2, forbidden=0.1))
        return [client.get(p).status_code for p in paths]

    first = run(7)
    assert first == run(7)
    assert first != run(8)
    assert 10 <= sum(s != 200 for s in first) <= 50
    stats = client.get("/_control/stats").json()["by_outcome"]
    assert {"fault:server_error", "fault:rate_limit", "fault:forbidden", "ok"} <= set(stats)


def test_faults_over_the_control_endpoint(client: httpx.Client) -> None:
    config = {"rate_limit": 1.0, "seed": 3}
    assert client.post("/_control/faults", json=config).json()["rate_limit"] == 1.0
    assert client.get(PAID).status_code == 429
    assert client.get("/_control/faults").json()["seed"] == 3
    assert client.post("/_control/faults", json={"rate_limit": 2}).status_code == 400
    assert client.post("/_control/faults", json={"bogus": 1}).status_code == 400
    assert client.post("/_control/faults", json={}).status_code == 200
    assert client.get(PAID).status_code == 200


def test_config_validation() -> None:
    assert len(FAULT_KINDS) == 19  # 12 for any feed, 7 for Google Play (test_sim_play.py)
    with pytest.raises(ValueError, match="more than 1"):
        FaultConfig(rate_limit=0.6, server_error=0.6)
    with pytest.raises(ValueError, match="unknown forced"):
        FaultConfig(force={"us": "explode"})
