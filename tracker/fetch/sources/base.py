"""What every chart source shares: the source interface and the checks every parsed chart passes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from operator import attrgetter
from typing import Any, ClassVar, Protocol

import orjson

from tracker.config.facts import SourceSettings
from tracker.errors import FeedFormatError
from tracker.fetch.request import HttpRequest
from tracker.models import ChartEntry, ChartRequest, ChartSnapshot, entry_app_id
from tracker.text.redact import quoted
from tracker.text.values import STORE_IDS, IdRule, any_needs_cleaning, clean_text


class ChartSource(Protocol):
    """A chart source: builds the HTTP request for a chart and turns its answer into a
    snapshot. Sources never talk HTTP themselves (tracker/fetch/http.py does)."""

    name: ClassVar[str]
    charts: ClassVar[tuple[str, ...]]
    devices: ClassVar[tuple[str, ...]]
    max_depth: ClassVar[int]
    supports_categories: ClassVar[bool]
    default_base_url: ClassVar[str]

    def url(self, request: ChartRequest, base_url: str) -> str:
        """The URL that serves this chart (for a POST, the endpoint it is posted to)."""
        ...

    def request(self, request: ChartRequest, settings: SourceSettings) -> HttpRequest:
        """The whole request for this chart: method, URL, headers and body."""
        ...

    def parse(self, request: ChartRequest, body: bytes, *, url: str = "") -> ChartSnapshot:
        """Validate a payload; raise FeedFormatError for anything that is not a valid chart."""
        ...


def iso_date(value: Any) -> str | None:
    """The YYYY-MM-DD date at the start of a feed's date or date-time string, if valid."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


def load_json(body: bytes, url: str) -> Any:
    """Decode a JSON body; say what came instead when it is not JSON."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        start = body[:60].decode("utf-8", "replace").strip()
        if not start:
            what = "an empty body"
        elif start.lower().startswith(("<!doctype", "<html", "<?xml", "<")):
            what = "an HTML page"
        else:
            what = f"malformed or truncated JSON at byte {exc.pos} of {len(body)}"
        raise FeedFormatError(f"not JSON from {url} (got {what})", url=url) from None


def load_feed(body: bytes, url: str) -> dict[str, Any]:
    """The top-level `feed` object both Apple formats wrap their chart in."""
    data = load_json(body, url)
    feed = data.get("feed") if isinstance(data, dict) else None
    if not isinstance(feed, dict):
        raise FeedFormatError(f"no `feed` object in the response from {url}", url=url)
    return feed


def check_entries(
    request: ChartRequest, entries: Sequence[ChartEntry], url: str, *, ids: IdRule = STORE_IDS
) -> tuple[ChartEntry, ...]:
    """Refuse charts that cannot be stored truthfully: duplicates, ids its store does not spell
    so (`ids`: App Store ids unless said), unusable names, too many rows; clean text that could
    not be stored or shown as it came (tracker/text/values.py).

    This runs for every chart fetched, so each check is one pass over the whole chart in C
    (`map`, `join`, one regex scan), and only a chart that fails one is looked at row by row.
    """
    if len(entries) > request.depth:
        raise FeedFormatError(
            f"{len(entries)} rows for a depth of {request.depth} from {url}", url=url
        )
    if not entries:
        return ()
    app_ids = list(map(entry_app_id, entries))
    if not ids.every(app_ids):
        bad = next(e for e in entries if not ids.one(e.app_id))
        raise FeedFormatError(
            f"app id {quoted(bad.app_id)} at rank {bad.rank} is not {ids.what} from {url}",
            url=url,
        )
    if len(set(app_ids)) != len(app_ids):
        seen: set[str] = set()
        for again in entries:  # stops at the first id seen before: there is one
            if again.app_id in seen:
                break
            seen.add(again.app_id)
        raise FeedFormatError(
            f"app {quoted(again.app_id, bare=True)} appears twice (again at rank "
            f"{again.rank}) from {url}",
            url=url,
        )
    if not all(map(str.strip, map(_NAME, entries))):
        empty = next(e for e in entries if not e.name.strip())
        raise FeedFormatError(f"result {empty.rank} has an empty name from {url}", url=url)
    texts = [text for getter in _TEXTS for text in filter(None, map(getter, entries))]
    if any_needs_cleaning(texts):
        return tuple(_cleaned(e, url) if any_needs_cleaning(_texts(e)) else e for e in entries)
    return tuple(entries)


_NAME = attrgetter("name")
_TEXTS = tuple(
    attrgetter(f)
    for f in ("name", "developer", "bundle_id", "icon_url", "url", "genre", "installs")
)


def _texts(entry: ChartEntry) -> list[str]:
    return [text for getter in _TEXTS if (text := getter(entry))]


def _cleaned(entry: ChartEntry, url: str) -> ChartEntry:
    name = clean_text(entry.name)
    if not name.strip():
        raise FeedFormatError(f"result {entry.rank} has an empty name from {url}", url=url)

    def optional(text: str | None) -> str | None:
        return (clean_text(text).strip() or None) if text is not None else None

    return entry._replace(
        name=name,
        developer=optional(entry.developer),
        bundle_id=optional(entry.bundle_id),
        icon_url=optional(entry.icon_url),
        url=optional(entry.url),
        genre=optional(entry.genre),
        installs=optional(entry.installs),
    )
