"""URL routing for the feeds: turns a request path into a Reply, as Apple's hosts would answer."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from tracker.fetch.sources.itunes import FEED_TYPES
from tracker.simulate import formats
from tracker.simulate.market import Market, canonical_genre
from tracker.simulate.scenario import hour_of
from tracker.storefronts import STOREFRONT_SET
from tracker.timeutil import from_epoch

V2_CONTENT_TYPE = "application/json"
LEGACY_CONTENT_TYPE = "text/javascript; charset=UTF-8"
TEXT = "text/plain; charset=UTF-8"
V2_CHARTS = ("top-free", "top-paid")
CHART_BY_FEED_TYPE: dict[str, tuple[str, str]] = {ft: key for key, ft in FEED_TYPES.items()}
LEGACY_MAX_LIMIT = 200
LEGACY_MAX_ROWS = 100
LEGACY_DEFAULT_LIMIT = 10
INTERNAL_HOST = "https://mzstoreservices-int.itunes.apple.com"
LOOP_MARK = "apprank_loop=1"  # the query of a redirect_loop fault's Location


@dataclass(slots=True)
class Reply:
    """A complete answer; `feed` marks a chart body that faults may tamper with."""

    status: int
    body: bytes = b""
    content_type: str = TEXT
    headers: dict[str, str] = field(default_factory=dict)
    outcome: str = "ok"
    feed: FeedRef | None = None


@dataclass(frozen=True, slots=True)
class FeedRef:
    """Enough to re-render the same feed empty (for the `empty` fault)."""

    kind: str  # "v2" | "legacy"
    url: str
    country: str
    chart: str
    genre: int | None
    updated: datetime


def not_found() -> Reply:
    return Reply(404, b"Not Found", outcome="not_found")


class FeedRoutes:
    """Answers v2, old-host and legacy feed paths for one market."""

    def __init__(self, market: Market) -> None:
        self.market = market
        self._v2 = lru_cache(maxsize=1024)(self._v2_body)
        self._legacy = lru_cache(maxsize=256)(self._legacy_body)

    def updated_at(self, country: str, chart: str, now: datetime) -> datetime:
        """When this chart was 'published': a seeded few minutes past the hour, never future."""
        hour = hour_of(now)
        jitter = zlib.crc32(f"{self.market.seed}:{country}:{chart}:{hour}".encode()) % 300
        published = from_epoch(hour * 3600) + timedelta(seconds=jitter)
        return min(published, now.replace(microsecond=0))

    def v2(self, path: str, origin: str, now: datetime) -> Reply:
        """`/api/v2/{cc}/apps/{chart}/{limit}/apps.json`, refused as Apple's host refuses: 404
        for another path or chart, 500 for a limit over 100 (tweaselORG/parse-tunes issue #2)."""
        parts = path.split("/")[1:]
        if len(parts) != 7 or parts[3] != "apps" or parts[6] != "apps.json":
            return not_found()
        country, chart, limit_text = parts[2].lower(), parts[4], parts[5]
        if chart not in V2_CHARTS or not limit_text.isdigit():
            return not_found()
        if country not in STOREFRONT_SET:
            return Reply(400, b"Bad Request", outcome="bad_request")
        limit = int(limit_text)
        if not 1 <= limit <= 100:
            return Reply(500, b"Internal Server Error", outcome="internal_error")
        url = origin + path
        updated = self.updated_at(country, chart, now)
        body = self._v2(url, country, chart, limit, hour_of(now), updated)
        ref = FeedRef("v2", url, country, chart, None, updated)
        return Reply(200, body, V2_CONTENT_TYPE, feed=ref)

    def _v2_body(
        self, url: str, country: str, chart: str, limit: int, hour: int, updated: datetime
    ) -> bytes:
        apps = self.market.ranking(country, chart, "iphone", None, hour)[:limit]
        return formats.v2_body(url, country, chart, apps, updated)

    def legacy(self, path: str, now: datetime) -> Reply:
        """`/{cc}/rss/{feedtype}/limit={n}[/genre={g}]/json`, parameters in any order
        (tracker/fetch/sources/itunes.py)."""
        parts = [p for p in path.split("/") if p]
        if len(parts) < 4 or parts[1] != "rss" or parts[-1] != "json":
            return not_found()
        key = CHART_BY_FEED_TYPE.get(parts[2])
        if key is None:
            return not_found()
        chart, device = key
        country = parts[0].lower()
        if country not in STOREFRONT_SET:
            return Reply(400, b"Bad Request", outcome="bad_request")
        params = dict(p.partition("=")[::2] for p in parts[3:-1])
        limit_text = params.get("limit", str(LEGACY_DEFAULT_LIMIT))
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= LEGACY_MAX_LIMIT:
            return Reply(400, b"Invalid value for param 'limit'.", outcome="bad_request")
        limit = int(limit_text)
        genre = canonical_genre(params["genre"]) if "genre" in params else None
        canonical = f"/{country}/rss/{parts[2]}/" + "/".join(parts[3:-1]) + "/json"
        self_url = INTERNAL_HOST + canonical
        updated = self.updated_at(country, chart, now)
        body = self._legacy(self_url, country, chart, device, genre, limit, hour_of(now), updated)
        ref = FeedRef("legacy", self_url, country, chart, genre, updated)
        headers = {
            "Access-Control-Allow-Origin": "*",
            "apple-originating-system": "MZStoreServices",
        }
        return Reply(200, body, LEGACY_CONTENT_TYPE, headers, feed=ref)

    def _legacy_body(
        self,
        url: str,
        country: str,
        chart: str,
        device: str,
        genre: int | None,
        limit: int,
        hour: int,
        updated: datetime,
    ) -> bytes:
        apps = self.market.ranking(country, chart, device, genre, hour)[
            : min(limit, LEGACY_MAX_ROWS)
        ]
        return formats.legacy_body(url, country, chart, genre, apps, updated)

    @staticmethod
    def empty_body(ref: FeedRef) -> bytes:
        """The same feed with no rows: `results: []` (v2) or no `entry` key (legacy)."""
        if ref.kind == "v2":
            return formats.v2_body(ref.url, ref.country, ref.chart, [], ref.updated)
        return formats.legacy_body(ref.url, ref.country, ref.chart, ref.genre, [], ref.updated)
