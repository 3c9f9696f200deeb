"""The pages in a real browser: Debian's Chromium driven by Playwright, against the server on
a free loopback port, on a demo database (the simulated market, fetched by the real path).

What only a browser shows: the chart is drawn, the current rank is the store's, hovering a point
shows its rank and time, the page loads nothing from another host, the CSP holds (no inline
script or style is refused), and the tables read the same with JavaScript off.

Skipped, saying why, where Chromium is not installed (.ci/run installs it with apt-get) or
Playwright is missing. Never `playwright install`: the browser is the system's.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine

from tests.query.story import DEEPSEEK
from tests.web.pages_story import served_app
from tracker.models import ChartKey
from tracker.store.reads import latest_chart
from tracker.timeutil import utcnow

# End to end in child processes (the demo, the daemon, the installed command, a browser): the
# minimum-versions pass of .ci/run leaves these out (see there).
pytestmark = pytest.mark.slow

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = os.environ.get("APPRANK_CHROMIUM", "/usr/bin/chromium")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
uvicorn = pytest.importorskip("uvicorn")

# As the probe of this machine starts it (root, headless, no background traffic to Google).
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
COUNTRIES = ["us", "gb", "jp"]
TRACKED = tuple(ChartKey("apple", c, "top-free") for c in COUNTRIES)


@dataclass
class Served:
    base: str
    engine: Engine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    from tracker.demo.pipeline import build_history
    from tracker.store.engine import open_engine

    # Twelve simulated hours from DeepSeek's first #1 in the US (06:00) onwards.
    history = build_history(
        tmp_path_factory.mktemp("demo") / "demo",
        start=datetime(2025, 1, 27, 3, tzinfo=UTC),
        days=0.5,
        countries=COUNTRIES,
    )
    engine = open_engine(f"sqlite:///{history.database}", read_only=True)
    # The whole app `apprank serve` runs, its CSP header included (the browser enforces it).
    app = served_app(
        history.database,
        {"deepseek": DEEPSEEK},
        [{"countries": COUNTRIES, "charts": ["top-free"]}],
        clock=utcnow,
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield Served(f"http://127.0.0.1:{port}", engine)
    server.should_exit = True
    thread.join(10)
    engine.dispose()


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Browser]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


class Watched:
    """A page whose requests and console errors are recorded."""

    def __init__(self, browser: Browser, *, javascript: bool = True) -> None:
        self.context = browser.new_context(java_script_enabled=javascript)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def close(self) -> None:
        self.context.close()


def test_the_overview_and_the_app_page_in_a_browser(browser: Browser, served: Served) -> None:
    us = latest_chart(served.engine, TRACKED[0])
    assert us is not None
    leader = us.entries[0]
    deepseek = next(e for e in us.entries if e.app_id == DEEPSEEK)
    watched = Watched(browser)
    page = watched.page
    try:
        page.goto(served.base + "/")
        assert page.locator("h1").inner_text() == "What happened lately"
        cell = page.locator('tr[data-country="us"] td[data-state="ranked"] a').first
        assert cell.inner_text() == leader.name
        assert page.locator("p.simulated").is_visible()

        page.goto(served.base + "/app/deepseek?country=us,gb")
        points = page.locator('svg.chart circle.point[data-series~="0"]')  # the US line's
        assert points.count() >= 12  # an hourly point each simulated hour it was ranked
        box = page.locator("svg.chart").first.bounding_box()
        assert box is not None and box["width"] > 600  # drawn, as wide as the page
        last = page.locator('tr[data-country="us"] td.rank').inner_text()
        assert last == f"#{deepseek.rank}"  # the US chart's latest snapshot

        point = points.last
        rank, at = point.get_attribute("data-rank"), point.get_attribute("data-at")
        assert rank == str(deepseek.rank)
        point.hover()
        tip = page.locator("div.tooltip")
        tip.wait_for(state="visible", timeout=2000)
        # A point GB shares (both #1 then) names both countries.
        text = tip.inner_text()
        assert text.startswith("DeepSeek - AI Assistant · United States")
        assert text.endswith(f": #{rank} at {at}")
        assert text == point.get_attribute("aria-label")

        off_host = [url for url in watched.requests if not url.startswith(served.base + "/")]
        assert off_host == []
        assert watched.errors == []  # no CSP refusal, no script error
    finally:
        watched.close()


def test_the_tables_read_the_same_without_javascript(browser: Browser, served: Served) -> None:
    watched = Watched(browser, javascript=False)
    try:
        watched.page.goto(served.base + "/app/deepseek?country=us,gb,de")
        rows = watched.page.locator("table.stats tbody tr")
        assert [rows.nth(i).get_attribute("data-state") for i in range(3)] == [
            "ranked",
            "ranked",
            "no_data",
        ]
        assert watched.page.locator("svg.chart circle.point").count() > 0
        assert all(url.startswith(served.base + "/") for url in watched.requests)
    finally:
        watched.close()
