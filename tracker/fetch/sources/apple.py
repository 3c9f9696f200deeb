"""Apple Marketing Tools RSS v2: `/api/v2/{cc}/apps/{chart}/{limit}/apps.json`.

The URLs are those Apple's RSS Builder (https://rss.marketingtools.apple.com) makes; the shape
parsed is that of the real captures in tests/fixtures/real/ (README.md there lists them).
"""

from __future__ import annotations

from typing import Any, ClassVar

from tracker.config.facts import APPLE, SourceSettings
from tracker.errors import FeedFormatError
from tracker.fetch.request import HttpRequest
from tracker.fetch.sources.base import check_entries, iso_date, load_feed
from tracker.models import ChartEntry, ChartRequest, ChartSnapshot
from tracker.text.redact import quoted
from tracker.timeutil import parse_feed_time


class AppleSource:
    """Top free and top paid iPhone apps, 1 to 100 deep; no genres, no grossing."""

    # The facts the configuration checks tracks against: one home, tracker/config/facts.py.
    name: ClassVar[str] = APPLE.name
    charts: ClassVar[tuple[str, ...]] = APPLE.charts
    devices: ClassVar[tuple[str, ...]] = APPLE.devices
    max_depth: ClassVar[int] = APPLE.max_depth
    supports_categories: ClassVar[bool] = APPLE.supports_categories
    default_base_url: ClassVar[str] = APPLE.default_base_url

    def url(self, request: ChartRequest, base_url: str) -> str:
        key = request.key
        root = base_url.rstrip("/")
        return f"{root}/api/v2/{key.country}/apps/{key.chart}/{request.depth}/apps.json"

    def request(self, request: ChartRequest, settings: SourceSettings) -> HttpRequest:
        return HttpRequest.get(self.url(request, settings.base_url), settings)

    def parse(self, request: ChartRequest, body: bytes, *, url: str = "") -> ChartSnapshot:
        feed = load_feed(body, url)
        country = feed.get("country")
        if isinstance(country, str) and country.lower() != request.key.country:
            raise FeedFormatError(
                f"asked for country {request.key.country!r}, the feed is for {quoted(country)} "
                f"({url})",
                url=url,
            )
        results = feed.get("results", [])
        if not isinstance(results, list):
            raise FeedFormatError(f"`feed.results` is not a list in {url}", url=url)
        entries = [_entry(rank, row, url) for rank, row in enumerate(results, start=1)]
        updated = feed.get("updated")
        try:
            feed_updated_at = parse_feed_time(updated) if isinstance(updated, str) else None
        except ValueError as exc:
            raise FeedFormatError(f"{exc} in `feed.updated` of {url}", url=url) from None
        return ChartSnapshot(
            request=request,
            entries=check_entries(request, entries, url),
            feed_updated_at=feed_updated_at,
            url=url,
        )


def _entry(rank: int, row: Any, url: str) -> ChartEntry:
    if not isinstance(row, dict):
        raise FeedFormatError(f"result {rank} is not an object in {url}", url=url)
    app_id = row.get("id")
    name = row.get("name")
    if not isinstance(app_id, str | int) or isinstance(app_id, bool):
        raise FeedFormatError(f"result {rank} has no usable `id` in {url}", url=url)
    if not isinstance(name, str):
        raise FeedFormatError(f"result {rank} has no `name` in {url}", url=url)
    genres = row.get("genres") or []
    genre = None
    if isinstance(genres, list) and genres and isinstance(genres[0], dict):
        genre = genres[0].get("name")
    return ChartEntry(
        rank=rank,
        app_id=str(app_id),
        name=name,
        developer=_text(row.get("artistName")),
        icon_url=_text(row.get("artworkUrl100")),
        url=_text(row.get("url")),
        genre=_text(genre),
        release_date=iso_date(row.get("releaseDate")),
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
