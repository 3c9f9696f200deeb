"""Apple Marketing Tools RSS v2: URLs, the real captures, and every refusal."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.conftest import REAL, real_fixture, real_json
from tracker.errors import FeedFormatError
from tracker.fetch.sources import AppleSource
from tracker.models import ChartKey, ChartRequest

SOURCE = AppleSource()


def request(country: str = "us", chart: str = "top-free", depth: int = 100) -> ChartRequest:
    return ChartRequest(ChartKey("apple", country, chart), depth)


def test_url_follows_the_v2_template() -> None:
    url = SOURCE.url(request("gb", "top-paid", 25), "https://rss.marketingtools.apple.com/")
    assert url == "https://rss.marketingtools.apple.com/api/v2/gb/apps/top-paid/25/apps.json"


V2_FILES = sorted(p.name for p in REAL.glob("v2-*.json"))


@pytest.mark.parametrize("name", V2_FILES)
def test_every_real_capture_parses_exactly(name: str) -> None:
    feed = real_json(name)["feed"]
    country, chart = feed["country"], "top-paid" if "paid" in name else "top-free"
    snapshot = SOURCE.parse(request(country, chart), real_fixture(name), url="u")
    assert [e.app_id for e in snapshot.entries] == [r["id"] for r in feed["results"]]
    assert [e.name for e in snapshot.entries] == [r["name"] for r in feed["results"]]
    assert [e.developer for e in snapshot.entries] == [r["artistName"] for r in feed["results"]]
    assert [e.url for e in snapshot.entries] == [r["url"] for r in feed["results"]]
    assert [e.rank for e in snapshot.entries] == list(range(1, len(feed["results"]) + 1))
    assert snapshot.depth_returned == len(feed["results"])


def test_rfc1123_updated_with_unpadded_day_becomes_utc() -> None:
    snapshot = SOURCE.parse(request(), real_fixture("v2-us-top-free-2-2025-12-03.json"))
    assert snapshot.feed_updated_at == datetime(2025, 12, 3, 6, 21, 36, tzinfo=UTC)


def test_top_paid_may_return_fewer_rows_than_requested() -> None:
    snapshot = SOURCE.parse(
        request(chart="top-paid"), real_fixture("v2-us-top-paid-97-2026-04-06.json")
    )
    assert snapshot.request.depth == 100
    assert snapshot.depth_returned == 97
    assert snapshot.entries[0].app_id == "932747118"
    assert snapshot.entries[-1].name == "Ballistic X"


def test_empty_genres_and_populated_genres_both_parse() -> None:
    snapshot = SOURCE.parse(request(), real_fixture("v2-us-top-free-100-2026-08-03.json"))
    assert snapshot.entries[0].genre is None  # ranks 1-10 carry `genres: []`
    assert snapshot.entries[10].genre == "Utilities"
    assert snapshot.entries[0].release_date == "2023-08-07"


def test_the_2021_populated_genres_form_parses() -> None:
    body = {
        "feed": {
            "country": "us",
            "updated": "Wed, 24 Nov 2021 22:11:48 +0000",
            "results": [
                {
                    "artistName": "Netflix, Inc.",
                    "id": "363590051",
                    "name": "Netflix",
                    "releaseDate": "2010-04-01",
                    "kind": "apps",
                    "artworkUrl100": "https://example.invalid/100x100bb.png",
                    "genres": [
                        {"genreId": "6016", "name": "Entertainment", "url": "https://x/id6016"},
                        {"genreId": "6008", "name": "Photo & Video", "url": "https://x/id6008"},
                    ],
                    "url": "https://apps.apple.com/us/app/netflix/id363590051",
                }
            ],
        }
    }
    snapshot = SOURCE.parse(request(), json.dumps(body).encode())
    assert snapshot.entries[0].genre == "Entertainment"
    assert snapshot.feed_updated_at == datetime(2021, 11, 24, 22, 11, 48, tzinfo=UTC)


def test_missing_results_is_an_empty_chart() -> None:
    snapshot = SOURCE.parse(request(), b'{"feed": {"country": "us"}}')
    assert snapshot.entries == ()


def _feed(*ids: object, country: str = "us") -> bytes:
    results = [{"id": i, "name": f"App {i}", "artistName": "Dev"} for i in ids]
    return json.dumps({"feed": {"country": country, "results": results}}).encode()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<!DOCTYPE html><html><body>Web Server Error</body></html>", "got an HTML page"),
        (b'{"feed": {"results": [{"id": "1", "na', "malformed or truncated JSON at byte 37 of 37"),
        (b"", "not JSON from http://feed/x (got an empty body)"),
        (b'{"error": "nope"}', "no `feed` object"),
        (b'{"feed": {"results": {"id": "1"}}}', "is not a list"),
        (_feed("123", "abc"), "app id 'abc' at rank 2 is not a store id (1 to 64 ASCII digits)"),
        (_feed("123", "123"), "app 123 appears twice (again at rank 2)"),
        (_feed("1", "2", "3"), "3 rows for a depth of 2"),
        (_feed("1", country="gb"), "asked for country 'us', the feed is for 'gb'"),
        (b'{"feed": {"results": [{"name": "no id"}]}}', "result 1 has no usable `id`"),
    ],
)
def test_invalid_payloads_are_refused_with_a_clear_reason(body: bytes, message: str) -> None:
    with pytest.raises(FeedFormatError) as caught:
        SOURCE.parse(request(depth=2), body, url="http://feed/x")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
