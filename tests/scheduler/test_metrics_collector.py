"""scheduler/metrics.py on a real database: what a scrape says per chart is what `apprank
status --json` says, in-process counts come out as Prometheus text, and a port in use is one
error line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from scheduler.metrics import (
    ApprankCollector,
    count_cycle,
    cycle_outcome,
    exported_names,
    serve_metrics,
)
from tracker.config.daemon import parse_address
from tracker.errors import UsageError
from tracker.metrics import ALERT_DELIVERIES, CHART_FETCHES, Counts
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.query.current import status_rows
from tracker.store.daemon_state import CycleSummary
from tracker.store.engine import open_engine
from tracker.store.size import database_size
from tracker.store.writer import Attempt, SnapshotWriter
from tracker.timeutil import to_epoch

US, GB, JP = (ChartKey("apple", cc, "top-free") for cc in ("us", "gb", "jp"))
T = datetime(2025, 1, 27, tzinfo=UTC)


def hours(n: float) -> datetime:
    return T + timedelta(hours=n)


def scrape(collector: ApprankCollector) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, sorted labels) -> value, as Prometheus would read the text."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    text = generate_latest(registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def chart_labels(key: ChartKey) -> tuple[tuple[str, str], ...]:
    labels = {"source": key.source, "country": key.country, "chart": key.chart}
    return tuple(sorted({**labels, "category": key.category, "device": key.device}.items()))


def test_per_chart_series_agree_with_status_json(db_url: str) -> None:
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    entries = (ChartEntry(1, "1", "A"), ChartEntry(2, "2", "B"))
    writer.save(
        ChartSnapshot(ChartRequest(US, 2), entries, hours(0)),
        hours(0),
        Attempt(hours(0), 5, "ok", 200),
    )
    writer.record_failure(US, Attempt(hours(1), 5, "http_error", 503, "HTTP 503"))
    for n in (1, 2, 3):  # never a success
        writer.record_failure(GB, Attempt(hours(n), 5, "timeout", None, "timed out"))
    collector = ApprankCollector(engine, lambda: [US, GB, JP], Counts())
    samples = scrape(collector)
    rows = {row["country"]: row for row in status_rows(engine, [US, GB, JP], hours(4))}
    last = "apprank_chart_last_success_timestamp_seconds"
    failures = "apprank_chart_consecutive_failures"
    assert samples[(last, chart_labels(US))] == to_epoch(hours(0))
    assert rows["us"]["last_success_at"] == "2025-01-27T00:00:00Z"
    assert (last, chart_labels(GB)) not in samples  # never stored: no timestamp, not a zero
    assert (
        {
            cc: samples[(failures, chart_labels(key))]
            for cc, key in (("us", US), ("gb", GB), ("jp", JP))
        }
        == {cc: row["consecutive_failures"] for cc, row in rows.items()}
        == {"us": 1, "gb": 3, "jp": 0}
    )
    assert samples[("apprank_database_size_bytes", ())] == database_size(engine) > 0
    assert samples[("apprank_metrics_database_errors_total", ())] == 0
    engine.dispose()


def test_in_process_counts_and_cycles_come_out_as_prometheus_text(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'apprank.db'}")
    counts = Counts()
    counts.count(CHART_FETCHES, "apple", "ok", amount=3)
    counts.count(ALERT_DELIVERIES, "webhook:team", "failed")
    started = datetime(2025, 1, 27, 6, tzinfo=UTC)
    for ok, failed, note in ((2, 0, None), (1, 1, None), (0, 2, None), (0, 0, "stopped")):
        summary = CycleSummary(
            "i1", "apple", 0, started, started + timedelta(seconds=1.5), 2, ok, failed, 0, note=note
        )
        count_cycle(summary, counts)
    samples = scrape(ApprankCollector(engine, lambda: [], counts))
    assert samples[("apprank_chart_fetches_total", (("outcome", "ok"), ("source", "apple")))] == 3
    assert (
        samples[
            ("apprank_alert_deliveries_total", (("outcome", "failed"), ("target", "webhook:team")))
        ]
        == 1
    )
    by_outcome = {
        dict(labels)["outcome"]: value
        for (name, labels), value in samples.items()
        if name == "apprank_cycles_total"
    }
    assert by_outcome == {"ok": 1, "partial": 1, "failed": 1, "stopped": 1}
    track = (("track", "apple"),)
    assert samples[("apprank_cycle_duration_seconds_count", track)] == 4
    assert samples[("apprank_cycle_duration_seconds_sum", track)] == 6.0
    assert samples[("apprank_cycle_duration_seconds_bucket", (("le", "1.0"), *track))] == 0
    assert samples[("apprank_cycle_duration_seconds_bucket", (("le", "2.5"), *track))] == 4
    # The partial cycle counts as done: a chart failing is its own series.
    assert (
        samples[("apprank_last_successful_cycle_timestamp_seconds", track)] == to_epoch(started) + 1
    )
    assert {name for name, _ in samples} <= exported_names(ApprankCollector(engine, lambda: []))
    engine.dispose()


def test_cycle_outcomes() -> None:
    def outcome(ok: int, failed: int, note: str | None = None) -> str:
        return cycle_outcome(CycleSummary("i", "t", 0, T, T, ok + failed, ok, failed, 0, note=note))

    assert [outcome(3, 0), outcome(2, 1), outcome(0, 3), outcome(1, 0, "stopped")] == [
        "ok",
        "partial",
        "failed",
        "stopped",
    ]
    assert outcome(0, 0, "deadline reached") == "ok"


def test_a_database_that_cannot_be_read_costs_its_series_not_the_scrape(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'apprank.db'}")
    counts = Counts()
    counts.count(CHART_FETCHES, "apple", "ok")
    (tmp_path / "apprank.db").unlink()
    (tmp_path / "apprank.db").mkdir()  # no longer a database file
    engine.dispose()
    samples = scrape(ApprankCollector(engine, lambda: [US], counts))
    assert samples[("apprank_chart_fetches_total", (("outcome", "ok"), ("source", "apple")))] == 1
    assert samples[("apprank_metrics_database_errors_total", ())] == 1
    assert not any(name.startswith("apprank_chart_consecutive") for name, _ in samples)


def test_the_server_serves_metrics_over_http_and_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'apprank.db'}")
    server = serve_metrics("127.0.0.1:0", engine, lambda: [US], option="--metrics")
    try:
        assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/metrics")
        response = httpx.get(server.url, timeout=10)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        assert (
            'apprank_chart_consecutive_failures{category="all",chart="top-free",country="us"'
            in response.text
        )
        port = int(server.url.rsplit(":", 1)[1].split("/")[0])
        with pytest.raises(UsageError) as caught:
            serve_metrics(f"127.0.0.1:{port}", engine, lambda: [], option="daemon.metrics")
        message = str(caught.value)
        assert message.startswith(f"daemon.metrics: cannot listen on 127.0.0.1:{port}: ")
        assert "\n" not in message and caught.value.exit_code == 2
    finally:
        server.stop()
    with pytest.raises(httpx.ConnectError):  # stopped means closed
        httpx.get(server.url, timeout=2)
    engine.dispose()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:9464", ("127.0.0.1", 9464)),
        ("[::1]:9464", ("::1", 9464)),
        ("0.0.0.0:0", ("0.0.0.0", 0)),
    ],
)
def test_addresses(text: str, expected: tuple[str, int]) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize("text", ["9464", "localhost", ":9464", "host:99999", "host:http", "a b:1"])
def test_bad_addresses(text: str) -> None:
    with pytest.raises(ValueError, match="is not host:port"):
        parse_address(text)
