"""`apprank digest` on the scripted deepseek-2025 scenario, as the demo fetched it from the
simulator over loopback: the two days DeepSeek took #1 from ChatGPT, each line's numbers.

The demo runs once per session (the shared `demo_run`); its market is the scenario's, seeded,
so every rank below is the same on every run.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_apprank

pytestmark = pytest.mark.slow  # the shared demo run: see tests/demo/test_pipeline.py

DEEPSEEK, CHATGPT = "6737597349", "6448311069"
WINDOW = ("--since", "2025-01-26T00:00", "--until", "2025-01-28T00:00")


def digest(demo_run, *options: str) -> str:
    out, made = demo_run
    assert made.code == 0, made.stderr
    run = run_apprank("digest", *WINDOW, *options, "--config", out / "config.toml")
    assert (run.code, run.stderr) == (0, "")
    return run.stdout


def test_the_us_digest_is_deepseek_taking_number_one_from_chatgpt(demo_run) -> None:
    found = json.loads(digest(demo_run, "--country", "us", "--json"))
    assert found["new_number_ones"] == [
        {"country": "us", "at": "2025-01-28T00:00:00Z", "app_id": DEEPSEEK, "name": "DeepSeek",
         "was": 3, "lost_app_id": CHATGPT, "lost_name": "ChatGPT", "lost_now": 2}
    ]  # fmt: skip
    climbs = [(c["app_id"], c["before"], c["after"], c["change"]) for c in found["climbs"]]
    drops = [(d["app_id"], d["before"], d["after"], d["change"]) for d in found["drops"]]
    assert (climbs, drops) == ([(DEEPSEEK, 3, 1, 2)], [(CHATGPT, 1, 2, -1)])
    countries = {c["app_id"]: (c["now"], c["then"]) for c in found["number_one_countries"]}
    assert countries == {DEEPSEEK: (["us"], []), CHATGPT: ([], ["us"])}
    assert (found["entered_top"], found["left_top"], found["failed_fetches"]) == ([], [], [])


def test_the_world_digest_counts_the_countries_and_the_climbs(demo_run) -> None:
    lines = digest(demo_run).splitlines()
    assert (
        lines[0]
        == "apprank digest · top-free · 26 Jan 00:00 UTC -> 28 Jan 00:00 UTC · 57 countries"
    )
    assert "  US: DeepSeek #1 (was #3), took it from ChatGPT (now #2) · 28 Jan 00:00 UTC" in lines
    assert "  GB: DeepSeek #1 (was #4), took it from ChatGPT (now #2) · 28 Jan 00:00 UTC" in lines
    climbs = lines.index("Biggest climbs:")
    assert lines[climbs + 1 : climbs + 3] == [
        "  LT: DeepSeek #21 -> #4 (+17)",
        "  SI: DeepSeek #20 -> #4 (+16)",
    ]
    ones = lines[lines.index("#1 countries (now vs start):") + 1 :]
    assert ones[0].startswith("  DeepSeek: 12 now (AU, CA, DE, ES, FR, GB, IE, IT +4), 0 at start")
    assert ones[1].startswith("  ChatGPT: 12 now (") and ", 18 at start (" in ones[1]
