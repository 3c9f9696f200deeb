"""Every query test runs on a SQLite file and on PostgreSQL: the same SQL must answer alike.

`story` (the history in story.py) is built once per module and engine, for tests that only
read; tests that add rows take a fresh `engine` and build what they need.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.query.engines import pg_engine
from tests.query.story import build_story
from tracker.store.engine import open_engine

ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextmanager
def make_engine(kind: str, folder: Path) -> Iterator[Engine]:
    if kind == "sqlite":
        engine = open_engine(f"sqlite:///{folder / 'apprank.db'}")
        yield engine
        engine.dispose()
    else:
        with pg_engine() as engine:
            yield engine


@pytest.fixture(scope="module", params=ENGINES)
def story(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """An engine holding the history drawn in tests/query/story.py (do not add to it)."""
    with make_engine(request.param, tmp_path_factory.mktemp("story")) as engine:
        build_story(engine)
        yield engine


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh, empty database."""
    with make_engine(request.param, tmp_path) as engine:
        yield engine
