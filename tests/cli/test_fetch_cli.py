"""`apprank fetch`, `top` and `status` end to end: a subprocess against a loopback feed server."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import FeedServer, Route, real_fixture, real_json, run_apprank

FREE = "/api/v2/us/apps/top-free/100/apps.json"
PAID = "/api/v2/us/apps/top-paid/100/apps.json"
GB_FREE = "/api/v2/gb/apps/top-free/100/apps.json"


@pytest.fixture
def config(write_config, feed_server: FeedServer) -> Path:
    return write_config(
        f"""
[http]
retries = 1
backoff_initial = 0.0
backoff_max = 0.1
timeout = 5
[sources.apple]
base_url = "{feed_server.base_url}"
[sources.itunes]
base_url = "{feed_server.base_url}"
[[track]]
name = "ai-race"
countries = ["us", "gb"]
charts = ["top-free", "top-paid"]
[[track]]
name = "grossing"
source = "itunes"
countries = ["jp"]
charts = ["top-grossing"]
depth = 1
"""
    )


def serve_us(server: FeedServer) -> None:
    server.serve(FREE, real_fixture("v2-us-top-free-100-2026-08-03.json"))
    server.serve(PAID, real_fixture("v2-us-top-paid-97-2026-04-06.json"))


def db_rows(config: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(config.parent / "apprank.db") as conn:
        return conn.execute(sql).fetchall()


def test_fetch_then_top_shows_exactly_the_served_ranks(
    config: Path, feed_server: FeedServer
) -> None:
    serve_us(feed_server)
    result = run_apprank("fetch", "--config", config, "--track", "ai-race", "--country", "us")
    assert (result.code, result.stdout) == (0, "2 charts stored, 0 failed\n")
    top = run_apprank("top", "--config", config, "--country", "us", "--chart", "top-free", "--json")
    assert top.code == 0
    shown = json.loads(top.stdout)
    served = real_json("v2-us-top-free-100-2026-08-03.json")["feed"]["results"]
    assert [(e["rank"], e["app_id"], e["name"], e["developer"]) for e in shown["entries"]] == [
        (rank, r["id"], r["name"], r["artistName"]) for rank, r in enumerate(served, start=1)
    ]
    assert shown["feed_updated_at"] == "2026-08-03T05:54:03Z"
    assert shown["captured_at"].endswith("Z")
    paid = run_apprank("top", "--config", config, "--chart", "top-paid", "--limit", "3", "--csv")
    assert (
        paid.stdout.splitlines()
        == [
            "rank,previous_rank,change,app_id,name,developer",
            "1,,,932747118,Shadowrocket,Shadow Launch Technology Limited",
            "2,,,1241932094,HotSchedules,Fourth Enterprises LLC",
            "3,,,1453327924,ゴルフスコアカウンター - スマートなゴルフカウンター,Yuki Takahashi",
        ][: len(paid.stdout.splitlines())]
        or paid.stdout
    )


def test_some_charts_fail_exit_1_and_the_rest_are_stored(
    config: Path, feed_server: FeedServer
) -> None:
    serve_us(feed_server)
    feed_server.routes[GB_FREE] = Route(503, b"busy")
    feed_server.routes["/api/v2/gb/apps/top-paid/100/apps.json"] = Route(
        200, b"<html><body>Web Server Error</body></html>", {"Content-Type": "text/html"}
    )
    result = run_apprank("fetch", "--config", config, "--track", "ai-race")
    assert (result.code, result.stderr) == (1, "")  # each failure once, in the summary
    lines = result.stdout.splitlines()
    assert lines[0] == "2 charts stored, 2 failed"
    base = feed_server.base_url
    assert sorted(lines[1:]) == [
        f"  failed apple gb top-free: http_error: HTTP 503 from {base}{GB_FREE}",
        f"  failed apple gb top-paid: format (HTTP 200): not JSON from "
        f"{base}/api/v2/gb/apps/top-paid/100/apps.json (got an HTML page)",
    ]
    assert feed_server.requests.count(GB_FREE) == 2  # retried once
    assert db_rows(config, "SELECT count(*) FROM snapshot") == [(2,)]
    assert db_rows(
        config, "SELECT outcome, http_status, count(*) FROM fetch_attempt GROUP BY 1, 2 ORDER BY 1"
    ) == [("format", 200, 1), ("http_error", 503, 1), ("ok", 200, 2)]
    status = json.loads(run_apprank("status", "--config", config, "--json").stdout)
    by_key = {(s["country"], s["chart"]): s for s in status}
    assert by_key[("gb", "top-free")]["snapshots"] == 0
    assert by_key[("gb", "top-free")]["last_success_at"] is None
    assert by_key[("gb", "top-free")]["last_error"] == f"HTTP 503 from {base}{GB_FREE}"
    assert by_key[("us", "top-free")]["snapshots"] == 1
    assert by_key[("us", "top-free")]["last_error"] is None
    assert set(by_key[("us", "top-free")]) >= {
        "source", "country", "chart", "category", "device", "last_success_at",
        "last_attempt_at", "last_error", "snapshots",
    }  # fmt: skip


def test_a_failed_fetch_leaves_earlier_data_untouched(
    config: Path, feed_server: FeedServer
) -> None:
    serve_us(feed_server)
    assert run_apprank("fetch", "-c", config, "--country", "us", "--chart", "top-free").code == 0
    before = run_apprank("top", "-c", config, "--json").stdout
    for body in [
        b'{"feed": {"results": [{"id": "1", "na',
        b"",
        b'{"feed":{"results":[{"id":"x"}]}}',
    ]:
        feed_server.serve(FREE, body)
        assert (
            run_apprank("fetch", "-c", config, "--country", "us", "--chart", "top-free").code == 1
        )
    feed_server.routes[FREE] = Route(500, b"")
    assert run_apprank("fetch", "-c", config, "--country", "us", "--chart", "top-free").code == 1
    assert run_apprank("top", "-c", config, "--json").stdout == before
    assert db_rows(config, "SELECT count(*) FROM snapshot") == [(1,)]
    assert db_rows(config, "SELECT count(*) FROM ranking_entry") == [(100,)]


def test_legacy_feed_with_a_single_entry_object(config: Path, feed_server: FeedServer) -> None:
    path = "/jp/rss/topgrossingapplications/limit=1/json"
    feed_server.serve(
        path,
        real_fixture("legacy-jp-topgrossing-1-2016-04.json"),
        **{"Content-Type": "text/javascript; charset=UTF-8"},
    )
    assert run_apprank("fetch", "-c", config, "--track", "grossing").code == 0
    top = run_apprank("top", "-c", config, "--country", "jp", "--chart", "top-grossing", "--json")
    entries = json.loads(top.stdout)["entries"]
    assert entries == [
        {
            "rank": 1,
            "app_id": "658511662",
            "name": "モンスターストライク",
            "developer": "mixi, Inc",
            "previous_rank": None,
            "change": None,
        }
    ]


def test_refetch_reports_moves_and_adds_no_rank_rows_when_unchanged(
    config: Path, feed_server: FeedServer
) -> None:
    feed_server.serve(FREE, real_fixture("v2-us-top-free-100-2026-04-06.json"))
    args = ("fetch", "-c", config, "--country", "us", "--chart", "top-free")
    assert run_apprank(*args).code == 0
    assert run_apprank(*args).code == 0
    assert db_rows(config, "SELECT count(*) FROM snapshot") == [(2,)]
    assert db_rows(config, "SELECT count(*) FROM ranking_entry") == [(100,)]
    feed_server.serve(FREE, real_fixture("v2-us-top-free-100-2026-08-03.json"))
    assert run_apprank(*args).code == 0
    entries = json.loads(run_apprank("top", "-c", config, "--json").stdout)["entries"]
    april = [r["id"] for r in real_json("v2-us-top-free-100-2026-04-06.json")["feed"]["results"]]
    for entry in entries:
        if entry["app_id"] in april:
            before = april.index(entry["app_id"]) + 1
            assert entry["previous_rank"] == before
            assert entry["change"] == before - entry["rank"]  # a number, as in movers --json
        else:
            assert (entry["previous_rank"], entry["change"]) == (None, None)


def test_top_without_a_snapshot_exits_1(config: Path) -> None:
    assert run_apprank("db", "upgrade", "-c", config).code == 0  # a database, without that chart
    result = run_apprank("top", "-c", config, "--country", "fr")
    assert result.code == 1
    assert result.stderr == (
        "Error: no stored snapshot of apple fr top-free; run `apprank fetch` first\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("fetch", "--track", "nope"), "no track named 'nope'"),
        (("fetch", "--country", "fr"), "no tracked chart matches the selection"),
        (("fetch", "--country", "zz"), "'zz' is not an App Store storefront code (e.g. us, gb"),
        (("top", "--country", "all"), "'all' is not an App Store storefront code (e.g. us, gb"),
        (("top", "--source", "play"), "unknown source 'play'"),
        (("top", "--category", "nonsense"), "unknown genre 'nonsense'"),
        (("top", "--json", "--csv"), "use just one of --json or --csv"),
    ],
)
def test_usage_errors_exit_2_in_one_line(config: Path, args: tuple[str, ...], message: str) -> None:
    result = run_apprank(*args, "-c", config)
    assert result.code == 2
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_fetch_country_all_is_every_tracked_country() -> None:
    from tracker.cli.fetching import select_requests
    from tracker.config.load import config_from_dict

    config = config_from_dict({"track": [{"countries": ["us", "gb", "jp"]}]})
    every = select_requests(config, None, [], [])
    assert [r.key.country for r in every] == ["us", "gb", "jp"]
    assert select_requests(config, None, ["all"], []) == every
    assert select_requests(config, None, ["GB", "ALL"], []) == every
    assert [r.key.country for r in select_requests(config, None, ["GB"], [])] == ["gb"]


@pytest.mark.parametrize("command", ["fetch", "top", "status"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = run_apprank(command, "--help")
    assert result.code == 0
    assert "Example:" in result.stdout
    assert f"apprank {command}" in result.stdout


def test_comma_lists_and_repeats_select_charts(config: Path, feed_server: FeedServer) -> None:
    serve_us(feed_server)
    feed_server.serve(
        GB_FREE, real_fixture("v2-us-top-free-2-2025-12-03.json").replace(b'"us"', b'"gb"')
    )
    result = run_apprank(
        "fetch",
        "-c",
        config,
        "--country",
        "us,gb",
        "--country",
        "us",
        "--chart",
        "top-free",
        "--json",
    )
    assert result.code == 0
    charts = json.loads(result.stdout)["charts"]
    assert sorted((c["country"], c["chart"], c["outcome"], c["entries"]) for c in charts) == [
        ("gb", "top-free", "ok", 2),
        ("us", "top-free", "ok", 100),
    ]


def test_top_csv_neutralises_hostile_names_once(config: Path, feed_server: FeedServer) -> None:
    results = [
        {"id": "11", "name": '=HYPERLINK("x")', "artistName": "@evil"},
        {"id": "22", "name": "'=already", "artistName": 'Plain, "Quoted"\nDev'},
        {"id": "33", "name": "-3 Lives", "artistName": "+Dev"},
    ]
    feed_server.serve(FREE, json.dumps({"feed": {"country": "us", "results": results}}).encode())
    assert run_apprank("fetch", "-c", config, "--country", "us", "--chart", "top-free").code == 0
    shown = run_apprank("top", "-c", config, "--csv").stdout
    assert shown == (
        "rank,previous_rank,change,app_id,name,developer\n"
        '1,,,11,"\'=HYPERLINK(""x"")",\'@evil\n'
        '2,,,22,\'\'=already,"Plain, ""Quoted"" Dev"\n'  # stored without the line break
        "3,,,33,'-3 Lives,'+Dev\n"
    )
    as_json = json.loads(run_apprank("top", "-c", config, "--json").stdout)["entries"]
    assert [e["name"] for e in as_json] == [r["name"] for r in results]  # JSON stays raw


def test_fetch_from_the_simulator_stores_exactly_what_it_serves(write_config) -> None:
    from tracker.simulate import SimulatorServer

    with SimulatorServer("deepseek-2025") as sim:
        config = write_config(
            f'[sources.apple]\nbase_url = "{sim.base_url}"\n'
            f'[sources.itunes]\nbase_url = "{sim.base_url}"\n'
            '[[track]]\ncountries = ["us", "gb", "jp"]\ncharts = ["top-free", "top-paid"]\n'
            '[[track]]\nsource = "itunes"\ncountries = ["us"]\ncharts = ["top-grossing"]\n'
            'categories = ["all", "games"]\ndevices = ["iphone", "ipad"]\n'
        )
        result = run_apprank("fetch", "-c", config)
        assert (result.code, result.stdout) == (0, "10 charts stored, 0 failed\n")
        for country, chart, source in [
            ("jp", "top-paid", "apple"),
            ("us", "top-grossing", "itunes"),
        ]:
            shown = json.loads(
                run_apprank("top", "-c", config, "--country", country, "--chart", chart,
                            "--source", source, "--json").stdout
            )  # fmt: skip
            served = sim.market.chart(country, chart, sim.clock.now())
            assert [(e["app_id"], e["name"]) for e in shown["entries"]] == [
                (app.id, app.name) for app in served
            ]
