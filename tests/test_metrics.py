"""tracker/metrics.py: the in-process counts the daemon's /metrics exports, and the code paths
that feed them (a host pause, a snapshot written)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tracker.fetch.http import HttpSettings
from tracker.fetch.pauses import HostGate
from tracker.metrics import (
    CHART_FETCHES,
    CYCLE_DURATION,
    HTTP_PAUSES,
    LAST_CYCLE,
    METRICS,
    RANK_ROWS,
    SNAPSHOTS,
    Counts,
    Series,
)
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.store.engine import open_engine
from tracker.store.writer import Attempt, SnapshotWriter
from tracker.timeutil import utcnow


def test_counters_add_per_label_set_and_gauges_keep_the_last_value() -> None:
    counts = Counts()
    counts.count(CHART_FETCHES, "apple", "ok")
    counts.count(CHART_FETCHES, "apple", "ok", amount=2)
    counts.count(CHART_FETCHES, "apple", "timeout")
    counts.set(LAST_CYCLE, "apple", value=10.0)
    counts.set(LAST_CYCLE, "apple", value=20.0)
    assert sorted(counts.samples(CHART_FETCHES)) == [
        (("apple", "ok"), 3.0),
        (("apple", "timeout"), 1.0),
    ]
    assert counts.samples(LAST_CYCLE) == [(("apple",), 20.0)]


def test_a_histogram_puts_a_value_on_a_bound_in_that_bucket() -> None:
    counts = Counts()
    for seconds in (0.2, 1.0, 1.5, 4000.0):
        counts.observe(CYCLE_DURATION, "apple", value=seconds)
    [(labels, histogram)] = counts.observed(CYCLE_DURATION)
    cumulative = dict(histogram.cumulative(CYCLE_DURATION.buckets))
    assert labels == ("apple",)
    assert (cumulative["0.5"], cumulative["1.0"], cumulative["2.5"]) == (1.0, 2.0, 3.0)
    assert (cumulative["1800.0"], cumulative["+Inf"], histogram.total) == (3.0, 4.0, 4002.7)


def test_a_wrong_call_is_refused_at_once() -> None:
    counts = Counts()
    with pytest.raises(TypeError, match="apprank_chart_fetches_total is a counter"):
        counts.count(CHART_FETCHES, "apple")  # one label short
    with pytest.raises(TypeError, match="is a counter"):
        counts.set(CHART_FETCHES, "apple", "ok", value=1.0)


def test_counts_from_many_threads_add_up() -> None:
    counts = Counts()

    def work() -> None:
        for _ in range(2000):
            counts.count(SNAPSHOTS)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counts.samples(SNAPSHOTS) == [((), 8000.0)]


def value(labels: tuple[str, ...], series: Series) -> float:
    return dict(METRICS.samples(series)).get(labels, 0.0)


def test_a_host_pause_is_counted_once_per_pause() -> None:
    gate = HostGate(HttpSettings(pause_after=2, pause_initial=30.0))
    before = value(("feeds.example:8443",), HTTP_PAUSES)
    for _ in range(4):  # two pauses: after the 2nd and the 4th throttled answer
        gate.record("feeds.example:8443", 429, None)
    gate.record("feeds.example:8443", 200, None)
    assert value(("feeds.example:8443",), HTTP_PAUSES) - before == 2.0


def test_the_writer_counts_snapshots_and_only_new_rank_rows(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'apprank.db'}")
    writer = SnapshotWriter(engine)
    key = ChartKey("apple", "us", "top-free")
    entries = tuple(ChartEntry(rank, str(rank), f"App {rank}") for rank in range(1, 4))
    snapshots, rows = value((), SNAPSHOTS), value((), RANK_ROWS)
    now = utcnow()
    for _ in range(2):  # the same chart twice: one ranking, stored once
        snapshot = ChartSnapshot(ChartRequest(key, 3), entries, now)
        writer.save(snapshot, now, Attempt(now, 5, "ok", 200))
    assert (value((), SNAPSHOTS) - snapshots, value((), RANK_ROWS) - rows) == (2.0, 3.0)
    engine.dispose()
