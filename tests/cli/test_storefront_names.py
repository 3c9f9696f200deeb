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
