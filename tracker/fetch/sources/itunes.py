"""Legacy iTunes RSS (Atom-in-JSON). Apple documents no format for it: this parser reads what the
real captures in tests/fixtures/real/ hold (README.md there lists their quirks).

`/{cc}/rss/{feedtype}/limit={n}[/genre={g}]/json`
"""

from __future__ import annotations

from typing import Any, ClassVar

from tracker.config.facts import ITUNES, SourceSettings
from tracker.errors import FeedFormatError
from tracker.fetch.request import HttpRequest
from tracker.fetch.sources.base import check_entries, iso_date, load_feed
from tracker.models import ChartEntry, ChartRequest, ChartSnapshot
from tracker.timeutil import parse_feed_time

# (chart, device) -> feed type
FEED_TYPES: dict[tuple[str, str], str] = {
    ("top-free", "iphone"): "topfreeapplications",
    ("top-paid", "iphone"): "toppaidapplications",
    ("top-grossing", "iphone"): "topgrossingapplications",
    ("top-free", "ipad"): "topfreeipadapplications",
    ("top-paid", "ipad"): "toppaidipadapplications",
    ("top-grossing", "ipad"): "topgrossingipadapplications",
    ("top-free", "mac"): "topfreemacapps",
    ("top-paid", "mac"): "toppaidmacapps",
    ("top-grossing", "mac"): "topgrossingmacapps",
}


class ItunesSource:
    """Top free, paid and grossing for iPhone, iPad and Mac, by genre; at most 200 deep."""

    # The facts the configuration checks tracks against: one home, tracker/config/facts.py.
    name: ClassVar[str] = ITUNES.name
    charts: ClassVar[tuple[str, ...]] = ITUNES.charts
    devices: ClassVar[tuple[str, ...]] = ITUNES.devices
    max_depth: ClassVar[int] = ITUNES.max_depth
    supports_categories: ClassVar[bool] = ITUNES.supports_categories
    default_base_url: ClassVar[str] = ITUNES.default_base_url

    def url(self, request: ChartRequest, base_url: str) -> str:
        key = request.key
        feed_type = FEED_TYPES[(key.chart, key.device)]
        genre = "" if key.category == "all" else f"/genre={key.category}"
        root = base_url.rstrip("/")
        return f"{root}/{key.country}/rss/{feed_type}/limit={request.depth}{genre}/json"

    def request(self, request: ChartRequest, settings: SourceSettings) -> HttpRequest:
        return HttpRequest.get(self.url(request, settings.base_url), settings)

    def parse(self, request: ChartRequest, body: bytes, *, url: str = "") -> ChartSnapshot:
        feed = load_feed(body, url)
        raw = feed.get("entry")
        # One row comes as an object (tests/fixtures/real/legacy-jp-topgrossing-1-2016-04.json),
        # none as a missing key (a storefront without the chart: AntennaPod/AntennaPod PR #4515).
        rows = [] if raw is None else [raw] if isinstance(raw, dict) else raw
        if not isinstance(rows, list):
            raise FeedFormatError(f"`feed.entry` is neither a list nor an object in {url}", url=url)
        entries = [_entry(rank, row, url) for rank, row in enumerate(rows, start=1)]
        updated = _label(feed.get("updated"))
        try:
            feed_updated_at = parse_feed_time(updated) if updated else None
        except ValueError as exc:
            raise FeedFormatError(f"{exc} in `feed.updated` of {url}", url=url) from None
        return ChartSnapshot(
            request=request,
            entries=check_entries(request, entries, url),
            feed_updated_at=feed_updated_at,
            url=url,
        )


def _label(node: Any) -> str | None:
    if isinstance(node, dict):
        value = node.get("label")
        return value if isinstance(value, str) and value else None
    return None


def _attrs(node: Any) -> dict[str, Any]:
    attrs = node.get("attributes") if isinstance(node, dict) else None
    return attrs if isinstance(attrs, dict) else {}


def _alternate_link(node: Any) -> str | None:
    links = node if isinstance(node, list) else [node]
    for link in links:
        attrs = _attrs(link)
        href = attrs.get("href")
        if attrs.get("rel", "alternate") == "alternate" and isinstance(href, str):
            return href
    return None


def _largest_image(node: Any) -> str | None:
    if isinstance(node, dict):
        return _label(node)
    if not isinstance(node, list):
        return None
    best, best_size = None, -1
    for image in node:
        try:
            label, height = image["label"], image["attributes"]["height"]
        except (KeyError, TypeError):
            continue
        size = int(height) if isinstance(height, str) and height.isdigit() else 0
        if isinstance(label, str) and label and size >= best_size:
            best, best_size = label, size
    return best


def _entry(rank: int, row: Any, url: str) -> ChartEntry:
    # Direct look-ups first: this runs for every row of every legacy chart.
    try:
        id_attrs = row["id"]["attributes"]
        app_id = id_attrs["im:id"]
        name = row["im:name"]["label"]
    except (KeyError, TypeError):
        return _refuse(rank, row, url)
    if not isinstance(app_id, str) or not isinstance(name, str) or not name:
        return _refuse(rank, row, url)
    get = row.get
    category = get("category")
    genre = category.get("attributes", {}).get("term") if isinstance(category, dict) else None
    bundle_id = id_attrs.get("im:bundleId")
    return ChartEntry(
        rank=rank,
        app_id=app_id,
        name=name,
        developer=_label(get("im:artist")),
        bundle_id=bundle_id if isinstance(bundle_id, str) else None,
        icon_url=_largest_image(get("im:image")),
        url=_alternate_link(get("link")),
        genre=genre if isinstance(genre, str) else None,
        release_date=iso_date(_label(get("im:releaseDate"))),
    )


def _refuse(rank: int, row: Any, url: str) -> ChartEntry:
    if not isinstance(row, dict):
        raise FeedFormatError(f"entry {rank} is not an object in {url}", url=url)
    if not isinstance(_attrs(row.get("id")).get("im:id"), str):
        raise FeedFormatError(f"entry {rank} has no `id.attributes.im:id` in {url}", url=url)
    raise FeedFormatError(f"entry {rank} has no `im:name` in {url}", url=url)
