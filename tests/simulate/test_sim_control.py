"""Simulated clock, control endpoints, counters and determinism."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx

from tracker.simulate import Market, SimClock, SimulatorServer, load_scenario

US_V2 = "/api/v2/us/apps/top-free/100/apps.json"
US_LEGACY = "/us/rss/topfreeapplications/limit=100/json"


def ids(client: httpx.Client) -> list[str]:
    return [row["id"] for row in client.get(US_V2).json()["feed"]["results"]]


def test_clock_over_http(client: httpx.Client) -> None:
    assert client.get("/_control/clock").json() == {"now": "2025-01-20T00:00:00Z", "speed": 0.0}
    before = ids(client)
    moved = client.post("/_control/clock", json={"advance": "1h"})
    assert moved.status_code == 200 and moved.json()["now"] == "2025-01-20T01:00:00Z"
    response = client.get(US_V2)
    assert response.headers["x-apprank-simulated-time"] == "2025-01-20T01:00:00Z"
    assert response.json()["feed"]["updated"].startswith("Mon, 20 Jan 2025 01:0")
    assert client.post("/_control/clock", json={"set": "2025-02-03T12:30:00Z"}).json()["now"] == (
        "2025-02-03T12:30:00Z"
    )
    assert ids(client) != before
    assert client.post("/_control/clock", json={"advance": "soon"}).status_code == 400
    assert client.post("/_control/clock", content=b"[1]").status_code == 400


def test_clock_api(sim: SimulatorServer, client: httpx.Client) -> None:
    start = sim.clock.now()
    assert start == datetime(2025, 1, 20, tzinfo=UTC)
    assert sim.clock.advance(timedelta(hours=2)) == start + timedelta(hours=2)
    assert client.get("/_control/clock").json()["now"] == "2025-01-20T02:00:00Z"
    sim.clock.set(datetime(2025, 1, 27, 6, tzinfo=UTC))
    assert ids(client)[0] == "6737597349"


def test_clock_speed() -> None:
    clock = SimClock(datetime(2025, 1, 1, tzinfo=UTC), speed=3600.0)  # an hour per millisecond
    time.sleep(0.02)
    assert clock.now() > datetime(2025, 1, 1, 10, tzinfo=UTC)
    clock.set_speed(0)
    frozen = clock.now()
    time.sleep(0.01)
    assert clock.now() == frozen


def test_stats_count_outcomes(client: httpx.Client) -> None:
    client.get(US_V2)
    client.get(US_LEGACY)
    client.get("/api/v2/us/apps/top-grossing/10/apps.json")
    client.get("/xx/rss/topfreeapplications/limit=10/json")
    client.get("/old-host" + US_V2)
    stats = client.get("/_control/stats").json()
    assert stats == {
        "requests": 5,
        "by_outcome": {"bad_request": 1, "not_found": 1, "ok": 2, "redirect": 1},
        "by_status": {"200": 2, "301": 1, "400": 1, "404": 1},
    }
    assert client.delete("/_control/stats").json()["requests"] == 0


def test_same_seed_same_hour_same_bytes(market: Market) -> None:
    with SimulatorServer(market=market) as one, SimulatorServer("deepseek-2025", seed=2025) as two:
        for server in (one, two):
            server.clock.set(datetime(2025, 1, 23, 7, 30, tzinfo=UTC))
        a = httpx.get(one.base_url + US_V2).content.replace(one.base_url.encode(), b"BASE")
        b = httpx.get(two.base_url + US_V2).content.replace(two.base_url.encode(), b"BASE")
        assert a == b
        assert (
            httpx.get(one.base_url + US_LEGACY).content
            == httpx.get(two.base_url + US_LEGACY).content
        )


def test_different_seed_different_market() -> None:
    with (
        SimulatorServer("deepseek-2025", seed=1) as one,
        SimulatorServer("deepseek-2025", seed=2) as two,
    ):
        assert (
            httpx.get(one.base_url + US_LEGACY).content
            != httpx.get(two.base_url + US_LEGACY).content
        )


def test_jumping_equals_stepping_and_is_cheap() -> None:
    scenario = load_scenario("deepseek-2025")
    target = datetime(2025, 2, 3, 9, tzinfo=UTC)
    stepper = Market(11, scenario)
    for hour in range(48, 0, -1):
        stepper.chart("de", "top-free", target - timedelta(hours=hour))
    jumper = Market(11, scenario)
    jumper.chart("de", "top-free", target - timedelta(days=14))  # build the pool first
    started = time.perf_counter()
    jumped = jumper.chart("de", "top-free", target)
    assert time.perf_counter() - started < 0.05
    assert [a.id for a in jumped] == [a.id for a in stepper.chart("de", "top-free", target)]
