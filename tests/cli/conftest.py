"""`apprank` run in process through `tracker.cli.main`, exactly as the console script runs it
(typer's runner would skip main's one-line handling of usage errors)."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.query.story import story_folder
from tracker.cli import main


class Result(NamedTuple):
    code: int
    stdout: str
    stderr: str


Apprank = Callable[..., Result]


@pytest.fixture
def apprank(capsys: pytest.CaptureFixture[str]) -> Apprank:
    def run(*args: str | Path) -> Result:
        capsys.readouterr()
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        else:  # pragma: no cover - main always exits
            code = 0
        finally:
            gc.unfreeze()  # main freezes start-up objects; a test process lives on
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="module")
def story_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config whose database holds the story history (tests/query/story.py); read-only use."""
    return story_folder(tmp_path_factory.mktemp("cli-story"))
