"""One behaviour across commands: options checked alike, exit codes as the README says, one
name and type per field, each failure reported once."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.alerts.conftest import free_port
from tests.cli.conftest import Apprank
from tests.conftest import run_apprank

BAD_TOP_OPTIONS = {
    "country": (
        ["--country", "xx"],
        "Error: 'xx' is not an App Store storefront code (e.g. us, gb, jp)\n",
    ),
    "device": (
        ["--device", "android"],
        "Error: unknown device 'android' (expected one of: ipad, iphone, mac, phone)\n",
    ),
    "chart": (
        ["--chart", "top-fre"],
        "Error: unknown chart 'top-fre' (expected one of: top-free, top-grossing, top-paid)\n",
    ),
    "source-chart": (
        ["--source", "apple", "--chart", "top-grossing"],
        "Error: source apple has no top-grossing chart (--source itunes has them)\n",
    ),
    "source-device": (
        ["--source", "apple", "--device", "ipad"],
        "Error: source apple has no ipad charts (--source itunes has them)\n",
    ),
}


@pytest.mark.parametrize("bad", BAD_TOP_OPTIONS)
def test_top_checks_its_options_as_a_usage_error(
    bad: str, story_config: Path, apprank: Apprank
) -> None:
    args, error = BAD_TOP_OPTIONS[bad]
    assert apprank("top", *args, "--config", story_config) == (2, "", error)


@pytest.mark.parametrize("bad", BAD_TOP_OPTIONS)
def test_top_says_what_history_and_movers_say(
    bad: str, story_config: Path, apprank: Apprank
) -> None:
    # One check (ChartSelection.of) for every reader: a source given must offer the chart and
    # device in history, movers, compare and stats too (they used to find "no stored snapshot").
    args, _ = BAD_TOP_OPTIONS[bad]
    top = apprank("top", *args, "--config", story_config)
    assert top == apprank("movers", *args, "--config", story_config)
    assert top == apprank("history", "deepseek", *args, "--config", story_config)
    assert top == apprank("compare", "deepseek", "chatgpt", *args, "--config", story_config)
    assert top == apprank("stats", "deepseek", *args, "--config", story_config)
    if bad != "country":  # leaders reads every country, and a chart has its --country: prefix
        assert top == apprank("leaders", "deepseek", *args, "--config", story_config)
        assert top == apprank("chart", "rank", "deepseek", *args, "--config", story_config)


@pytest.mark.parametrize("command", ["history", "compare", "stats"])
def test_country_all_is_every_country_with_data(
    command: str, story_config: Path, apprank: Apprank
) -> None:
    apps = ["deepseek", "chatgpt"] if command == "compare" else ["deepseek"]
    every = apprank(command, *apps, "--json", "--config", story_config)
    assert every.code == 0
    assert apprank(command, *apps, "--country", "all", "--json", "--config", story_config) == every
    assert apprank(command, *apps, "--country", "us,ALL", "--json", "--config", story_config) == (
        every
    )


def test_country_all_is_no_storefront_for_one_chart(story_config: Path, apprank: Apprank) -> None:
    error = "Error: 'all' is not an App Store storefront code (e.g. us, gb, jp)\n"
    assert apprank("top", "--country", "all", "--config", story_config) == (2, "", error)
    assert apprank("movers", "--country", "all", "--config", story_config) == (2, "", error)


def test_top_json_change_is_a_number_or_null_as_in_movers(
    story_config: Path, apprank: Apprank
) -> None:
    top = apprank("top", "--json", "--config", story_config)
    entries = json.loads(top.stdout)["entries"]
    # us 02:35 ChatGPT #1, DeepSeek #2 -> 04:05 DeepSeek #1, WhatsApp #2 (new), ChatGPT #3
    assert [(e["app_id"], e["previous_rank"], e["change"]) for e in entries] == [
        ("6737597349", 2, 1),
        ("310633997", None, None),
        ("6448311069", 1, -2),
    ]
    movers = json.loads(apprank("movers", "--json", "--config", story_config).stdout)
    assert {type(m["change"]) for m in movers["gainers"] + movers["losers"]} == {int}
    assert [m["change"] for m in movers["new"]] == [None]


def test_top_csv_and_table_carry_the_same_fields(story_config: Path, apprank: Apprank) -> None:
    csv = apprank("top", "--csv", "--config", story_config).stdout.splitlines()
    assert csv[:4] == [
        "rank,previous_rank,change,app_id,name,developer",
        "1,2,+1,6737597349,DeepSeek - AI Assistant,Hangzhou DeepSeek AI",
        "2,-,,310633997,WhatsApp Messenger,WhatsApp Inc.",  # "-": not in the previous one
        "3,1,-2,6448311069,ChatGPT,OpenAI",
    ]


def mysql_config(folder: Path) -> Path:
    path = folder / "config.toml"
    path.write_text('[database]\nurl = "mysql://me:s3cret@localhost/db"\n', encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "command", [["top"], ["history", "deepseek"], ["status"], ["export"], ["stats", "x"]]
)
def test_an_unsupported_database_url_is_a_config_error(
    command: list[str], tmp_path: Path, apprank: Apprank
) -> None:
    path = mysql_config(tmp_path)
    result = apprank(*command, "--config", path)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: {path}: database.url = 'mysql://me:***@localhost/db': apprank stores its history "
        "in SQLite (sqlite:///PATH) or PostgreSQL (postgresql+psycopg://...)\n"
    )
    assert "s3cret" not in result.stderr


def test_stats_with_nothing_but_no_data_exits_1(story_config: Path, apprank: Apprank) -> None:
    result = apprank("stats", "deepseek", "--country", "fr,de", "--config", story_config)
    assert result == (1, "", "Error: no stored snapshot of top-free in the selected countries\n")
    shown = apprank("stats", "deepseek", "--country", "fr,us", "--csv", "--config", story_config)
    assert shown.code == 0
    assert [line.split(",")[:2] for line in shown.stdout.splitlines()[1:]] == [
        ["fr", "no_data"],
        ["us", "ranked"],
    ]


def test_a_failed_chart_is_reported_once_without_a_status_it_never_had(
    write_config: Callable[..., Path],
) -> None:
    config = write_config(
        "[http]\nretries = 0\ntimeout = 2\n"
        f'[sources.apple]\nbase_url = "http://127.0.0.1:{free_port()}"\n'
        '[[track]]\ncountries = ["us"]\n'
    )
    result = run_apprank("fetch", "--config", config)
    assert (result.code, result.stderr) == (1, "")
    summary, failure = result.stdout.splitlines()
    assert summary == "0 charts stored, 1 failed"
    assert failure.startswith("  failed apple us top-free: network: ")
    assert "None" not in failure and "HTTP" not in failure
    charts = json.loads(run_apprank("fetch", "--config", config, "--json").stdout)["charts"]
    assert [(c["outcome"], c["http_status"]) for c in charts] == [("network", None)]


def test_alerts_csv_columns_are_the_json_keys(
    write_config: Callable[..., Path], apprank: Apprank
) -> None:
    from tests.alerts.conftest import CHATGPT, US, History, alert_engine, hour, ranked
    from tracker.alerts.cycle import process_cycle
    from tracker.config.load import load_config

    path = write_config(
        '[apps]\ndeepseek = "6737597349"\n'
        '[[alert]]\nname = "ds-number-one"\napp = "deepseek"\nwhen = "rank <= 1"\n'
    )
    config = load_config(path)
    engine = alert_engine(config.database.url)
    history = History(engine)
    history.save(US, hour(0), ranked(2, others={1: CHATGPT}))
    stored = [history.save(US, hour(1), ranked(1, others={2: CHATGPT}))]
    assert len(process_cycle(engine, config, stored, now=hour(1))) == 1
    header = apprank("alerts", "list", "--csv", "--config", path).stdout.splitlines()[0]
    [event] = json.loads(apprank("alerts", "list", "--json", "--config", path).stdout)
    assert set(header.split(",")) <= set(event)
    assert {"app_name", "previous_rank", "deliveries"} <= set(header.split(","))


def test_a_parser_error_points_at_the_commands_own_help(apprank: Apprank) -> None:
    result = apprank("top", "--bogus")
    assert (result.code, result.stdout) == (2, "")
    # click words it "No such option: --bogus" or "No such option '--bogus'." by version
    assert result.stderr.startswith("Error: No such option")
    assert result.stderr.endswith("--bogus'. (see apprank top --help)\n") or result.stderr.endswith(
        "--bogus (see apprank top --help)\n"
    )
    assert result.stderr.count("\n") == 1
