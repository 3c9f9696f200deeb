"""Every command's --help: no `<bool>` after flags, brackets shown as written (not read as rich
markup), and each prose paragraph of the docstring on one line (COLUMNS is wide here)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pytest
from typer.main import get_command

from tests.cli.conftest import Apprank
from tracker.cli import app, load_all


def commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from commands(sub, (*path, name))


load_all()
ALL = dict(commands(get_command(app)))


def prose(text: str) -> list[str]:
    """The docstring's prose paragraphs, each as one line (indented examples left out)."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return [
        " ".join(line.strip() for line in p.splitlines())
        for p in paragraphs
        if not all(line.startswith(" ") for line in p.splitlines())
    ]


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "1000")


@pytest.mark.parametrize("path", list(ALL), ids=lambda p: " ".join(p) or "apprank")
def test_help_is_shown_as_written(path: tuple[str, ...], apprank: Apprank, wide: None) -> None:
    result = apprank(*path, "--help")
    assert (result.code, result.stderr) == (0, "")
    out = result.stdout
    assert "<bool>" not in out
    assert "\\[" not in out
    lines = [line.strip(" │") for line in out.splitlines()]
    for paragraph in prose(ALL[path].help or ""):
        assert any(paragraph in line for line in lines), paragraph
    for sub in getattr(ALL[path], "commands", {}).values():
        summary = prose(sub.help or "")[0]
        assert any(summary in line for line in lines), summary  # the listing: whole, one line


@pytest.mark.parametrize(
    ("path", "text"),
    [
        (("fetch",), "Only this [[track]]."),
        (("chart",), "Apps: store ids, [apps] aliases or parts of names."),
        (("chart",), "(default: a PNG in [charts] output_dir)."),
        (("history",), "Store ids, [apps] aliases or names."),
    ],
)
def test_brackets_are_text_not_markup(
    path: tuple[str, ...], text: str, apprank: Apprank, wide: None
) -> None:
    assert text in apprank(*path, "--help").stdout


def test_flags_have_no_placeholder(apprank: Apprank, wide: None) -> None:
    lines = apprank("export", "--help").stdout.splitlines()
    [raw] = [line for line in lines if line.startswith("│ --raw ")]
    assert raw.split("│")[1].split() == [
        "--raw", "Write", "text", "cells", "as", "stored", "(no", "formula", "guard).",
    ]  # fmt: skip
    [output] = [line for line in lines if line.startswith("│ --output ")]
    assert "<str>" in output  # an option that takes a value keeps its placeholder
