"""Every name as its storefront served it: the real captures fetched in one run, then `top`.

An app carries another name in another storefront (Duolingo is `多邻国Duolingo英语日语法语` in
China and `Duolingo: Sprachen und Schach` in Germany); each chart must show its own storefront's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Apprank
from tests.conftest import FeedServer, real_json

# (source, country, chart, depth asked, fixture): every real capture the parsers accept, one each
# per chart (the three dated US top-free captures are one chart: the latest is served).
CAPTURES = [
    ("apple", "cn", "top-free", 100, "v2-cn-top-free-100-2026-08-03.json"),
    ("apple", "de", "top-free", 100, "v2-de-top-free-100-2026-08-03.json"),
    ("apple", "us", "top-free", 100, "v2-us-top-free-100-2026-08-03.json"),
    ("apple", "us", "top-paid", 100, "v2-us-top-paid-97-2026-04-06.json"),
    ("apple", "jp", "top-paid", 100, "v2-jp-top-paid-98-2026-08-03.json"),
    ("itunes", "hk", "top-free", 100, "legacy-hk-topfree-100-2024-09.json"),
    ("itunes", "hk", "top-grossing", 10, "legacy-hk-topgrossing-10-2024-09.json"),
    ("itunes", "jp", "top-grossing", 1, "legacy-jp-topgrossing-1-2016-04.json"),
    ("itunes", "us", "top-free", 10, "legacy-us-topfree-10-2012-10.json"),
]
FEED_TYPES = {"top-free": "topfreeapplications", "top-grossing": "topgrossingapplications"}


def _path(source: str, country: str, chart: str, depth: int) -> str:
    if source == "apple":
        return f"/api/v2/{country}/apps/{chart}/{depth}/apps.json"
    return f"/{country}/rss/{FEED_TYPES[chart]}/limit={depth}/json"


def _served(fixture: str) -> list[tuple[int, str, str, str | None]]:
    """(rank, store id, name, developer) of every row of a capture, as the feed wrote them."""
    feed = real_json(fixture)["feed"]
    if "results" in feed:
        return [
            (rank, r["id"], r["name"], r.get("artistName"))
            for rank, r in enumerate(feed["results"], start=1)
        ]
    rows = feed["entry"] if isinstance(feed["entry"], list) else [feed["entry"]]
    return [
        (
            rank,
            r["id"]["attributes"]["im:id"],
            r["im:name"]["label"],
            r.get("im:artist", {}).get("label"),
        )
        for rank, r in enumerate(rows, start=1)
    ]


@pytest.fixture
def fetched_all(write_config: Any, feed_server: FeedServer) -> Path:
    """A database holding one snapshot of every capture, all fetched by one `apprank fetch`."""
    tracks = []
    for source, country, chart, depth, fixture in CAPTURES:
        path = _path(source, country, chart, depth)
        feed_server.serve(
            path, (Path(__file__).parent.parent / "fixtures/real" / fixture).read_bytes()
        )
        tracks.append(
            f'[[track]]\nname = "{source}-{country}-{chart}"\nsource = "{source}"\n'
            f'countries = ["{country}"]\ncharts = ["{chart}"]\ndepth = {depth}\n'
        )
    return write_config(
        f"""
[http]
retries = 0
timeout = 5
[sources.apple]
base_url = "{feed_server.base_url}"
[sources.itunes]
base_url = "{feed_server.base_url}"
"""
        + "\n".join(tracks)
    )


def test_every_storefront_shows_the_names_it_served(apprank: Apprank, fetched_all: Path) -> None:
    fetched = apprank("fetch", "-c", fetched_all)
    assert (fetched.code, fetched.stdout) == (0, f"{len(CAPTURES)} charts stored, 0 failed\n")
    for source, country, chart, _, fixture in CAPTURES:
        top = apprank(
            "top", "-c", fetched_all, "--source", source, "--country", country,
            "--chart", chart, "--json",
        )  # fmt: skip
        assert top.code == 0, top.stderr
        shown = json.loads(top.stdout)["entries"]
        assert [(e["rank"], e["app_id"], e["name"], e["developer"]) for e in shown] == _served(
            fixture
        ), fixture


def test_duolingo_reads_its_chinese_name_in_china(apprank: Apprank, fetched_all: Path) -> None:
    """The defect as reported: rank 77 of the CN chart read the German name."""
    assert apprank("fetch", "-c", fetched_all).code == 0
    cn = apprank("top", "-c", fetched_all, "--country", "cn", "--json")
    de = apprank("top", "-c", fetched_all, "--country", "de", "--json")
    cn_77 = json.loads(cn.stdout)["entries"][76]
    duolingo = cn_77["app_id"]
    assert cn_77["name"] == "多邻国Duolingo英语日语法语"
    in_de = [e for e in json.loads(de.stdout)["entries"] if e["app_id"] == duolingo]
    assert [e["name"] for e in in_de] == ["Duolingo: Sprachen und Schach"]


# The simulated market with two scripted apps: one named otherwise in China and Germany, one
# renamed everywhere after two hours and again in Germany only after four.
SCENARIO = """
name = "names"
start = "2025-03-01T00:00:00Z"
seed = 7

[[apps]]
id = "9000000001"
name = "Duolingo"
developer = "Duolingo"
names = { cn = "多邻国Duolingo英语日语法语", de = "Duolingo: Sprachen und Schach" }
tracks = [{ chart = "top-free", countries = ["us", "cn", "de"], steady_rank = 3 }]

[[apps]]
id = "9000000002"
name = "Threads, an Instagram app"
developer = "Instagram, Inc."
tracks = [{ chart = "top-free", countries = ["us", "cn", "de"], steady_rank = 5 }]
renames = [
  { at = "2025-03-01T04:00:00Z", name = "Threads (de)", countries = ["de"] },
  { at = "2025-03-01T02:00:00Z", name = "Threads" },
]
"""
HOURS = 6


def test_export_carries_the_name_each_storefront_served_at_each_snapshot(
    apprank: Apprank, write_config: Any, tmp_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    import orjson

    from tracker.simulate import Market, SimulatorServer, load_scenario
    from tracker.text.values import clean_text

    scenario_file = tmp_path / "names.toml"
    scenario_file.write_text(SCENARIO, encoding="utf-8")
    market = Market(7, load_scenario(scenario_file))
    start = datetime(2025, 3, 1, tzinfo=UTC)
    with SimulatorServer(market=market, start=start) as sim:
        config = write_config(
            f'[http]\nretries = 0\n[sources.apple]\nbase_url = "{sim.base_url}"\n'
            '[[track]]\ncountries = ["us", "cn", "de"]\n'
        )
        for _ in range(HOURS):
            fetched = apprank("fetch", "-c", config)
            assert fetched.code == 0, fetched.stderr
            sim.clock.advance(timedelta(hours=1))
    exported = apprank("export", "-c", config, "--format", "jsonl", "-o", "-")
    rows = [orjson.loads(line) for line in exported.stdout.splitlines()]
    assert len(rows) == HOURS * 3 * 100
    served = {}
    for hour in range(HOURS):
        at = start + timedelta(hours=hour)
        for country in ("us", "cn", "de"):
            for rank, app in enumerate(market.chart(country, "top-free", at), start=1):
                # As the fetch stores text: control characters cleaned (text/values.py).
                when = at.strftime("%Y-%m-%dT%H:%M:%SZ")
                served[(when, country, rank)] = (app.id, clean_text(app.name))
    shown = {
        (r["captured_at"], r["country"], r["rank"]): (r["app_id"], r["app_name"]) for r in rows
    }
    assert shown == served
    threads = [(r["captured_at"][11:13], r["country"], r["app_name"]) for r in rows
               if r["app_id"] == "9000000002" and r["country"] in ("de", "us")]  # fmt: skip
    assert threads == [
        (f"{h:02d}", c, "Threads, an Instagram app" if h < 2 else "Threads (de)" if h >= 4 and
         c == "de" else "Threads") for h in range(HOURS) for c in ("de", "us")
    ]  # fmt: skip
    duolingo = {r["app_name"] for r in rows if r["app_id"] == "9000000001" and r["country"] == "cn"}
    assert duolingo == {"多邻国Duolingo英语日语法语"}
    # Two apps' names in three storefronts: a row per name first shown, no more.
    listed = apprank("history", "9000000002", "-c", config, "--json")
    assert {(s["country"], s["app_name"]) for s in json.loads(listed.stdout)} == {
        ("cn", "Threads"), ("de", "Threads (de)"), ("us", "Threads")
    }  # fmt: skip
    # Each storefront lists the renamed app from its first snapshot and once per rename: seven
    # rows for eighteen snapshots.
    import sqlite3

    with sqlite3.connect(config.parent / "apprank.db") as db:
        renames = db.execute(
            "SELECT l.country, l.valid_from - :start, l.name FROM app_listing l "
            "JOIN app a ON a.id = l.app_id WHERE a.store_id = '9000000002' "
            "ORDER BY l.country, l.valid_from",
            {"start": int(start.timestamp())},
        ).fetchall()
    assert renames == [
        ("cn", 0, "Threads, an Instagram app"),
        ("cn", 7200, "Threads"),
        ("de", 0, "Threads, an Instagram app"),
        ("de", 7200, "Threads"),
        ("de", 14400, "Threads (de)"),
        ("us", 0, "Threads, an Instagram app"),
        ("us", 7200, "Threads"),
    ]
    # Imported elsewhere, the file's names are that database's listings: the same export.
    (tmp_path / "copy").mkdir()
    path = tmp_path / "history.jsonl"
    path.write_text(exported.stdout, encoding="utf-8")
    other = write_config(f'[database]\nurl = "sqlite:///{tmp_path / "copy" / "a.db"}"\n', "b.toml")
    assert apprank("import", "-c", other, path).code == 0
    again = apprank("export", "-c", other, "--format", "jsonl", "-o", "-").stdout.splitlines()
    # (Provenance stays behind: the import made its own snapshots, from no fetch.)
    assert [{**orjson.loads(line), "provenance": None} for line in again] == [
        {**row, "provenance": None} for row in rows
    ]


def test_movers_names_each_app_as_its_chart_showed_it(apprank: Apprank, write_config: Any) -> None:
    """The latest snapshot's names, and a dropped app's from the older snapshot; another
    storefront's names never leak in."""
    from datetime import UTC, datetime, timedelta

    from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
    from tracker.store.engine import open_engine
    from tracker.store.writer import Attempt, SnapshotWriter

    config = write_config("")
    writer = SnapshotWriter(open_engine(f"sqlite:///{config.parent / 'apprank.db'}"))
    t0 = datetime(2025, 1, 1, tzinfo=UTC)

    def save(country: str, at: datetime, *apps: tuple[str, str]) -> None:
        key = ChartKey("apple", country, "top-free")
        entries = tuple(ChartEntry(r, a, n, "Dev") for r, (a, n) in enumerate(apps, start=1))
        writer.save(ChartSnapshot(ChartRequest(key, 3), entries, at), at, Attempt(at, 1, "ok"))

    save("us", t0, ("9", "Nine"), ("8", "Eight"), ("6", "Six"))
    save("de", t0 + timedelta(hours=1), ("8", "Acht"), ("9", "Neun"))
    save("us", t0 + timedelta(hours=1), ("7", "Seven"), ("9", "Nine, renamed"), ("6", "Six"))
    moved = apprank("movers", "-c", config, "--since", "1h", "--json")
    assert moved.code == 0, moved.stderr
    shown = json.loads(moved.stdout)
    names = {kind: [(m["app_id"], m["name"]) for m in shown[kind]] for kind in shown if
             isinstance(shown[kind], list)}  # fmt: skip
    assert names == {
        "gainers": [],
        "losers": [("9", "Nine, renamed")],
        "new": [("7", "Seven")],
        "dropped": [("8", "Eight")],
    }
