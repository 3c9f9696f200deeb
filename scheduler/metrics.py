"""The daemon's Prometheus `/metrics` (`[daemon] metrics = "127.0.0.1:9464"`, `--metrics`).

One collector on the daemon's own `CollectorRegistry` (not prometheus_client's global one, so
nothing else a library registers is served), answering each scrape with:

- the in-process counts of `tracker.metrics` (cycles, fetches, retries, pauses, rows stored,
  alert events and deliveries), which the code paths that do the work count as they go;
- per tracked chart, its last success and consecutive failures, read from the database at scrape
  time by the same `chart_status` that `apprank status --json` prints, so the two agree; and the
  database's size.

A database that cannot be read costs those series (and counts a scrape error), never the scrape.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from tracker.config.daemon import parse_address
from tracker.errors import StoreError, UsageError
from tracker.metrics import (
    CYCLE_DURATION,
    CYCLES,
    IN_PROCESS,
    LAST_CYCLE,
    METRICS,
    Counts,
    Series,
)
from tracker.models import ChartKey
from tracker.store.daemon_state import CycleSummary
from tracker.store.reads import chart_status
from tracker.store.size import database_size
from tracker.timeutil import to_epoch

log = logging.getLogger("apprank.metrics")

CHART_LABELS = ("source", "country", "chart", "category", "device")
# Read from the database at each scrape.
CHART_LAST_SUCCESS = Series(
    "apprank_chart_last_success_timestamp_seconds",
    "gauge",
    "When each tracked chart was last fetched and stored (Unix time); absent if never.",
    CHART_LABELS,
)
CHART_FAILURES = Series(
    "apprank_chart_consecutive_failures",
    "gauge",
    "Failed attempts of each tracked chart since its last success (all of them if none).",
    CHART_LABELS,
)
DATABASE_SIZE = Series("apprank_database_size_bytes", "gauge", "Size of the database.")
SCRAPE_ERRORS = Series(
    "apprank_metrics_database_errors_total",
    "counter",
    "Scrapes whose database series could not be read (the error is logged).",
)
FROM_DATABASE = (CHART_LAST_SUCCESS, CHART_FAILURES, DATABASE_SIZE, SCRAPE_ERRORS)


def cycle_outcome(summary: CycleSummary) -> str:
    """ok: no chart failed; partial: some stored, some failed; failed: none stored; stopped."""
    if summary.note and summary.note.startswith("stopped"):
        return "stopped"
    if summary.failed == 0:
        return "ok"
    return "failed" if summary.ok == 0 else "partial"


def count_cycle(summary: CycleSummary, counts: Counts = METRICS) -> None:
    """A finished cycle's count, duration and (when it did its work) end time."""
    outcome = cycle_outcome(summary)
    counts.count(CYCLES, summary.track, outcome)
    seconds = (summary.finished_at - summary.started_at).total_seconds()
    counts.observe(CYCLE_DURATION, summary.track, value=seconds)
    if outcome in ("ok", "partial"):
        counts.set(LAST_CYCLE, summary.track, value=float(to_epoch(summary.finished_at)))


def _family(series: Series) -> Metric:
    names = list(series.labels)
    if series.kind == "counter":
        return CounterMetricFamily(series.name, series.help, labels=names)
    if series.kind == "gauge":
        return GaugeMetricFamily(series.name, series.help, labels=names)
    return HistogramMetricFamily(series.name, series.help, labels=names)


class ApprankCollector(Collector):
    """Every `apprank_*` series; `keys` gives the tracked charts (read again at each scrape,
    so a configuration reload is followed)."""

    def __init__(
        self, engine: Engine, keys: Callable[[], Sequence[ChartKey]], counts: Counts = METRICS
    ) -> None:
        self.engine = engine
        self.keys = keys
        self.counts = counts
        self._lock = threading.Lock()
        self._errors = 0

    def describe(self) -> Iterator[Metric]:
        """Each series without samples: the names this collector exports."""
        for series in (*IN_PROCESS, *FROM_DATABASE):
            yield _family(series)

    def collect(self) -> Iterator[Metric]:
        for series in IN_PROCESS:
            yield self._in_process(series)
        yield from self._from_database()

    def _in_process(self, series: Series) -> Metric:
        family = _family(series)
        if isinstance(family, HistogramMetricFamily):
            for labels, histogram in sorted(self.counts.observed(series)):
                buckets = histogram.cumulative(series.buckets)
                family.add_metric(list(labels), buckets, histogram.total)
        else:
            for labels, value in sorted(self.counts.samples(series)):
                family.add_metric(list(labels), value)  # type: ignore[attr-defined]
        return family

    def _from_database(self) -> Iterator[Metric]:
        last = GaugeMetricFamily(
            CHART_LAST_SUCCESS.name, CHART_LAST_SUCCESS.help, labels=CHART_LABELS
        )
        failures = GaugeMetricFamily(CHART_FAILURES.name, CHART_FAILURES.help, labels=CHART_LABELS)
        size = GaugeMetricFamily(DATABASE_SIZE.name, DATABASE_SIZE.help)
        try:
            statuses = chart_status(self.engine, list(self.keys()))
            size.add_metric([], float(database_size(self.engine)))
        except StoreError as exc:
            log.warning("metrics: database series not read: %s", exc)
            with self._lock:
                self._errors += 1
            statuses = []
        for status in statuses:
            key = status.key
            labels = [key.source, key.country, key.chart, key.category, key.device]
            if status.last_success_at is not None:
                last.add_metric(labels, float(to_epoch(status.last_success_at)))
            failures.add_metric(labels, float(status.failures))
        errors = CounterMetricFamily(SCRAPE_ERRORS.name, SCRAPE_ERRORS.help)
        errors.add_metric([], float(self._errors))
        yield from (last, failures, size, errors)


def exported_names(collector: Collector) -> set[str]:
    """Every sample name a scrape may carry (`_total`, `_bucket`, `_sum`, `_count` included),
    from the collector's own description: what dashboards and rules may use."""
    names: set[str] = set()
    describe = getattr(collector, "describe")  # noqa: B009 - the Protocol does not declare it
    for family in describe():
        if family.type == "counter":
            names.add(f"{family.name}_total")
        elif family.type == "histogram":
            names.update(f"{family.name}_{suffix}" for suffix in ("bucket", "sum", "count"))
        else:
            names.add(family.name)
    return names


@dataclass
class MetricsServer:
    """The /metrics HTTP server's thread; `stop()` ends it."""

    server: WSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        shown = host.decode() if isinstance(host, bytes) else host
        return (
            f"http://[{shown}]:{port}/metrics" if ":" in shown else f"http://{shown}:{port}/metrics"
        )

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def serve_metrics(
    address: str, engine: Engine, keys: Callable[[], Sequence[ChartKey]], *, option: str
) -> MetricsServer:
    """Serve the daemon's metrics at `address` from a thread; UsageError (exit 2) naming
    `option` when the address is bad or cannot be bound (in use, not this machine's)."""
    try:
        host, port = parse_address(address)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ApprankCollector(engine, keys))
    try:
        server, thread = start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        raise UsageError(f"{option}: cannot listen on {address}: {exc.strerror or exc}") from None
    served = MetricsServer(server, thread)
    log.info("serving metrics at %s", served.url)
    return served
