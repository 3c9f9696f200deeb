"""history() joins small selections in plain Python and large ones in NumPy: the same grids."""

from __future__ import annotations

import sys
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from tests.query.plain import plain
from tests.query.story import CHATGPT, DAY, DEEPSEEK
from tracker.config.selection import ChartSelection
from tracker.query import history as query
from tracker.query.history import history

CASES = [
    {"every": timedelta(hours=1)},
    {"every": timedelta(minutes=30)},
    {"every": timedelta(days=1)},
    {"every": timedelta(minutes=7), "selection": ChartSelection.of(countries=["us", "gb"])},
    {"since": DAY + timedelta(hours=1), "until": DAY + timedelta(hours=3)},
]


@pytest.mark.parametrize("scan_limit", [None, 0], ids=["read-whole", "read-in-range"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: ",".join(c))
def test_python_and_numpy_joins_give_identical_grids(
    story: Engine, monkeypatch: pytest.MonkeyPatch, case: dict[str, object], scan_limit: int | None
) -> None:
    if scan_limit is not None:
        monkeypatch.setattr(query, "ENTRY_SCAN_LIMIT", scan_limit)
        monkeypatch.setattr(query, "ENTRY_SCAN_PER_SNAPSHOT", 0)
    apps = [DEEPSEEK, CHATGPT, "1"]  # "1": never stored, not in any chart
    monkeypatch.setattr(query, "_numpy_loaded", lambda: False)  # a command, NumPy not loaded
    small = history(story, apps, **case)  # type: ignore[arg-type]
    monkeypatch.setattr(query, "SMALL_JOIN", 0)
    large = history(story, apps, **case)  # type: ignore[arg-type]
    monkeypatch.setattr(query, "SMALL_JOIN", 200_000)
    monkeypatch.setattr(query, "_numpy_loaded", lambda: True)  # a server: NumPy loaded at start
    served = history(story, apps, **case)  # type: ignore[arg-type]
    assert small, "the story has data in this range"
    assert {type(s.ranks).__module__ for s in small} == {"array"}
    assert {type(s.ranks).__module__ for s in large} == {"numpy"}
    assert {type(s.ranks).__module__ for s in served} == {"numpy"}
    assert plain(small) == plain(large) == plain(served)
    # Buckets of each state, so that the comparison covers all three.
    values = {v for s in small for v in s.ranks.tolist()}
    assert 0 in values and any(v >= 1 for v in values)
    if case.get("every") != timedelta(days=1):  # the story has an hour without data
        assert -1 in values


def test_the_small_join_imports_no_numpy(story: Engine) -> None:
    # In this process NumPy may be loaded already: the point is that the small path needs none.
    saved = {k: m for k, m in sys.modules.items() if k == "numpy" or k.startswith("numpy.")}
    for name in saved:
        sys.modules[name] = None  # type: ignore[assignment]  # importing it now raises
    try:
        series = history(story, [DEEPSEEK], every=timedelta(hours=1))
    finally:
        sys.modules.update(saved)
    assert series and series[0].ranks.typecode == "h" and series[0].starts.typecode == "q"
