"""`apprank history`, `movers`, `compare`, `leaders` and `stats` over the story history.

In process through typer's runner (fast); the story is drawn in tests/query/story.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from tests.query.story import story_folder
from tracker.cli import app

runner = CliRunner()
COMMANDS = ["history", "movers", "compare", "leaders", "stats"]
MOVER_HEADER = ["move", "rank", "previous", "change", "app_id", "name", "developer"]


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return story_folder(tmp_path_factory.mktemp("history-cli"))


def run(config: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--config", str(config)])
    return result.exit_code, result.stdout, result.stderr


def test_history_table_one_row_per_bucket_one_column_per_app_and_country(config: Path) -> None:
    code, out, _ = run(config, "history", "deepseek", "chatgpt", "--country", "us,gb")
    assert code == 0
    assert out.splitlines() == [
        "apple top-free, best rank per 1h (UTC)",
        "at                    DeepSeek gb  DeepSeek us  ChatGPT gb  ChatGPT us",
        "2025-01-26T00:00:00Z            -            -           3           1",
        "2025-01-26T01:00:00Z            3            2           2           1",
        "2025-01-26T02:00:00Z                         1                       1",
        "2025-01-26T03:00:00Z            1                        3",
        "2025-01-26T04:00:00Z            1            1           2           3",
        '"-" = not in chart (below the depth returned), blank = no data',
    ]


def test_history_csv_names_every_state(config: Path) -> None:
    code, out, _ = run(
        config, "history", "6737597349", "--country", "gb", "--until", "2025-01-26T02:30", "--csv"
    )
    assert code == 0
    assert out.splitlines() == [
        "app_id,app_name,source,country,chart,at,rank,state",
        "6737597349,DeepSeek - AI Assistant,apple,gb,top-free,2025-01-26T00:00:00Z,,not_in_chart",
        "6737597349,DeepSeek - AI Assistant,apple,gb,top-free,2025-01-26T01:00:00Z,3,ranked",
        "6737597349,DeepSeek - AI Assistant,apple,gb,top-free,2025-01-26T02:00:00Z,,no_data",
    ]


def test_history_json_by_day(config: Path) -> None:
    code, out, _ = run(
        config, "history", "DeepSeek - AI", "--country", "jp", "--every", "1d", "--json"
    )
    assert code == 0
    assert json.loads(out) == [
        {
            "app_id": "6737597349",
            "app_name": "DeepSeek - AI Assistant",
            "developer": "Hangzhou DeepSeek AI",
            "source": "apple",
            "country": "jp",
            "chart": "top-free",
            "category": "all",
            "device": "iphone",
            "every_seconds": 86400,
            "depth": 3,
            "simulated": False,
            "points": [{"at": "2025-01-26T00:00:00Z", "rank": None, "state": "not_in_chart"}],
        }
    ]


@pytest.mark.parametrize(
    ("args", "code", "error"),
    [
        (["history", "zzz"], 2, "Error: no stored app matches 'zzz' (give a store id, an [apps] "
         "alias or part of the app's name)\n"),
        (["history", "at"], 2, "Error: 'at' matches 2 apps; give the store id or more of the "
         "name:\n  6448311069  ChatGPT  OpenAI\n  310633997  WhatsApp Messenger  WhatsApp Inc.\n"),
        (["history", "deepseek", "--every", "often"], 2, "Error: --every: not a duration: "
         "'often' (expected e.g. 30s, 15m, 1h, 7d)\n"),
        (["history", "deepseek", "--since", "yesterday"], 2, "Error: --since: not a time: "
         "'yesterday' (expected an ISO date like 2025-01-27, a time like 2025-01-27T12:00, or a "
         "relative age like 24h or 7d)\n"),
        (["history", "deepseek", "--since", "7d"], 1, "Error: no stored snapshot of top-free "
         "matches the countries and time range\n"),
        (["history", "deepseek", "--country", "xx"], 2, "Error: 'xx' is not an App Store "
         "storefront code (e.g. us, gb, jp)\n"),
        (["history", "deepseek", "--json", "--csv"], 2, "Error: use just one of --json or --csv\n"),
        (["movers", "--country", "jp"], 1, "Error: only one snapshot of apple jp top-free; "
         "nothing to compare yet\n"),
        (["compare", "deepseek", "6737597349"], 2, "Error: compare needs two different apps "
         "(both are 6737597349)\n"),
        (["leaders", "deepseek", "--at", "2024-01-01"], 1, "Error: no stored snapshot of "
         "top-free at that time\n"),
        (["stats", "youtube", "--chart", "top-paid"], 1, "Error: YouTube was never in a stored "
         "top-paid chart\n"),
    ],
    ids=["unknown", "ambiguous", "every", "since", "no-data", "country", "formats", "movers",
         "same-app", "leaders", "stats"],
)  # fmt: skip
def test_errors_are_one_clear_line_and_an_exit_code(
    config: Path, args: list[str], code: int, error: str
) -> None:
    assert run(config, *args) == (code, "", error)


def test_movers_csv_and_json(config: Path) -> None:
    code, out, _ = run(config, "movers", "--since", "4h", "--csv")
    assert code == 0
    assert out.splitlines() == [
        "move,rank,previous,change,app_id,name,developer",
        "up,2,3,+1,310633997,WhatsApp Messenger,WhatsApp Inc.",
        "down,3,1,-2,6448311069,ChatGPT,OpenAI",
        "new,1,-,,6737597349,DeepSeek - AI Assistant,Hangzhou DeepSeek AI",
        "out,-,2,,835599320,TikTok,TikTok Ltd.",
    ]
    code, out, _ = run(config, "movers", "--since", "2025-01-26T02:00", "--limit", "1", "--json")
    assert code == 0
    result = json.loads(out)
    assert (result["country"], result["from"], result["to"]) == (
        "us",
        "2025-01-26T02:05:00Z",
        "2025-01-26T04:05:00Z",
    )
    assert result["gainers"] == []
    assert result["losers"] == [
        {
            "app_id": "6448311069",
            "name": "ChatGPT",
            "developer": "OpenAI",
            "rank": 3,
            "previous": 2,
            "change": -1,
        }
    ]
    assert [m["app_id"] for m in result["new"] + result["dropped"]] == ["310633997", "835599320"]


def test_movers_table_names_the_two_snapshots(config: Path) -> None:
    code, out, _ = run(config, "movers", "--country", "gb", "--since", "1h")
    assert code == 0
    assert out.splitlines()[0] == (
        "apple gb top-free: 2025-01-26T03:06:00Z -> 2025-01-26T04:06:00Z"
    )
    # gb 03:06 ds wa gpt -> 04:06 ds gpt yt: ChatGPT up, YouTube new, WhatsApp out.
    assert out.splitlines()[1].split() == MOVER_HEADER  # piped: plain text, whole cells
    moves = [line.split()[0] for line in out.splitlines()[2:]]
    assert moves == ["up", "new", "out"]


def test_compare_csv_lists_overtakes_then_now(config: Path) -> None:
    code, out, _ = run(config, "compare", "deepseek", "chatgpt", "--csv")
    assert code == 0
    assert out.splitlines() == [
        "country,at,event,ahead,rank_a,rank_b",
        "gb,2025-01-26T03:06:00Z,overtook,6737597349,1,3",
        "gb,2025-01-26T04:06:00Z,now,6737597349,1,2",
        "jp,2025-01-26T04:07:00Z,now,6448311069,-,3",
        "us,2025-01-26T02:05:00Z,overtook,6737597349,1,2",
        "us,2025-01-26T02:35:00Z,overtook,6448311069,2,1",
        "us,2025-01-26T04:05:00Z,overtook,6737597349,1,3",
        "us,2025-01-26T04:05:00Z,now,6737597349,1,3",
    ]


def test_compare_table_and_json(config: Path) -> None:
    code, out, _ = run(config, "compare", "deepseek", "chatgpt", "--country", "jp")
    assert code == 0
    assert out.splitlines()[0] == "DeepSeek - AI Assistant vs ChatGPT: DeepSeek ahead in 0 of 1"
    assert "ChatGPT" in out.splitlines()[-2]
    code, out, _ = run(config, "compare", "chatgpt", "deepseek", "--country", "gb", "--json")
    assert json.loads(out)["countries"] == [
        {
            "source": "apple",
            "country": "gb",
            "chart": "top-free",
            "category": "all",
            "device": "iphone",
            "at": "2025-01-26T04:06:00Z",
            "rank_a": 2,
            "rank_b": 1,
            "ahead": "6737597349",
            "overtakes": [
                {"at": "2025-01-26T03:06:00Z", "ahead": "6737597349", "rank_a": 3, "rank_b": 1}
            ],
        }
    ]


def test_leaders_counts_the_countries(config: Path) -> None:
    code, out, _ = run(config, "leaders", "deepseek")
    assert code == 0
    assert out.splitlines()[0] == "DeepSeek - AI Assistant: #1 in 2 countries (of 3 with data)"
    code, out, _ = run(config, "leaders", "chatgpt", "--rank", "3", "--csv")
    assert out.splitlines() == [
        "country,rank,captured_at",
        "gb,2,2025-01-26T04:06:00Z",
        "jp,3,2025-01-26T04:07:00Z",
        "us,3,2025-01-26T04:05:00Z",
    ]
    code, out, _ = run(config, "leaders", "deepseek", "--at", "2025-01-26T02:10", "--json")
    assert json.loads(out) == {
        "app_id": "6737597349",
        "name": "DeepSeek - AI Assistant",
        "developer": "Hangzhou DeepSeek AI",
        "rank": 1,
        "at": "2025-01-26T02:10:00Z",
        "count": 1,
        "countries_with_data": 2,
        "countries": [{"country": "us", "rank": 1, "captured_at": "2025-01-26T02:05:00Z"}],
    }
    code, out, _ = run(config, "leaders", "tiktok")
    assert (code, out) == (0, "TikTok: #1 in 0 countries (of 3 with data)\n")


def test_stats_csv_per_country(config: Path) -> None:
    code, out, _ = run(config, "stats", "deepseek", "--country", "us,jp,fr", "--csv")
    assert code == 0
    assert out.splitlines() == [
        "country,state,best_rank,best_at,first_seen,last_seen,hours_at_1,hours_top_10,snapshots",
        "fr,no_data,,,,,,,",
        "jp,not_in_chart,,,,,0,0,0",
        "us,ranked,1,2025-01-26T02:05:00Z,2025-01-26T01:05:00Z,2025-01-26T04:05:00Z,2,3,4",
    ]
    code, out, _ = run(config, "stats", "deepseek", "--json")
    result = json.loads(out)
    assert [c["country"] for c in result["countries"]] == ["gb", "us"]
    assert result["countries"][0]["best_at"] == "2025-01-26T03:06:00Z"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_documents_an_example(name: str) -> None:
    command = get_command(app).commands[name]  # type: ignore[attr-defined]
    assert "Example:" in (command.help or "")
    assert f"apprank {name} " in (command.help or "")
