"""The address of a chart's web page (`/chart/SOURCE/COUNTRY/CHART`, tracker/web/pages.py), for
the pages' own links and for the links alert messages carry under `[web] public_url`."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, urlencode

from tracker.config.facts import default_device
from tracker.models import ChartKey
from tracker.timeutil import isoformat_z


def chart_path(source: str, country: str, chart: str) -> str:
    """`/chart/SOURCE/COUNTRY/CHART`, each part escaped."""
    return "/chart/" + "/".join(quote(part, safe="") for part in (source, country, chart))


def chart_query(key: ChartKey, at: datetime | None = None) -> str:
    """What the page needs beyond its path: the genre and the device when they are not the
    defaults, and the time it stood at; "" when nothing."""
    query: dict[str, str] = {}
    if key.category != "all":
        query["category"] = key.category
    if key.device != default_device(key.source):
        query["device"] = key.device
    if at is not None:
        query["at"] = isoformat_z(at)
    return f"?{urlencode(query)}" if query else ""


def chart_page(key: ChartKey, at: datetime | None = None) -> str:
    """The page of `key` (as it stood at `at`), path and query."""
    return chart_path(key.source, key.country, key.chart) + chart_query(key, at)
