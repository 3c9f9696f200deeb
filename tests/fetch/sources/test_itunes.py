"""Legacy iTunes RSS: URLs, the real captures, and the Atom-in-JSON quirks (tests/fixtures/real/
README.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.conftest import REAL, real_fixture, real_json
from tracker.errors import FeedFormatError
from tracker.fetch.sources import ItunesSource
from tracker.models import ChartKey, ChartRequest

SOURCE = ItunesSource()


def request(
    country: str = "us", chart: str = "top-free", depth: int = 100, **kw: str
) -> ChartRequest:
    return ChartRequest(ChartKey("itunes", country, chart, **kw), depth)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (ChartKey("itunes", "us", "top-free"), "/us/rss/topfreeapplications/limit=100/json"),
        (
            ChartKey("itunes", "jp", "top-grossing", "6014"),
            "/jp/rss/topgrossingapplications/limit=100/genre=6014/json",
        ),
        (
            ChartKey("itunes", "gb", "top-paid", "all", "ipad"),
            "/gb/rss/toppaidipadapplications/limit=100/json",
        ),
        (
            ChartKey("itunes", "de", "top-free", "all", "mac"),
            "/de/rss/topfreemacapps/limit=100/json",
        ),
    ],
)
def test_url_follows_the_legacy_template(key: ChartKey, expected: str) -> None:
    assert SOURCE.url(ChartRequest(key, 100), "https://itunes.apple.com") == (
        "https://itunes.apple.com" + expected
    )


def _entries(name: str) -> list[dict]:
    entry = real_json(name)["feed"]["entry"]
    return entry if isinstance(entry, list) else [entry]


@pytest.mark.parametrize("name", sorted(p.name for p in REAL.glob("legacy-*.json")))
def test_every_real_capture_parses_exactly(name: str) -> None:
    rows = _entries(name)
    country = name.split("-")[1]
    snapshot = SOURCE.parse(request(country, depth=100), real_fixture(name))
    assert [e.app_id for e in snapshot.entries] == [r["id"]["attributes"]["im:id"] for r in rows]
    assert [e.name for e in snapshot.entries] == [r["im:name"]["label"] for r in rows]
    assert [e.developer for e in snapshot.entries] == [r["im:artist"]["label"] for r in rows]
    assert [e.bundle_id for e in snapshot.entries] == [
        r["id"]["attributes"]["im:bundleId"] for r in rows
    ]
    assert [e.genre for e in snapshot.entries] == [
        r["category"]["attributes"]["term"] for r in rows
    ]


def test_single_entry_feed_has_entry_as_an_object() -> None:
    snapshot = SOURCE.parse(
        request("jp", "top-grossing", 1), real_fixture("legacy-jp-topgrossing-1-2016-04.json")
    )
    assert len(snapshot.entries) == 1
    entry = snapshot.entries[0]
    assert (entry.rank, entry.app_id, entry.name) == (1, "658511662", "モンスターストライク")
    # that entry's `link` is a single object, not an array
    assert entry.url == "https://itunes.apple.com/jp/app/monsutasutoraiku/id658511662?mt=8&uo=2"


def test_link_array_with_enclosure_picks_the_alternate_page() -> None:
    snapshot = SOURCE.parse(request("hk"), real_fixture("legacy-hk-topfree-100-2024-09.json"))
    assert snapshot.entries[0].url == "https://apps.apple.com/hk/app/kktix/id780240742?uo=2"
    assert snapshot.entries[0].icon_url.endswith("/100x100bb.png")


def test_iso_updated_with_offset_becomes_utc() -> None:
    snapshot = SOURCE.parse(request("hk"), real_fixture("legacy-hk-topfree-100-2024-09.json"))
    assert snapshot.feed_updated_at == datetime(2024, 9, 4, 14, 15, 13, tzinfo=UTC)


def test_absent_entry_is_an_empty_chart() -> None:
    body = b'{"feed":{"author":{"name":{"label":"iTunes Store"}}}}'
    assert SOURCE.parse(request("li"), body).entries == ()


def _entry(app_id: str, **overrides: object) -> dict:
    entry: dict = {
        "im:name": {"label": f"App {app_id}"},
        "id": {"label": "x", "attributes": {"im:id": app_id, "im:bundleId": f"b.{app_id}"}},
        "im:artist": {"label": "Dev", "attributes": {"href": "https://x/id1"}},
        "summary": {"label": "s"},
        "link": {
            "attributes": {"rel": "alternate", "type": "text/html", "href": f"https://a/{app_id}"}
        },
        "category": {"attributes": {"im:id": "6014", "term": "Games", "label": "Games"}},
    }
    entry.update(overrides)
    return {k: v for k, v in entry.items() if v is not None}


def test_missing_summary_and_artist_attributes_are_accepted() -> None:
    body = {
        "feed": {
            "updated": {"label": "2025-07-08T12:52:03-07:00"},
            "entry": [
                _entry("11", summary=None),
                _entry("22", **{"im:artist": {"label": "Sling TV LLC"}}),
                _entry("33", **{"im:artist": None}),
            ],
        }
    }
    snapshot = SOURCE.parse(request(), json.dumps(body).encode())
    assert [e.app_id for e in snapshot.entries] == ["11", "22", "33"]
    assert [e.developer for e in snapshot.entries] == ["Dev", "Sling TV LLC", None]
    assert snapshot.feed_updated_at == datetime(2025, 7, 8, 19, 52, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([_entry("11"), _entry("11")], "app 11 appears twice"),
        ([_entry("x1")], "app id 'x1' at rank 1 is not a store id"),
        ([_entry("11", id={"label": "no attributes"})], "entry 1 has no `id.attributes.im:id`"),
        ([_entry("11", **{"im:name": None})], "entry 1 has no `im:name`"),
        ([_entry("1"), _entry("2"), _entry("3")], "3 rows for a depth of 2"),
    ],
)
def test_invalid_entries_are_refused(entries: list[dict], message: str) -> None:
    body = json.dumps({"feed": {"entry": entries}}).encode()
    with pytest.raises(FeedFormatError, match=message.replace("(", r"\(")):
        SOURCE.parse(request(depth=2), body)
