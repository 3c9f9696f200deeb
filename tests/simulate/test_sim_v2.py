"""RSS v2 over loopback: shape, parser compatibility and status codes, as the real captures in
tests/fixtures/real/ show them."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import orjson

from tracker.fetch.sources import SOURCES
from tracker.models import ChartKey, ChartRequest
from tracker.simulate import SimulatorServer

V2_KEYS = ["artistName", "id", "name", "releaseDate", "kind", "artworkUrl100", "genres", "url"]
FEED_KEYS = ["title", "id", "author", "links", "copyright", "country", "icon", "updated", "results"]
RFC1123 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [1-9]\d? [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000$"
)


def v2(country: str = "us", chart: str = "top-free", limit: int = 100) -> str:
    return f"/api/v2/{country}/apps/{chart}/{limit}/apps.json"


def test_top_free_100_parses_with_the_apple_source(client: httpx.Client) -> None:
    response = client.get(v2())
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-apprank-simulated-time"] == "2025-01-20T00:00:00Z"
    request = ChartRequest(ChartKey("apple", "us", "top-free"), 100)
    snapshot = SOURCES["apple"].parse(request, response.content, url=str(response.url))
    assert [e.rank for e in snapshot.entries] == list(range(1, 101))
    assert snapshot.entries[0].app_id == "6448311069"  # ChatGPT leads the US on 20 Jan
    assert snapshot.feed_updated_at is not None
    assert snapshot.feed_updated_at.isoformat() == "2025-01-20T00:00:00+00:00"


def test_exact_v2_shape(client: httpx.Client, sim: SimulatorServer) -> None:
    response = client.get(v2())
    assert response.content.endswith(b"}\n") and response.content.startswith(b'{\n  "feed": {\n')
    feed = orjson.loads(response.content)["feed"]
    assert list(feed) == FEED_KEYS
    url = f"{sim.base_url}{v2()}"
    assert feed["id"] == url and feed["links"] == [{"self": url}]
    assert feed["title"] == "Top Free Apps" and feed["country"] == "us"
    assert feed["author"] == {"name": "Apple", "url": "https://www.apple.com/"}
    assert feed["copyright"] == "Copyright © 2025 Apple Inc. All rights reserved."
    assert RFC1123.match(feed["updated"]), feed["updated"]
    for rank, row in enumerate(feed["results"], start=1):
        assert list(row) == V2_KEYS
        assert row["kind"] == "apps" and isinstance(row["id"], str) and row["id"].isdigit()
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", row["releaseDate"])
        assert row["artworkUrl100"].startswith("https://is1-ssl.mzstatic.com/image/thumb/")
        assert row["artworkUrl100"].endswith("/100x100bb.png")
        assert row["url"].startswith("https://apps.apple.com/us/app/")
        assert row["url"].endswith(f"/id{row['id']}")
        if rank <= 10:
            assert row["genres"] == []
        else:
            assert 1 <= len(row["genres"]) <= 2
            for genre in row["genres"]:
                assert list(genre) == ["genreId", "name", "url"]
                assert genre["url"] == f"https://itunes.apple.com/us/genre/id{genre['genreId']}"


def test_unpadded_day_in_updated(sim: SimulatorServer, client: httpx.Client) -> None:
    sim.clock.set(sim.clock.now().replace(day=3, hour=5, minute=54, second=3))
    feed = client.get(v2(limit=2)).json()["feed"]
    assert feed["updated"].startswith("Fri, 3 Jan 2025 05:")


def test_small_limits_and_localized_titles(client: httpx.Client) -> None:
    assert len(client.get(v2(limit=1)).json()["feed"]["results"]) == 1
    assert len(client.get(v2(limit=2)).json()["feed"]["results"]) == 2
    assert client.get(v2("cn")).json()["feed"]["title"] == "免费 App 排行"
    assert client.get(v2("jp", "top-paid")).json()["feed"]["title"] == "有料アプリ"
    assert client.get(v2("us", "top-paid")).json()["feed"]["title"] == "Top Paid Apps"


def test_top_paid_sometimes_returns_fewer_rows(sim: SimulatorServer, client: httpx.Client) -> None:
    counts = []
    for _ in range(12):
        feed = client.get(v2("us", "top-paid")).json()["feed"]
        assert feed["id"].endswith("/top-paid/100/apps.json")
        counts.append(len(feed["results"]))
        sim.clock.advance(timedelta(hours=1))
    assert max(counts) == 100
    assert 97 <= min(counts) < 100


def test_status_codes(client: httpx.Client) -> None:
    assert client.get(v2(chart="top-grossing")).status_code == 404
    assert client.get(v2(chart="new-apps-we-love")).status_code == 404
    assert client.get(v2(limit=101)).status_code == 500
    assert client.get(v2(limit=0)).status_code == 500
    assert client.get(v2(limit=200)).status_code == 500
    assert client.get(v2(country="xx")).status_code == 400
    assert client.get(v2(country="en")).status_code == 400
    assert client.get("/api/v2/us/apps/top-free/genre=6014/100/apps.json").status_code == 404
    assert client.get("/api/v2/us/music/top-free/10/apps.json").status_code == 404
    assert client.get("/api/v2/us/apps/top-free/10/apps.rss").status_code == 404


def test_old_host_redirects_permanently(client: httpx.Client, sim: SimulatorServer) -> None:
    response = client.get("/old-host" + v2(limit=3))
    assert response.status_code == 301
    assert response.headers["location"] == f"{sim.base_url}{v2(limit=3)}"
    followed = client.get("/old-host" + v2(limit=3), follow_redirects=True)
    assert followed.status_code == 200
    assert followed.json()["feed"]["id"] == f"{sim.base_url}{v2(limit=3)}"
    assert [r.status_code for r in followed.history] == [301]
