"""Chart sources: one module per feed format behind the `ChartSource` interface."""

from __future__ import annotations

from tracker.fetch.sources.apple import AppleSource
from tracker.fetch.sources.base import ChartSource
from tracker.fetch.sources.googleplay import GooglePlaySource
from tracker.fetch.sources.itunes import ItunesSource

SOURCES: dict[str, ChartSource] = {
    AppleSource.name: AppleSource(),
    ItunesSource.name: ItunesSource(),
    GooglePlaySource.name: GooglePlaySource(),
}

__all__ = [
    "SOURCES",
    "AppleSource",
    "ChartSource",
    "GooglePlaySource",
    "ItunesSource",
]
