"""What the page tests share: the query story (tests/query/story.py) in a SQLite file, with a
simulated chart, an alert that fired and a daemon's heartbeat and cycle beside it, and the
pages served over httpx's ASGI transport.

The story, as the pages read it: DeepSeek passes ChatGPT in the US (#1 at 02:05, #2 at 02:35,
#1 again at 04:05) and in GB (#1 from 03:06); JP's one snapshot, at 04:07, has YouTube at #1
and no DeepSeek (not in chart); DE was never fetched (no data). The US top-paid chart holds
one simulated snapshot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from tests.query.story import CHATGPT, DEEPSEEK, at, build_story
from tracker.alerts.events import AlertEvent
from tracker.alerts.store import Candidate, record_events
from tracker.config.aliases import AppAlias
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.store.daemon_state import CycleSummary, Heartbeat, beat, record_cycle
from tracker.store.engine import open_engine
from tracker.store.writer import Attempt
from tracker.web import pages

US = ChartKey("apple", "us", "top-free")
GB = ChartKey("apple", "gb", "top-free")
JP = ChartKey("apple", "jp", "top-free")
DE = ChartKey("apple", "de", "top-free")
US_PAID = ChartKey("apple", "us", "top-paid")
TRACKED = (US, GB, JP, DE, US_PAID)
ALIASES = {"deepseek": AppAlias({"apple": DEEPSEEK}), "chatgpt": AppAlias({"apple": CHATGPT})}
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


def pages_app(engine: Engine, tracked: tuple[ChartKey, ...] = TRACKED) -> FastAPI:
    """The pages' router and static files on a bare FastAPI app, as create_app serves them."""
    app = FastAPI()
    app.state.pages = pages.Site(engine, ALIASES, tracked, clock=lambda: NOW)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")
    return app


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
    engine = build(folder)
    yield Client(pages_app(engine))
    engine.dispose()
