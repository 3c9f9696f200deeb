"""The server on PostgreSQL: one request per route family answers as it does on SQLite (the
same story, the same JSON, bytes and pictures), through read-only sessions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.query.story import build_story, story_folder
from tests.web.served import TRACKS, Client, make_app
from tracker.store.engine import open_engine

URLS = [
    "/api/v1/top?country=us",
    "/api/v1/history?app=deepseek&app=chatgpt&country=us,gb",
    "/api/v1/movers?country=us&since=2h",
    "/api/v1/compare?app=deepseek&app=chatgpt",
    "/api/v1/leaders?app=deepseek",
    "/api/v1/stats?app=chatgpt",
    "/api/v1/status",
    "/api/v1/apps?q=chat",
    "/api/v1/export.csv?country=gb",
    "/api/v1/export.jsonl?app=deepseek",
    "/chart/grid.svg?app=deepseek&country=us,gb",
]


def client_on(config: Path) -> Iterator[Client]:
    app, context = make_app(config)
    yield Client(app)
    context.workers.close()


@pytest.fixture(scope="module")
def sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    yield from client_on(story_folder(tmp_path_factory.mktemp("lite"), TRACKS))


@pytest.fixture
def postgres(pg_url: str, tmp_path: Path) -> Iterator[Client]:
    build_story(open_engine(pg_url))
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "{pg_url}"\n'
        '[apps]\ndeepseek = "6737597349"\nchatgpt = "6448311069"\n' + TRACKS,
        encoding="utf-8",
    )
    yield from client_on(config)


@pytest.mark.postgres
def test_every_route_family_answers_on_postgresql_as_on_sqlite(
    postgres: Client, sqlite: Client
) -> None:
    for url in URLS:
        there, here = postgres.get(url), sqlite.get(url)
        assert (there.status_code, here.status_code) == (200, 200), (url, there.text)
        assert there.content == here.content, url
