"""Tables print whole cells: plain aligned text when piped; on a terminal, columns that fit
(rich, sized by COLUMNS; TTY_COMPATIBLE=1 makes rich treat captured output as a terminal)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli.conftest import Apprank

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def tracked(story_config: Path, tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{story_config.parent / "apprank.db"}"\n'
        '[[track]]\ncountries = ["us", "gb", "jp"]\ncharts = ["top-free", "top-paid"]\n',
        encoding="utf-8",
    )
    return path


def terminal(monkeypatch: pytest.MonkeyPatch, columns: int) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("COLUMNS", str(columns))


def test_piped_top_is_plain_aligned_text(story_config: Path, apprank: Apprank) -> None:
    result = apprank("top", "--limit", "3", "--config", story_config)
    assert result.code == 0
    assert result.stdout.splitlines() == [
        "apple us top-free at 2025-01-26T04:05:00Z",
        "rank  previous  change      app_id  name                     developer",
        "   1         2      +1  6737597349  DeepSeek - AI Assistant  Hangzhou DeepSeek AI",
        "   2         -           310633997  WhatsApp Messenger       WhatsApp Inc.",
        "   3         1      -2  6448311069  ChatGPT                  OpenAI",
    ]


def test_piped_status_keeps_every_column_and_whole_times(
    tracked: Path, apprank: Apprank, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # a narrow terminal does not matter when piped
    lines = apprank("status", "--config", tracked).stdout.splitlines()
    assert lines[2] == "tracked charts"
    assert lines[3].split() == [
        "source", "country", "chart", "category", "device", "last_success_at",
        "last_attempt_at", "last_error", "failing_since", "failing_for", "snapshots",
    ]  # fmt: skip
    assert lines[4].split() == [
        "apple", "us", "top-free", "all", "iphone",
        "2025-01-26T04:05:00Z", "2025-01-26T04:05:00Z", "5",
    ]  # fmt: skip
    assert len(lines) == 4 + 6


def test_status_on_an_80_column_terminal_fits_without_cutting_times(
    tracked: Path, apprank: Apprank, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal(monkeypatch, 80)
    out = ANSI.sub("", apprank("status", "--config", tracked).stdout)
    lines = [line.rstrip() for line in out.splitlines()]
    assert max(len(line) for line in lines) <= 80
    assert "…" not in out
    # Columns holding one value in every row are said once, in the title.
    assert lines[2] == "tracked charts: source apple, category all, device iphone"
    assert lines[3].split() == [
        "country", "chart", "last_success_at", "last_error", "failing_for", "snapshots",
    ]  # fmt: skip
    assert lines[4].split() == ["us", "top-free", "2025-01-26T04:05:00Z", "5"]
    assert lines[5].split() == ["us", "top-paid", "0"]


def test_top_on_an_80_column_terminal_wraps_only_names(
    story_config: Path, apprank: Apprank, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal(monkeypatch, 80)
    out = ANSI.sub("", apprank("top", "--limit", "3", "--config", story_config).stdout)
    lines = [line.rstrip() for line in out.splitlines()]
    assert max(len(line) for line in lines) <= 80
    assert "…" not in out
    assert lines[0] == "apple us top-free at 2025-01-26T04:05:00Z"
    assert lines[1].split() == ["rank", "previous", "change", "app_id", "name", "developer"]
    assert lines[2].split()[:4] == ["1", "2", "+1", "6737597349"]


def test_a_terminal_too_narrow_for_whole_cells_gets_the_plain_layout(
    tracked: Path, apprank: Apprank, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal(monkeypatch, 40)
    out = ANSI.sub("", apprank("status", "--config", tracked).stdout)
    assert "…" not in out
    assert "apple   us       top-free  all       iphone  2025-01-26T04:05:00Z" in out


HOSTILE = "Evil\x1b]0;pwned\x07 [red]App[/] \x1b[2J\x9b"


@pytest.fixture
def hostile_config(tmp_path: Path) -> Path:
    """A database written before names were cleaned at parse time: a name with ESC/OSC
    sequences and rich markup, stored as it came."""
    from datetime import UTC, datetime

    from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
    from tracker.store.engine import open_engine
    from tracker.store.writer import Attempt, SnapshotWriter

    engine = open_engine(f"sqlite:///{tmp_path / 'apprank.db'}")
    at = datetime(2025, 1, 27, 6, tzinfo=UTC)
    entries = (ChartEntry(1, "1", HOSTILE, "Dev"), ChartEntry(2, "2", "Plain", "Dev"))
    snapshot = ChartSnapshot(ChartRequest(ChartKey("apple", "us", "top-free"), 2), entries, at)
    SnapshotWriter(engine).save(snapshot, at, Attempt(at, 5, "ok", 200))
    engine.dispose()
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "apprank.db"}"\n')
    return path


@pytest.mark.parametrize("where", ["piped", "terminal"])
def test_names_cannot_drive_the_terminal_or_carry_markup(
    hostile_config: Path, apprank: Apprank, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    if where == "terminal":
        terminal(monkeypatch, 200)
    result = apprank("top", "--config", hostile_config)
    assert result.code == 0
    shown = ANSI.sub("", result.stdout)  # rich's own styling of the header, on a terminal
    assert "Evil\\x1b]0;pwned\\x07 [red]App[/] \\x1b[2J\\x9b" in shown
    assert not any(c in shown for c in "\x1b\x07\x9b")
