"""`apprank fetch` of googleplay tracks against the simulator, end to end (a subprocess, real
HTTP on loopback): what the simulator serves is what `top` shows, in both framings; gl=CN is
no data; and every Play fault kind is refused with its own reason, never stored as ranks."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_apprank
from tracker.simulate import FaultConfig, SimulatorServer
from tracker.simulate.playmarket import PlayMarket
from tracker.text.values import clean_text  # what every stored name goes through

AT = datetime(2025, 1, 30, tzinfo=UTC)  # deepseek-2025: DeepSeek #3 on Play in the US
TRACK = """
[[track]]
source = "googleplay"
countries = [{countries}]
charts = ["top-free", "top-grossing"]
categories = ["all", "GAME_PUZZLE"]
depth = 200
"""


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    with SimulatorServer("deepseek-2025") as server:
        yield server


def config_for(
    write: Callable[..., Path], sim: SimulatorServer, countries: str, extra: str = ""
) -> Path:
    return write(
        "[http]\nretries = 0\ntimeout = 5\n"
        f'[sources.googleplay]\nbase_url = "{sim.base_url}"\n{extra}'
        + TRACK.format(countries=countries)
    )


def top(config: Path, country: str, *args: str) -> Any:
    shown = run_apprank(
        "top", "-c", config, "--source", "googleplay", "--device", "phone",
        "--country", country, "--json", *args,
    )  # fmt: skip
    assert shown.code == 0, shown.stderr
    return json.loads(shown.stdout)


@pytest.mark.parametrize("framing", ["", 'params = { rt = "c" }\n'], ids=["plain", "rt=c"])
def test_fetch_stores_what_the_simulator_serves(
    sim: SimulatorServer, write_config: Callable[..., Path], framing: str
) -> None:
    sim.set_faults(FaultConfig())
    sim.clock.set(AT)
    config = config_for(write_config, sim, '"us", "de", "cn"', framing)
    fetched = run_apprank("fetch", "-c", config)
    lines = fetched.stdout.splitlines()
    assert (fetched.code, lines[0]) == (1, "8 charts stored, 4 failed")
    assert (
        sum("failed googleplay cn " in line and ": empty (HTTP 200)" in line for line in lines) == 4
    )
    served = PlayMarket.of(sim.market).chart("us", "top-free", AT)
    shown = top(config, "us")
    assert shown["simulated"] is True and shown["captured_at"] == "2025-01-30T00:00:00Z"
    assert [(e["rank"], e["app_id"], e["name"], e["developer"]) for e in shown["entries"]] == [
        (rank, app.package, clean_text(app.title), clean_text(app.developer))
        for rank, app in enumerate(served, start=1)
    ]
    assert [e["app_id"] for e in shown["entries"][:3]] == [
        "com.openai.chatgpt",
        served[1].package,
        "com.deepseek.chat",
    ]
    puzzle = top(config, "de", "--chart", "top-grossing", "--category", "GAME_PUZZLE")
    expected = PlayMarket.of(sim.market).chart("de", "top-grossing", AT, category="GAME_PUZZLE")
    assert [e["app_id"] for e in puzzle["entries"]] == [a.package for a in expected]
    with sqlite3.connect(config.parent / "apprank.db") as db:
        row = db.execute(
            "SELECT name, price_micros, rating, installs FROM app WHERE store_id = ?",
            ("com.openai.chatgpt",),
        ).fetchone()
    assert row == ("ChatGPT", 0, 4.7, "500,000,000+")


FORCED = {
    "play/us/topselling_free/APPLICATION": (
        "play_null_payload",
        "Google Play answered no payload (error code 3)",
    ),
    "play/us/topselling_free/GAME_PUZZLE": ("empty", ": empty (HTTP 200): empty chart"),
    "play/us/topgrossing/APPLICATION": ("play_captcha", "http_error: HTTP 429"),
    "play/us/topgrossing/GAME_PUZZLE": ("play_duplicate", "appears twice (again at rank 5)"),
    "play/de/topselling_free/APPLICATION": ("play_moved", "data[0][1][0][28] is not a list"),
    "play/de/topselling_free/GAME_PUZZLE": ("play_gateway_error", "gateway refused the request"),
    "play/de/topgrossing/APPLICATION": ("play_truncated", "malformed or truncated JSON"),
    "play/de/topgrossing/GAME_PUZZLE": ("play_extra_rows", "205 rows for a depth of 200"),
}


def test_every_play_fault_is_refused_not_stored(
    sim: SimulatorServer, write_config: Callable[..., Path]
) -> None:
    sim.clock.set(AT)
    sim.set_faults(FaultConfig(force={key: kind for key, (kind, _) in FORCED.items()}))
    config = config_for(write_config, sim, '"us", "de"')
    fetched = run_apprank("fetch", "-c", config)
    lines = fetched.stdout.splitlines()
    assert (fetched.code, lines[0]) == (1, "0 charts stored, 8 failed")
    for key, (_, reason) in FORCED.items():
        _, country, collection, category = key.split("/")
        chart = {"topselling_free": "top-free", "topgrossing": "top-grossing"}[collection]
        label = f"failed googleplay {country} {chart} " + (
            "phone" if category == "APPLICATION" else f"genre {category} phone"
        )
        (line,) = [line for line in lines if line.strip().startswith(label + ":")]
        assert reason in line and "\n" not in line
    with sqlite3.connect(config.parent / "apprank.db") as db:
        assert db.execute("SELECT count(*) FROM snapshot").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM fetch_attempt").fetchone() == (8,)
    sim.set_faults(FaultConfig())
