"""Every command's --help, in click's plain layout: no `<bool>` after flags, brackets shown as
written, each prose paragraph of the docstring whole and wrapped only where the width makes it
(no stray line breaks), examples line by line, and the command listing's summaries uncut."""

from __future__ import annotations

import inspect
import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from typer.main import get_command

from tests.cli.conftest import Apprank
from tracker.cli import COMMANDS, SUMMARIES, app, load_all


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
    monkeypatch.setenv("COLUMNS", "1000")  # click still wraps at 80 columns


WIDTH = 78  # click's: 80 columns less its margin


def flat(text: str) -> str:
    return " ".join(text.split())


def examples(text: str) -> list[str]:
    """The docstring's indented lines (examples), stripped."""
    return [
        line.strip()
        for p in inspect.cleandoc(text).split("\n\n")
        if all(line.startswith(" ") for line in p.splitlines())
        for line in p.splitlines()
    ]


def description(out: str) -> list[list[str]]:
    """The help's text paragraphs (before Options:/Commands:), each as its lines."""
    text = out.split("\nOptions:")[0].split("\nArguments:")[0].split("\n\n")[1:]
    return [p.splitlines() for p in text]


@pytest.mark.parametrize("path", list(ALL), ids=lambda p: " ".join(p) or "apprank")
def test_help_is_shown_as_written(path: tuple[str, ...], apprank: Apprank, wide: None) -> None:
    result = apprank(*path, "--help")
    assert (result.code, result.stderr) == (0, "")
    out = result.stdout
    assert "<bool>" not in out
    assert "\\[" not in out
    shown = flat(out)
    for paragraph in prose(ALL[path].help or ""):
        assert flat(paragraph) in shown, paragraph
    lines = [line.strip() for line in out.splitlines()]
    for example in examples(ALL[path].help or ""):
        assert example in lines, example  # an example stays one line of its own
    for paragraph in description(out):
        if paragraph[0].startswith("    "):
            continue  # an example block
        for line, following in itertools.pairwise(paragraph):
            # A line ends only where the next word would not have fitted: no stray breaks.
            assert len(line) + 1 + len(following.split()[0]) > WIDTH, (line, following)
    listing = flat(out.split("Commands:")[-1]) if "Commands:" in out else ""
    for sub in getattr(ALL[path], "commands", {}).values():
        summary = prose(sub.help or "")[0]
        assert flat(summary) in listing, summary  # the listing: whole, not cut at 45 characters


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
    assert text in flat(apprank(*path, "--help").stdout)


def test_flags_have_no_placeholder(apprank: Apprank, wide: None) -> None:
    lines = apprank("export", "--help").stdout.splitlines()
    [raw] = [line for line in lines if line.startswith("  --raw ")]
    assert raw.split() == [
        "--raw", "Write", "text", "cells", "as", "stored", "(no", "formula", "guard).",
    ]  # fmt: skip
    [output] = [line for line in lines if line.startswith("  -o, --output ")]
    assert output.split()[2] == "TEXT"  # an option that takes a value keeps its placeholder


# The listing the commands themselves give, built in a fresh process: in this one, other tests
# may have registered the command modules in another order.
FROM_COMMANDS = """
from typer.main import get_command
from tracker.cli import load_all
from tracker.cli.base import app
from tracker.cli.helptext import tidy_help
load_all()
cli = get_command(app)
tidy_help(cli)
with cli.make_context("apprank", [], resilient_parsing=True) as ctx:
    print(cli.get_help(ctx))
"""


def test_the_listing_is_the_one_the_commands_give() -> None:
    """`apprank --help` prints from SUMMARIES, without importing every command module: it must
    be, byte for byte, the listing click makes from the commands themselves."""
    assert set(SUMMARIES) == set(COMMANDS)
    env = {**os.environ, "COLUMNS": "80"}
    from_commands = subprocess.run(
        [sys.executable, "-c", FROM_COMMANDS], capture_output=True, text=True, env=env, check=True
    ).stdout
    listing = subprocess.run(
        [sys.executable, "-m", "tracker", "--help"], capture_output=True, text=True, env=env
    )
    assert (listing.returncode, listing.stdout) == (0, from_commands)
