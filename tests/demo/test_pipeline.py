"""`apprank demo`: the seed story, offline, in one command.

The demo runs once per session (it takes tens of seconds). Its duration is a benchmark figure
(docs/performance.md), not a timed test.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.conftest import run_apprank
from tracker.config.selection import ChartSelection
from tracker.files.export import COLUMNS
from tracker.query.history import first_time_at_rank, history
from tracker.simulate import load_scenario
from tracker.store.engine import open_engine

# End to end in child processes (the demo, the daemon, the installed command, a browser): the
# minimum-versions pass of .ci/run leaves these out (see there).
pytestmark = pytest.mark.slow

SCENARIO = load_scenario("deepseek-2025")


def test_demo_finishes_and_writes_every_artifact(demo_run) -> None:
    out, result = demo_run
    assert result.code == 0, result.stderr
    for name in ("apprank.db", "rank.png", "grid.png", "leaders.png", "heatmap.png",
                 "history.csv", "config.toml"):  # fmt: skip
        assert (out / name).stat().st_size > 0, name
    assert (out / "rank.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "SIMULATED" in result.stdout
    assert result.stderr == ""


def test_the_story_read_back_from_the_database_is_the_scenarios(demo_run) -> None:
    out, result = demo_run
    engine = open_engine(f"sqlite:///{out / 'apprank.db'}")
    expect = SCENARIO.expect
    us = ChartSelection.of("top-free", country="us")
    assert first_time_at_rank(engine, expect.app_id, us, 1) == (expect.first_number_one_us)
    series = history(engine, [expect.app_id], ChartSelection.of("top-free"))
    assert len(series) == 57
    counts = {}
    for s in series:
        for at, rank in zip(s.times(), s.ranks, strict=True):
            counts[at] = counts.get(at, 0) + (rank == 1)
    peak = max(counts.values())
    assert peak == expect.peak_number_one_countries
    assert min(at for at, n in counts.items() if n == peak) == expect.peak_at
    assert f"first reached #1 in the US at {expect.first_number_one_us:%Y-%m-%dT%H:%M:%SZ}" in (
        result.stdout
    )
    assert f"#1 in {expect.peak_number_one_countries} countries" in result.stdout


def test_the_csv_export_holds_every_stored_rank(demo_run) -> None:
    out, result = demo_run
    with (out / "history.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(COLUMNS)  # the columns of `apprank export` (tests/demo: its bytes)
    stored = open_engine(f"sqlite:///{out / 'apprank.db'}")
    with stored.connect() as conn:
        expected = conn.exec_driver_sql("SELECT sum(s.depth_returned) FROM snapshot s").scalar()
    assert len(rows) - 1 == expected
    assert f"({expected} rows)" in result.stdout


def test_the_demo_prints_the_alerts_its_scenario_triggers(demo_run) -> None:
    _, result = demo_run
    assert "deepseek-passes-chatgpt: DeepSeek - AI Assistant overtook ChatGPT on the US" in (
        result.stdout
    )
    assert (
        "2025-01-27T06:00:00Z deepseek-number-one: DeepSeek - AI Assistant is now #1 on the US"
        in (result.stdout)
    )


def test_bad_demo_options_are_one_line_errors(tmp_path: Path) -> None:
    result = run_apprank("demo", "--out", tmp_path, "--countries", "us,zz")
    assert (result.code, result.stderr) == (
        2,
        "Error: --countries: 'zz' is not an App Store storefront code\n",
    )
    result = run_apprank("demo", "--out", tmp_path, "--scenario", "nope")
    assert result.code == 2
    assert result.stderr.startswith("Error: ") and "nope" in result.stderr
