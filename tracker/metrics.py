"""The process's own counts, for the daemon's Prometheus `/metrics` (scheduler/metrics.py).

Foundation on purpose: the fetch layer (HTTP retries, host pauses, chart fetches), the store
(snapshots and rank rows written), the alerts (events, deliveries) and the daemon (cycles) all
count here, and none of them may import the daemon, which reads these counts when scraped. Pure
Python, with no prometheus_client: a count is a dictionary update under a lock, and commands
that never serve metrics pay nothing more.

Each series is declared once (`Series`), with its kind, help and label names; the collector
exports what is declared, so a name cannot be counted here and missing there. Label values are
chart keys, host names, track and target names: never a URL or a secret.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["counter", "gauge", "histogram"]

# Cycle durations: a small track takes a second, a full world of charts some minutes.
CYCLE_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)


@dataclass(frozen=True, slots=True)
class Series:
    """One exported series: its full Prometheus name, kind, help and label names."""

    name: str
    kind: Kind
    help: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] = ()


CYCLES = Series(
    "apprank_cycles_total",
    "counter",
    "Fetch cycles run, by track and outcome (ok: no chart failed; partial; failed: none "
    "stored; stopped).",
    ("track", "outcome"),
)
CYCLE_DURATION = Series(
    "apprank_cycle_duration_seconds",
    "histogram",
    "How long each fetch cycle took, by track.",
    ("track",),
    CYCLE_BUCKETS,
)
LAST_CYCLE = Series(
    "apprank_last_successful_cycle_timestamp_seconds",
    "gauge",
    "When the last cycle that was not failed or stopped ended (Unix time), by track.",
    ("track",),
)
CHART_FETCHES = Series(
    "apprank_chart_fetches_total",
    "counter",
    "Chart fetches, by source and outcome (ok, or the failed attempt's outcome).",
    ("source", "outcome"),
)
SNAPSHOTS = Series("apprank_snapshots_stored_total", "counter", "Snapshots stored.")
RANK_ROWS = Series(
    "apprank_rank_rows_stored_total",
    "counter",
    "Rank rows stored (an unchanged chart re-fetched stores none: rankings are shared).",
)
HTTP_RETRIES = Series(
    "apprank_http_retries_total", "counter", "HTTP requests retried, by host.", ("host",)
)
HTTP_PAUSES = Series(
    "apprank_http_pauses_total",
    "counter",
    "Pauses of every request to a host after repeated 429/403 answers, by host.",
    ("host",),
)
ALERT_EVENTS = Series("apprank_alert_events_total", "counter", "Alert events recorded.")
ALERT_DELIVERIES = Series(
    "apprank_alert_deliveries_total",
    "counter",
    "Alert events sent to a target, by target and outcome (ok, failed).",
    ("target", "outcome"),
)

# Every in-process series, in the order they are exported.
IN_PROCESS = (
    CYCLES,
    CYCLE_DURATION,
    LAST_CYCLE,
    CHART_FETCHES,
    SNAPSHOTS,
    RANK_ROWS,
    HTTP_RETRIES,
    HTTP_PAUSES,
    ALERT_EVENTS,
    ALERT_DELIVERIES,
)


@dataclass(slots=True)
class Histogram:
    """Observations of one label set: per-bucket counts (not cumulative), their sum."""

    counts: list[int]
    total: float = 0.0

    def cumulative(self, buckets: tuple[float, ...]) -> list[tuple[str, float]]:
        """(upper bound, observations at or below it), ending with "+Inf"."""
        out, running = [], 0
        for bound, count in zip((*map(str, buckets), "+Inf"), self.counts, strict=True):
            running += count
            out.append((bound, float(running)))
        return out


@dataclass
class Counts:
    """The counts of one process. Thread-safe: cycles, writers and delivery count at once."""

    values: dict[tuple[str, tuple[str, ...]], float] = field(default_factory=dict)
    histograms: dict[tuple[str, tuple[str, ...]], Histogram] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, series: Series, *labels: str, amount: float = 1.0) -> None:
        key = _key(series, labels, "counter")
        with self._lock:
            self.values[key] = self.values.get(key, 0.0) + amount

    def set(self, series: Series, *labels: str, value: float) -> None:
        key = _key(series, labels, "gauge")
        with self._lock:
            self.values[key] = value

    def observe(self, series: Series, *labels: str, value: float) -> None:
        key = _key(series, labels, "histogram")
        # bisect_left: an observation equal to a bound falls in that bound's bucket (le).
        index = bisect.bisect_left(series.buckets, value)
        with self._lock:
            histogram = self.histograms.get(key)
            if histogram is None:
                histogram = self.histograms[key] = Histogram([0] * (len(series.buckets) + 1))
            histogram.counts[index] += 1
            histogram.total += value

    def samples(self, series: Series) -> list[tuple[tuple[str, ...], float]]:
        """(label values, value) of a counter or gauge, a copy taken under the lock."""
        with self._lock:
            return [(labels, v) for (name, labels), v in self.values.items() if name == series.name]

    def observed(self, series: Series) -> list[tuple[tuple[str, ...], Histogram]]:
        with self._lock:
            return [
                (labels, Histogram(list(h.counts), h.total))
                for (name, labels), h in self.histograms.items()
                if name == series.name
            ]

    def clear(self) -> None:
        with self._lock:
            self.values.clear()
            self.histograms.clear()


def _key(series: Series, labels: tuple[str, ...], kind: Kind) -> tuple[str, tuple[str, ...]]:
    # A wrong call is a programming error, caught by the first test that takes the path.
    if series.kind != kind or len(labels) != len(series.labels):
        raise TypeError(f"{series.name} is a {series.kind} with labels {series.labels}")
    return series.name, labels


# The process's registry: whoever counts, counts here.
METRICS = Counts()
count = METRICS.count
