"""The deepseek-2025 scenario: its file, its loader and its promised facts, checked over HTTP."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tracker.errors import UsageError
from tracker.simulate import Market, SimulatorServer, builtin_scenarios, load_scenario
from tracker.storefronts import STOREFRONTS

DEEPSEEK, CHATGPT = "6737597349", "6448311069"
SCENARIO = load_scenario("deepseek-2025")
FACTS = SCENARIO.expect


def v2_ids(client: httpx.Client, country: str = "us", limit: int = 100) -> list[str]:
    response = client.get(f"/api/v2/{country}/apps/top-free/{limit}/apps.json")
    assert response.status_code == 200
    return [row["id"] for row in response.json()["feed"]["results"]]


def test_scenario_file() -> None:
    assert "SIMULATED" in SCENARIO.description
    assert SCENARIO.start == datetime(2025, 1, 20, tzinfo=UTC)
    assert FACTS.app_id == DEEPSEEK and FACTS.chart == "top-free"
    assert FACTS.first_number_one_us == datetime(2025, 1, 27, 6, tzinfo=UTC)
    assert FACTS.peak_number_one_countries == 51
    assert FACTS.peak_at == datetime(2025, 1, 29, 8, tzinfo=UTC)
    assert FACTS.extra["peak_until"] == datetime(2025, 2, 1, 8, tzinfo=UTC)
    assert {"baseline", "deepseek-2025"} <= set(builtin_scenarios())
    names = {s.app.id: (s.app.name, s.app.developer) for s in SCENARIO.apps}
    assert names == {
        DEEPSEEK: ("DeepSeek - AI Assistant", "DeepSeek"),
        CHATGPT: ("ChatGPT", "OpenAI"),
    }


def test_unknown_and_invalid_scenarios(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown scenario 'nope'") as info:
        load_scenario("nope")
    assert "\n" not in str(info.value) and "deepseek-2025" in str(info.value)
    with pytest.raises(UsageError, match="not found"):
        load_scenario(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[[apps]]\nid = "12ab"\nname = "x"\ndeveloper = "y"\n')
    with pytest.raises(UsageError, match="id must be digits"):
        load_scenario(bad)


def test_scenario_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "solo.toml"
    path.write_text(
        'name = "solo"\ndescription = "SIMULATED"\nstart = 2025-03-01T00:00:00Z\n'
        '[[apps]]\nid = "1234567890"\nname = "Solo"\ndeveloper = "Me"\n'
        '[[apps.tracks]]\ncountries = ["fr"]\nsteady_rank = 7\n'
    )
    with SimulatorServer(str(path)) as sim, httpx.Client(base_url=sim.base_url) as client:
        assert sim.clock.now() == datetime(2025, 3, 1, tzinfo=UTC)
        assert v2_ids(client, "fr").index("1234567890") == 6


def test_deepseek_passes_chatgpt_in_the_us(sim: SimulatorServer, client: httpx.Client) -> None:
    first = FACTS.first_number_one_us
    assert first is not None
    assert DEEPSEEK not in v2_ids(client)  # 20 Jan: still outside the top 100
    sim.clock.set(first - timedelta(hours=1))
    before = v2_ids(client)
    assert before.index(CHATGPT) < before.index(DEEPSEEK)
    sim.clock.set(first)
    assert v2_ids(client)[:2] == [DEEPSEEK, CHATGPT]


def test_first_number_one_is_exact(market: Market) -> None:
    first = FACTS.first_number_one_us
    assert first is not None
    hour = SCENARIO.start
    while hour < first:
        rank = market.rank_of(DEEPSEEK, "us", "top-free", hour)
        assert rank != 1, hour
        if rank is not None:
            assert market.rank_of(CHATGPT, "us", "top-free", hour) < rank, hour  # type: ignore[operator]
        hour += timedelta(hours=1)
    assert market.rank_of(DEEPSEEK, "us", "top-free", first) == 1


def test_peak_number_one_countries_over_http(sim: SimulatorServer) -> None:
    assert FACTS.peak_at is not None
    sim.clock.set(FACTS.peak_at)

    with httpx.Client(base_url=sim.base_url) as client, ThreadPoolExecutor(4) as pool:
        leaders = dict(
            zip(
                STOREFRONTS, pool.map(lambda cc: v2_ids(client, cc, 1)[0], STOREFRONTS), strict=True
            )
        )
        assert DEEPSEEK in v2_ids(client, "cn", limit=3)
    number_one = {cc for cc, app_id in leaders.items() if app_id == DEEPSEEK}
    assert len(number_one) == FACTS.peak_number_one_countries
    assert "us" in number_one and not number_one & set(FACTS.extra["never_number_one"])


def test_peak_is_the_maximum(market: Market) -> None:
    assert FACTS.peak_at is not None and FACTS.first_number_one_us is not None

    def count(at: datetime) -> int:
        return sum(
            market.chart(cc, "top-free", at, depth=1)[0].id == DEEPSEEK for cc in STOREFRONTS
        )

    assert count(FACTS.peak_at) == FACTS.peak_number_one_countries
    assert count(FACTS.peak_at - timedelta(hours=1)) == FACTS.peak_number_one_countries - 1
    assert count(FACTS.extra["peak_until"]) == FACTS.peak_number_one_countries
    assert count(FACTS.extra["peak_until"] + timedelta(hours=1)) < FACTS.peak_number_one_countries
    assert count(FACTS.first_number_one_us) == 1
    assert count(FACTS.first_number_one_us - timedelta(hours=1)) == 0
    for day in range(14):
        assert (
            count(SCENARIO.start + timedelta(days=day, hours=8)) <= FACTS.peak_number_one_countries
        )


def test_chatgpt_is_not_listed_in_cn(market: Market) -> None:
    at = FACTS.peak_at
    assert at is not None
    assert market.rank_of(CHATGPT, "cn", "top-free", at) is None
    assert market.rank_of(DEEPSEEK, "cn", "top-free", at) == 2
