"""Google Play's side of the simulated market: the same apps under Play's own ranks, package
names, deepseek-2025's Play path (lower and later than on the App Store), the scenario format's
per-store part, and determinism (same seed, same bytes)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.simulate.playwire import decode, entries, post
from tracker.errors import UsageError
from tracker.simulate import Market, SimulatorServer, load_scenario
from tracker.simulate.playcatalog import PLAY_COUNTRIES, on_play, package_name, valid_package
from tracker.simulate.playmarket import PlayMarket
from tracker.storefronts import STOREFRONTS

DEEPSEEK, DEEPSEEK_PACKAGE = "6737597349", "com.deepseek.chat"
SCENARIO = load_scenario("deepseek-2025")
PLAY = SCENARIO.expect.extra["googleplay"]
T0 = SCENARIO.start


@pytest.fixture(scope="module")
def play(market: Market) -> PlayMarket:
    return PlayMarket.of(market)


def top10_on_play(play: PlayMarket, at: datetime) -> set[str]:
    return {
        cc
        for cc in STOREFRONTS
        if DEEPSEEK_PACKAGE in [a.package for a in play.chart(cc, "top-free", at, depth=10)]
    }


def top10_on_ios(market: Market, at: datetime) -> set[str]:
    return {
        cc
        for cc in STOREFRONTS
        if DEEPSEEK in [a.id for a in market.chart(cc, "top-free", at, depth=10)]
    }


def test_deepseek_rises_lower_and_later_on_play(market: Market, play: PlayMarket) -> None:
    hours = [T0 + timedelta(hours=h) for h in range(21 * 24)]
    ios = [(market.rank_of(DEEPSEEK, "us", "top-free", at) or 999, at) for at in hours]
    android = [(play.rank_of(DEEPSEEK_PACKAGE, "us", "top-free", at) or 999, at) for at in hours]
    ios_best, play_best = min(ios), min(android)  # the best rank, first reached
    assert ios_best == (1, datetime(2025, 1, 27, 6, tzinfo=UTC))
    assert (
        play_best
        == (PLAY["best_rank_us"], PLAY["best_at_us"])
        == (
            3,
            datetime(2025, 1, 28, 18, tzinfo=UTC),
        )
    )
    assert play_best[1] - ios_best[1] == timedelta(hours=36)
    assert min(r for r, _ in android) == 3  # never better than #3 on Play

    ios_peak = top10_on_ios(market, SCENARIO.expect.peak_at)  # type: ignore[arg-type]
    play_peak = top10_on_play(play, PLAY["peak_top10_at"])
    assert len(ios_peak) == 174 and len(play_peak) == PLAY["peak_top10_countries"] == 18
    assert play_peak == set(PLAY["top10_countries"]) and "cn" not in play_peak
    assert PLAY["peak_top10_at"] - SCENARIO.expect.peak_at == timedelta(hours=15)  # type: ignore[operator]


def test_the_play_peak_is_the_maximum(play: PlayMarket) -> None:
    peak, until = PLAY["peak_top10_at"], PLAY["peak_top10_until"]
    assert len(top10_on_play(play, peak - timedelta(hours=1))) == 17
    assert len(top10_on_play(play, until)) == 18
    assert len(top10_on_play(play, until + timedelta(hours=1))) == 17
    for day in range(21):
        assert len(top10_on_play(play, T0 + timedelta(days=day, hours=5))) <= 18


def test_the_play_peak_over_http(sim: SimulatorServer) -> None:
    sim.clock.set(PLAY["peak_top10_at"])

    def top10(cc: str) -> list[str]:
        response = post(client, ("topselling_free", "APPLICATION", 10), gl=cc.upper())
        return [e.package for e in entries(decode(response.content)[0])]

    with httpx.Client(base_url=sim.base_url) as client, ThreadPoolExecutor(4) as pool:
        charts = dict(zip(STOREFRONTS, pool.map(top10, STOREFRONTS), strict=True))
    assert {cc for cc, chart in charts.items() if DEEPSEEK_PACKAGE in chart} == set(
        PLAY["top10_countries"]
    )
    assert charts["cn"] == [] and all(len(c) == 10 for cc, c in charts.items() if cc != "cn")
    assert charts["us"][:3] == ["com.openai.chatgpt", charts["us"][1], DEEPSEEK_PACKAGE]


def test_same_apps_own_ranks(market: Market, play: PlayMarket) -> None:
    at = T0 + timedelta(hours=30)
    ios = market.chart("us", "top-free", at)
    listed = play.chart("us", "top-free", at, depth=100)
    organic = {package_name(a) for a in market.pool("us").apps if on_play(a)}
    assert [package_name(a) for a in ios] != [a.package for a in listed]
    assert len(organic & {a.package for a in listed}) >= 90  # the App Store's apps, mostly
    assert any(not on_play(a) for a in market.pool("us").apps)  # some are iOS-only
    assert play.chart("us", "top-free", at) != play.chart("gb", "top-free", at)
    assert play.chart("us", "top-free", at) != play.chart("us", "top-free", at + timedelta(hours=1))
    assert all(a.free for a in play.chart("us", "top-free", at))
    assert all(not a.free for a in play.chart("us", "top-paid", at))
    assert all(a.game for a in play.chart("us", "top-free", at, category="GAME"))
    assert all(not a.game for a in play.chart("us", "top-free", at))


def test_packages_are_valid_unique_and_deterministic(market: Market, play: PlayMarket) -> None:
    seen: dict[str, str] = {}
    for cc in ("us", "jp", "sa", "ru"):
        for pool in (play.pool(cc), play.pool(cc, "GAME"), play.pool(cc, "PRODUCTIVITY")):
            for app in pool.listings:
                assert valid_package(app.package), app.package
                assert seen.setdefault(app.package, app.title) == app.title
    hostile = next(a for a in market.pool("us").apps if a.name.startswith("=HYPERLINK"))
    assert package_name(hostile).startswith("com.") and valid_package(package_name(hostile))
    assert [valid_package(p) for p in ("com.a", "a", "com.new.x", "com.9a", "Com.a")] == [
        True,
        False,
        False,
        False,
        False,
    ]


def test_same_seed_same_bytes() -> None:
    charts = (("topselling_free", "APPLICATION", 200), ("topgrossing", "GAME_PUZZLE", 50))

    def served(seed: int, rt: bool) -> bytes:
        market = Market(seed, SCENARIO)
        with SimulatorServer(market=market) as sim, httpx.Client(base_url=sim.base_url) as client:
            sim.clock.set(datetime(2025, 1, 29, 12, tzinfo=UTC))
            return post(client, *charts, gl="DE", rt=rt).content

    for rt in (False, True):
        assert served(2025, rt) == served(2025, rt) != served(2026, rt)


def test_scenario_with_a_play_part(tmp_path: Path) -> None:
    path = tmp_path / "both.toml"
    path.write_text(
        'name = "both"\ndescription = "SIMULATED"\nstart = 2025-03-01T00:00:00Z\n'
        '[[apps]]\nid = "1234567890"\nname = "Solo"\ndeveloper = "Me"\n'
        '[apps.googleplay]\npackage = "com.me.solo"\nname = "Solo for Android"\n'
        '[[apps.tracks]]\ncountries = ["fr"]\nsteady_rank = 7\n'
        '[[apps.tracks]]\nstore = "googleplay"\ncountries = ["fr", "de"]\nsteady_rank = 4\n'
    )
    scenario = load_scenario(path)
    play = PlayMarket.of(Market(1, scenario))
    at = scenario.start
    assert play.rank_of("com.me.solo", "fr", "top-free", at) == 4
    assert play.rank_of("com.me.solo", "de", "top-free", at, category="PRODUCTIVITY") == 4
    assert play.chart("de", "top-free", at)[3].title == "Solo for Android"
    assert play.rank_of("com.me.solo", "us", "top-free", at) is None
    assert play.market.rank_of("1234567890", "fr", "top-free", at) == 7
    assert play.market.rank_of("1234567890", "de", "top-free", at) is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('store = "googleplay"\ncountries = ["cn"]', "unknown googleplay storefronts ['cn']"),
        ('store = "googleplay"\ncountries = ["us"]\ndevices = ["ipad"]', "has no devices"),
        ('store = "android"\ncountries = ["us"]', "unknown store 'android'"),
    ],
)
def test_bad_play_tracks(tmp_path: Path, extra: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        'name = "bad"\n[[apps]]\nid = "1234567890"\nname = "x"\ndeveloper = "y"\n'
        f"[[apps.tracks]]\nsteady_rank = 3\n{extra}\n"
    )
    with pytest.raises(UsageError, match="invalid scenario") as info:
        load_scenario(path)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_bad_play_listing(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        'name = "bad"\n[[apps]]\nid = "1234567890"\nname = "x"\ndeveloper = "y"\n'
        '[apps.googleplay]\npackage = "com.Bad-Name"\n'
    )
    with pytest.raises(UsageError) as info:
        load_scenario(path)
    assert "googleplay.package 'com.Bad-Name' is not a Java package name" in str(info.value)


def test_play_countries() -> None:
    assert "cn" not in PLAY_COUNTRIES and len(PLAY_COUNTRIES) == len(STOREFRONTS) - 1
