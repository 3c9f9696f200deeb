"""What the page tests share: the query story (tests/query/story.py) in a SQLite file, with a
simulated chart, an alert that fired and a daemon's heartbeat and cycle beside it, and the
pages served by the whole app (create_app) over httpx's ASGI transport.

The story, as the pages read it: DeepSeek passes ChatGPT in the US (#1 at 02:05, #2 at 02:35,
#1 again at 04:05) and in GB (#1 from 03:06); JP's one snapshot, at 04:07, has YouTube at #1
and no DeepSeek (not in chart); DE was never fetched (no data). The US top-paid chart holds
one simulated snapshot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine

from tests.query.story import CHATGPT, DEEPSEEK, at, build_story
from tracker.alerts.events import AlertEvent
from tracker.alerts.store import Candidate, record_events
from tracker.config.load import config_from_dict
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.store.daemon_state import CycleSummary, Heartbeat, beat, record_cycle
from tracker.store.engine import open_engine
from tracker.store.writer import Attempt
from tracker.web.app import create_app
from tracker.web.server import web_context
from tracker.web.settings import WebSettings

US = ChartKey("apple", "us", "top-free")
GB = ChartKey("apple", "gb", "top-free")
JP = ChartKey("apple", "jp", "top-free")
DE = ChartKey("apple", "de", "top-free")
US_PAID = ChartKey("apple", "us", "top-paid")
APPS: dict[str, Any] = {"deepseek": DEEPSEEK, "chatgpt": CHATGPT}
NOW = at("04:10")
PAID_APP = ("1000000001", "Sim Paid Pro", "Sim Studio")


def build(folder: Path) -> Engine:
    engine = open_engine(f"sqlite:///{folder / 'apprank.db'}")
    writer = build_story(engine)
    paid = ChartSnapshot(
        ChartRequest(US_PAID, 1), (ChartEntry(1, *PAID_APP),), None, simulated=True
    )
    writer.save(paid, at("04:05"), Attempt(at("04:05"), 100, "ok"))
    record_events(engine, [Candidate(_event(), None)], at("02:05"))
    beat(engine, Heartbeat("i1", "host1", 4242, "0", at("00:00"), NOW, 30.0, "running", 5))
    record_cycle(engine, CycleSummary("i1", "hourly", None, at("04:05"), at("04:06"), 5, 5, 0, 0))
    return engine


def _event() -> AlertEvent:
    return AlertEvent(
        event_id="e1",
        rule="deepseek-number-one",
        when="rank <= 1",
        app_id=DEEPSEEK,
        app_name="DeepSeek - AI Assistant",
        key=US,
        rank=1,
        previous_rank=2,
        depth=3,
        previous_depth=3,
        captured_at=at("02:05"),
        previous_captured_at=at("01:05"),
        snapshot_id=5,
        message="DeepSeek - AI Assistant is now #1 on the US top-free chart (was #2)",
    )


def served_app(
    database: Path, apps: dict[str, Any], tracks: list[dict[str, Any]], *, clock: Any = None
) -> FastAPI:
    """The whole app `apprank serve` builds (create_app: the pages, their static files, the
    security headers) over `database`, opened read-only, with `apps` and `tracks` as the
    config's [apps] and [[track]]."""
    config = config_from_dict(
        {"database": {"url": f"sqlite:///{database}"}, "apps": apps, "track": tracks}
    )
    return create_app(web_context(config, WebSettings(), clock=clock or (lambda: NOW)))


def pages_app(folder: Path) -> FastAPI:
    """The story's pages: the US, GB, JP and DE top-free charts and the US top-paid tracked."""
    tracks = [
        {"countries": ["us", "gb", "jp", "de"], "charts": ["top-free"]},
        {"countries": ["us"], "charts": ["top-paid"]},
    ]
    return served_app(folder / "apprank.db", APPS, tracks)


class Client:
    """GET over httpx's ASGI transport, one event loop per request."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def get(self, url: str) -> httpx.Response:
        async def fetch() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                return await c.get(url)

        return asyncio.run(fetch())


def story_client(folder: Path) -> Iterator[Client]:
    build(folder).dispose()
    yield Client(pages_app(folder))
