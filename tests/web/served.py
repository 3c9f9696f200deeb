"""What the server tests share: the query story (tests/query/story.py) in a SQLite file with a
config tracking its US and GB charts, the whole app (`create_app`) over it as `apprank serve`
builds it, and a client speaking to it through httpx's ASGI transport (no socket).

The story, in short: depth-3 top-free charts on 2025-01-26; DeepSeek passes ChatGPT in the US
at 02:05 (#1), falls back at 02:35 and is #1 again at 04:05; in GB it is #1 from 03:06; JP has
one snapshot (04:07) without it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from scheduler.health import probe
from tests.query.story import story_folder
from tracker.config.load import load_config
from tracker.web.app import create_app
from tracker.web.context import WebContext
from tracker.web.server import web_context
from tracker.web.settings import WebSettings

TOKEN = "Zq3xT9vLk2Pw8RmN4bYc7QeH"
TRACKS = '[[track]]\ncountries = ["us", "gb"]\ncharts = ["top-free"]\n'


def story_config(folder: Path, web: str = "") -> Path:
    """The story's database and a config.toml for it (aliases deepseek and chatgpt, a track
    of the US and GB top-free charts, and `web` as its [web] section)."""
    return story_folder(folder, TRACKS + (f"[web]\n{web}\n" if web else ""))


def make_app(
    config_path: Path,
    *,
    token: str | None = None,
    hook: Callable[[str], None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[FastAPI, WebContext]:
    """The app `apprank serve --config CONFIG_PATH [--token TOKEN]` serves."""
    config = load_config(config_path)
    settings = WebSettings.of(config.web, token=token, environ=environ or {})
    context = web_context(config, settings)
    context.health = probe(config, context.engine, context.clock)
    context.hook = hook
    context.workers.hook = hook
    return create_app(context), context


class Client:
    """Requests to `app` over the ASGI transport, each on its own event loop (`get`), or
    several on one (`gather`)."""

    def __init__(self, app: FastAPI, headers: Mapping[str, str] | None = None) -> None:
        self.app = app
        self.headers = dict(headers or {})

    def session(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        return httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=self.headers
        )

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.call("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.call("POST", url, **kwargs)

    def call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def one() -> httpx.Response:
            async with self.session() as client:
                return await client.request(method, url, **kwargs)

        return asyncio.run(one())
