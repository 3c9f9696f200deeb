"""One app followed across both stores in every command that takes an app (issue 18):
`--source apple,googleplay` with an [apps] alias naming DeepSeek's id in each store.

The history (tests/query/two_stores.py) holds the story's App Store charts and DeepSeek and
ChatGPT on Google Play; each store keeps its own ranks and its own three states.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.cli.conftest import Apprank
from tests.query.two_stores import two_stores_folder

BOTH = "apple,googleplay"


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return two_stores_folder(tmp_path_factory.mktemp("across-cli"))


def test_history_table_labels_each_column_by_store(apprank: Apprank, config: Path) -> None:
    result = apprank("history", "deepseek", "--source", BOTH, "--country", "us", "-c", config)
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "apple top-free / googleplay top-free phone, best rank per 1h (UTC)",
        "at                    DeepSeek (App Store) us  DeepSeek (Google Play) us",
        "2025-01-26T00:00:00Z                        -                          3",
        "2025-01-26T01:00:00Z                        2                          1",
        "2025-01-26T02:00:00Z                        1",
        "2025-01-26T03:00:00Z                                                   1",
        "2025-01-26T04:00:00Z                        1",
        '"-" = not in chart (below the depth returned), blank = no data',
    ]


def test_history_csv_and_json_carry_each_series_source(apprank: Apprank, config: Path) -> None:
    args = ["history", "deepseek", "--source", "apple", "--source", "googleplay"]
    args += ["--country", "gb", "--until", "2025-01-26T02:30", "-c", str(config)]
    result = apprank(*args, "--csv")
    assert result.code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["app_id"], r["source"], r["at"][11:16], r["rank"], r["state"]) for r in rows] == [
        ("6737597349", "apple", "00:00", "", "not_in_chart"),
        ("6737597349", "apple", "01:00", "3", "ranked"),
        ("6737597349", "apple", "02:00", "", "no_data"),
        ("com.deepseek.chat", "googleplay", "00:00", "", "no_data"),
        ("com.deepseek.chat", "googleplay", "01:00", "", "not_in_chart"),
        ("com.deepseek.chat", "googleplay", "02:00", "", "no_data"),
    ]
    series = json.loads(apprank(*args, "--json").stdout)
    assert [(s["source"], s["device"], [p["state"] for p in s["points"]]) for s in series] == [
        ("apple", "iphone", ["not_in_chart", "ranked", "no_data"]),
        ("googleplay", "phone", ["no_data", "not_in_chart", "no_data"]),
    ]


def test_without_source_history_reads_the_app_store_as_before(
    apprank: Apprank, config: Path
) -> None:
    result = apprank("history", "deepseek", "--country", "us", "--every", "1d", "-c", config)
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[:3] == [
        "apple top-free, best rank per 1d (UTC)",
        "at                    DeepSeek us",
        "2025-01-26T00:00:00Z            1",
    ]


def test_one_google_play_source_reads_its_app_alone(apprank: Apprank, config: Path) -> None:
    result = apprank(
        "history", "deepseek", "--source", "googleplay", "--country", "us", "-c", config
    )
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[:3] == [
        "googleplay top-free phone, best rank per 1h (UTC)",
        "at                    DeepSeek us",
        "2025-01-26T00:00:00Z            3",
    ]


def test_compare_answers_per_store(apprank: Apprank, config: Path) -> None:
    args = ["compare", "deepseek", "chatgpt", "--source", BOTH, "--country", "us", "-c", config]
    result = apprank(*args)
    assert result.code == 0, result.stderr
    title, *table = result.stdout.splitlines()
    assert title == (
        "DeepSeek vs ChatGPT: DeepSeek ahead in 1 of 1 on the App Store; "
        "DeepSeek ahead in 1 of 1 on Google Play"
    )
    # Cells never hold spaces here, so each line's words are its cells.
    assert [line.split() for line in table] == [
        ["source", "country", "at", "event", "ahead", "DeepSeek", "rank", "ChatGPT", "rank"],
        ["apple", "us", "2025-01-26T02:05:00Z", "overtook", "DeepSeek", "1", "2"],
        ["apple", "us", "2025-01-26T02:35:00Z", "overtook", "ChatGPT", "2", "1"],
        ["apple", "us", "2025-01-26T04:05:00Z", "overtook", "DeepSeek", "1", "3"],
        ["apple", "us", "2025-01-26T04:05:00Z", "now", "DeepSeek", "1", "3"],
        ["googleplay", "us", "2025-01-26T01:10:00Z", "overtook", "DeepSeek", "1", "2"],
        ["googleplay", "us", "2025-01-26T03:10:00Z", "now", "DeepSeek", "1", "2"],
    ]
    parts = json.loads(apprank(*args, "--json").stdout)
    assert [(p["source"], p["store"], p["a"]["app_id"], p["b"]["app_id"]) for p in parts] == [
        ("apple", "apple", "6737597349", "6448311069"),
        ("googleplay", "googleplay", "com.deepseek.chat", "com.openai.chatgpt"),
    ]
    assert [c["ahead"] for p in parts for c in p["countries"]] == [
        "6737597349",
        "com.deepseek.chat",
    ]


def test_leaders_counts_each_store_separately(apprank: Apprank, config: Path) -> None:
    result = apprank("leaders", "deepseek", "--source", BOTH, "-c", config)
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "DeepSeek: #1 in 2 countries (of 3 with data) on the App Store; #1 in 1 country (of 2 "
        "with data) on Google Play",
        "source      country  rank  captured_at",
        "apple       gb          1  2025-01-26T04:06:00Z",
        "apple       us          1  2025-01-26T04:05:00Z",
        "googleplay  us          1  2025-01-26T03:10:00Z",
    ]
    parts = json.loads(
        apprank("leaders", "deepseek", "--source", BOTH, "--json", "-c", config).stdout
    )
    assert [(p["source"], p["app_id"], p["count"], p["countries_with_data"]) for p in parts] == [
        ("apple", "6737597349", 2, 3),
        ("googleplay", "com.deepseek.chat", 1, 2),
    ]
    top2 = json.loads(
        apprank(
            "leaders", "deepseek", "--rank", "2", "--source", BOTH, "--json", "-c", config
        ).stdout
    )
    assert [[(c["country"], c["rank"]) for c in p["countries"]] for p in top2] == [
        [("gb", 1), ("us", 1)],
        [("us", 1), ("gb", 2)],
    ]


def test_leaders_says_which_store_an_alias_does_not_name(apprank: Apprank, config: Path) -> None:
    result = apprank("leaders", "tiktok", "--source", BOTH, "--json", "-c", config)
    assert result.code == 0, result.stderr
    assert [(p["source"], p.get("count"), p.get("error")) for p in json.loads(result.stdout)] == [
        ("apple", 0, None),
        ("googleplay", None, "TikTok names no Google Play app"),
    ]


def test_stats_per_store_keep_the_three_states(apprank: Apprank, config: Path) -> None:
    args = ["stats", "deepseek", "--source", BOTH, "--country", "us,gb,jp", "--csv", "-c", config]
    result = apprank(*args)
    assert result.code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [
        (r["source"], r["country"], r["state"], r["best_rank"], r["snapshots"]) for r in rows
    ] == [
        ("apple", "gb", "ranked", "1", "3"),
        ("apple", "jp", "not_in_chart", "", "0"),
        ("apple", "us", "ranked", "1", "4"),
        ("googleplay", "gb", "ranked", "2", "1"),
        ("googleplay", "jp", "no_data", "", ""),
        ("googleplay", "us", "ranked", "1", "3"),
    ]
    table = apprank("stats", "deepseek", "--source", BOTH, "--country", "us", "-c", config)
    assert table.stdout.splitlines()[0] == (
        "DeepSeek in top-free: 6737597349 on the App Store; com.deepseek.chat on Google Play"
    )


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["history", "deepseek", "--source", "apple,play"],
            "unknown source 'play' (expected one of: apple, itunes, googleplay)",
        ),
        (
            ["stats", "deepseek", "--source", BOTH, "--device", "ipad"],
            "source apple has no ipad charts (--source itunes has them)",
        ),
        (
            ["compare", "deepseek", "chatgpt", "--source", BOTH, "--device", "phone"],
            "source apple has no phone charts (--source googleplay has them)",
        ),
        (
            ["leaders", "deepseek", "--source", "itunes,googleplay", "--category", "GAME_PUZZLE"],
            "source itunes: unknown genre 'GAME_PUZZLE'",
        ),
        (
            ["history", "com.deepseek.chat", "--source", "apple"],
            "DeepSeek (com.deepseek.chat) is a Google Play app, and the --source asked for lists "
            "App Store apps",
        ),
        (
            ["stats", "tiktok", "--source", "googleplay"],
            "alias 'tiktok' names no Google Play app (it names: App Store 835599320)",
        ),
        (
            ["chart", "heatmap", "deepseek", "--source", BOTH],
            "a heatmap shows one app in one store: give one --source (apple or googleplay), or "
            "draw a grid of both",
        ),
        (
            ["chart", "grid", "deepseek", "--source", BOTH, "--device", "iphone"],
            "source googleplay has no iphone charts (--source apple or itunes has them)",
        ),
    ],
    ids=[
        "unknown-source",
        "ipad-apple-only",
        "phone-play-only",
        "apple-genre-on-play",
        "play-id-apple-source",
        "alias-without-play-id",
        "heatmap-two-stores",
        "chart-iphone-on-play",
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    apprank: Apprank, config: Path, args: list[str], error: str
) -> None:
    result = apprank(*args, "-c", config)
    assert (result.code, result.stdout, result.stderr) == (2, "", f"Error: {error}\n")


def test_chart_draws_both_stores_labelled(apprank: Apprank, config: Path, tmp_path: Path) -> None:
    out = tmp_path / "grid.svg"
    args = ["chart", "grid", "deepseek", "--source", BOTH, "--country", "us,gb", "-o", out]
    result = apprank(*args, "-c", config)
    assert (result.code, result.stdout) == (0, f"{out}\n"), result.stderr
    svg = out.read_text(encoding="utf-8")
    assert "DeepSeek (App Store)" in svg and "DeepSeek (Google Play)" in svg


def test_export_writes_both_stores_rows(apprank: Apprank, config: Path) -> None:
    args = ["export", "--app", "deepseek", "--source", BOTH, "--country", "us", "-c", config]
    result = apprank(*args)
    assert result.code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [
        (r["captured_at"][11:16], r["source"], r["device"], r["rank"], r["app_id"]) for r in rows
    ] == [
        ("00:10", "googleplay", "phone", "3", "com.deepseek.chat"),
        ("01:05", "apple", "iphone", "2", "6737597349"),
        ("01:10", "googleplay", "phone", "1", "com.deepseek.chat"),
        ("02:05", "apple", "iphone", "1", "6737597349"),
        ("02:35", "apple", "iphone", "2", "6737597349"),
        ("03:10", "googleplay", "phone", "1", "com.deepseek.chat"),
        ("04:05", "apple", "iphone", "1", "6737597349"),
    ]
    play = ["export", "--app", "deepseek", "--source", "googleplay", "--format", "jsonl"]
    jsonl = apprank(*play, "--country", "us", "-c", config)
    assert [json.loads(line)["source"] for line in jsonl.stdout.splitlines()] == ["googleplay"] * 3


def test_a_wide_export_pivots_the_alias_in_one_store(apprank: Apprank, config: Path) -> None:
    args = ["export", "--app", "deepseek", "--source", "googleplay", "--wide", "country"]
    result = apprank(*args, "-c", config)
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "at,gb,us",
        "2025-01-26T00:00:00Z,,3",
        "2025-01-26T01:00:00Z,-,1",
        "2025-01-26T02:00:00Z,,",
        "2025-01-26T03:00:00Z,,1",
        "2025-01-26T04:00:00Z,2,",
    ]
    both = apprank("export", "--app", "deepseek", "--source", BOTH, "--wide", "time", "-c", config)
    assert (both.code, both.stderr) == (
        2,
        "Error: --wide reads one chart: give at most one --chart and one --source\n",
    )
