"""Legacy iTunes RSS over loopback: Atom-in-JSON shape and quirks, as the real captures in
tests/fixtures/real/ show them (README.md there lists the quirks)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import orjson
import pytest

from tracker.fetch.sources import SOURCES
from tracker.models import ChartKey, ChartRequest
from tracker.simulate.formats import apple_layout

ENTRY_KEYS = {
    "im:name",
    "im:image",
    "summary",
    "im:price",
    "im:contentType",
    "rights",
    "title",
    "link",
    "id",
    "im:artist",
    "category",
    "im:releaseDate",
}
FEED_KEYS = ["author", "entry", "updated", "rights", "title", "icon", "link", "id"]
REAL_HK = "legacy-hk-topfree-100-2024-09.json"


def legacy(
    country: str = "us", feed: str = "topfreeapplications", params: str = "limit=100"
) -> str:
    return f"/{country}/rss/{feed}/{params}/json"


def parse(body: bytes, chart: str = "top-free", depth: int = 100, category: str = "all") -> list:
    request = ChartRequest(ChartKey("itunes", "us", chart, category), depth)
    return list(SOURCES["itunes"].parse(request, body, url="sim").entries)


def test_top_free_100_parses_with_the_itunes_source(client: httpx.Client) -> None:
    response = client.get(legacy())
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=UTF-8"
    assert response.headers["x-apprank-simulated-time"] == "2025-01-20T00:00:00Z"
    entries = parse(response.content)
    assert len(entries) == 100 and entries[0].app_id == "6448311069"
    assert all(e.bundle_id and e.developer and e.url and e.icon_url for e in entries)
    assert entries[0].icon_url.endswith("/100x100bb.png")


def test_same_chart_as_v2(client: httpx.Client) -> None:
    v2 = client.get("/api/v2/us/apps/top-free/100/apps.json").json()["feed"]["results"]
    entries = parse(client.get(legacy()).content)
    assert [e.app_id for e in entries] == [row["id"] for row in v2]


def test_exact_legacy_shape(client: httpx.Client) -> None:
    body = client.get(legacy()).content
    assert body.startswith(b'{"feed":{"author":{"name":{"label":"iTunes Store"}, "uri":')
    assert b'"entry":[\n\t{"im:name":' in body and body.endswith(b"}}")
    feed = orjson.loads(body)["feed"]
    assert list(feed) == FEED_KEYS
    self_url = (
        "https://mzstoreservices-int.itunes.apple.com/us/rss/topfreeapplications/limit=100/json"
    )
    assert feed["id"] == {"label": self_url}
    assert feed["link"][1] == {"attributes": {"rel": "self", "href": self_url}}
    assert feed["title"] == {"label": "iTunes Store: Top Free Apps"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[78]:00", feed["updated"]["label"])
    assert feed["updated"]["label"] == "2025-01-19T16:00:00-08:00"
    entries = feed["entry"]
    for entry in entries:
        assert set(entry) <= ENTRY_KEYS and set(entry) >= ENTRY_KEYS - {"summary"}
        assert [i["attributes"]["height"] for i in entry["im:image"]] == ["53", "75", "100"]
        assert set(entry["id"]["attributes"]) == {"im:id", "im:bundleId"}
        assert entry["im:price"]["attributes"] == {"amount": "0.00", "currency": "USD"}
        assert entry["im:price"]["label"] == "Get"
        assert set(entry["category"]["attributes"]) == {"im:id", "term", "scheme", "label"}
        assert (
            entry["title"]["label"]
            == f"{entry['im:name']['label']} - {entry['im:artist']['label']}"
        )
        assert "attributes" in entry["im:releaseDate"]
    links = [entry["link"] for entry in entries]
    assert any(isinstance(link, dict) for link in links)
    arrays = [link for link in links if isinstance(link, list)]
    assert arrays and all(
        [a["attributes"]["rel"] for a in link] == ["alternate", "enclosure"] for link in arrays
    )
    assert all(link[1]["im:duration"] == {"label": "0"} for link in arrays)
    assert any("summary" not in entry for entry in entries)
    assert any("attributes" not in entry["im:artist"] for entry in entries)
    assert any("attributes" in entry["im:artist"] for entry in entries)


def test_one_row_is_an_object_and_none_is_absent(client: httpx.Client) -> None:
    one = client.get(legacy(params="limit=1")).content
    assert isinstance(orjson.loads(one)["feed"]["entry"], dict)
    assert len(parse(one, depth=1)) == 1
    empty = client.get(legacy(params="limit=10/genre=7007")).content  # Dice: empty, like Apple's
    assert "entry" not in orjson.loads(empty)["feed"]
    assert parse(empty, depth=10, category="7007") == []


def test_limit_rules(client: httpx.Client) -> None:
    assert len(parse(client.get(legacy(params="limit=200")).content, depth=200)) == 100
    too_many = client.get(legacy(params="limit=201"))
    assert too_many.status_code == 400 and too_many.text == "Invalid value for param 'limit'."
    assert client.get(legacy(params="limit=0")).status_code == 400
    assert len(parse(client.get("/us/rss/topfreeapplications/json").content, depth=10)) == 10


def test_country_rules(client: httpx.Client) -> None:
    assert client.get(legacy("xx")).status_code == 400
    assert client.get(legacy("en")).status_code == 400
    assert client.get(legacy("US")).content == client.get(legacy("us")).content
    assert client.get(legacy(feed="topnothingapplications")).status_code == 404


def test_genre_filter_and_fallback(client: httpx.Client) -> None:
    games = orjson.loads(client.get(legacy(params="limit=100/genre=6014")).content)["feed"]
    assert len(games["entry"]) == 100
    assert {e["category"]["attributes"]["im:id"] for e in games["entry"]} == {"6014"}
    assert games["title"]["label"] == "iTunes Store: Top Free Applications in Games"
    swapped = client.get(legacy(params="genre=6014/limit=100")).content
    assert [e.app_id for e in parse(swapped)] == [
        e["id"]["attributes"]["im:id"] for e in games["entry"]
    ]
    overall = [e.app_id for e in parse(client.get(legacy()).content)]
    for invalid in ("7010", "7020", "abc"):
        fallback = client.get(legacy(params=f"limit=100/genre={invalid}")).content
        assert [e.app_id for e in parse(fallback)] == overall


def test_charts_and_devices_differ(client: httpx.Client) -> None:
    def ids(feed: str, country: str = "us") -> list[str]:
        return [e.app_id for e in parse(client.get(legacy(country, feed)).content)]

    iphone, ipad, mac = (
        ids("topfreeapplications"),
        ids("topfreeipadapplications"),
        ids("topfreemacapps"),
    )
    assert iphone != ipad and iphone != mac and ipad != mac
    paid, grossing = ids("toppaidapplications"), ids("topgrossingapplications")
    assert not set(paid) & set(iphone)
    assert set(grossing) & set(iphone) and set(grossing) & set(paid)
    assert ids("topfreeapplications", "gb") != iphone
    body = client.get(legacy("jp", "toppaidapplications")).content.decode()
    assert '"currency":"JPY"' in body and '"label":"¥' in body


def _real_fixture() -> Path | None:
    for folder in (
        Path(__file__).parents[1] / "fixtures" / "real",
        Path("/work/shared/fixtures/real"),
    ):
        if (folder / REAL_HK).is_file():
            return folder / REAL_HK
    return None


@pytest.mark.skipif(_real_fixture() is None, reason="real legacy capture not available")
def test_layout_matches_the_real_capture_byte_for_byte() -> None:
    path = _real_fixture()
    assert path is not None
    raw = path.read_bytes()
    assert apple_layout(orjson.loads(raw)).encode() == raw
