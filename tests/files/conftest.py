"""Export/import tests: the story history (tests/query/story.py) in a SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.query.story import build_story
from tracker.store.engine import open_engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A fresh, empty SQLite database."""
    engine = open_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def story(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'story.db'}")
    build_story(engine)
    yield engine
    engine.dispose()
