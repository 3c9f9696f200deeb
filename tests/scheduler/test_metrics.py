"""`apprank run` with `[daemon] metrics`: its /metrics over real HTTP, parsed with
prometheus_client's own parser, agrees with the database and with `apprank status --json`
after a cycle in which one chart fails."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import run_apprank
from tests.scheduler.conftest import DaemonProcess, config_text, query
from tracker.simulate import FaultConfig, SimulatorServer
from tracker.timeutil import parse_instant

# End to end in child processes (the demo, the daemon, the installed command, a browser): the
# minimum-versions pass of .ci/run leaves these out (see there).
pytestmark = pytest.mark.slow

SERVING = re.compile(r"^serving metrics at (http://127\.0\.0\.1:\d+/metrics)$")
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(url: str) -> Samples:
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def chart(country: str) -> tuple[tuple[str, str], ...]:
    labels = {"source": "apple", "country": country, "chart": "top-free"}
    return tuple(sorted({**labels, "category": "all", "device": "iphone"}.items()))


def test_metrics_agree_with_the_database_and_status(
    tmp_path: Path, sim: SimulatorServer, daemons: Callable[..., DaemonProcess]
) -> None:
    sim.set_faults(FaultConfig(force={"/gb/apps/": "server_error"}))
    db = tmp_path / "apprank.db"
    config = tmp_path / "config.toml"
    # 6h: the catch-up cycle at start is the only one while the test looks.
    tracks = [{"name": "apple", "countries": ["us", "gb"], "depth": 10, "every": "6h"}]
    config.write_text(
        config_text(db, sim.base_url, tracks, timeout=5, retries=1)
        + '[daemon]\nmetrics = "127.0.0.1:0"\n'
    )
    daemon = daemons(config)
    record = daemon.wait_for(lambda r: SERVING.match(r.get("msg", "")) is not None)
    url = SERVING.match(record["msg"]).group(1)  # type: ignore[union-attr]
    daemon.wait_started()
    daemon.wait_cycles(1)
    samples = scrape(url)
    status = run_apprank("status", "--json", "--config", config)
    assert status.code == 0, status.stderr

    # Stored rows: the counters, the database.
    [(snapshots,)] = query(db, "SELECT count(*) FROM snapshot")
    [(rank_rows,)] = query(db, "SELECT count(*) FROM ranking_entry")
    assert samples[("apprank_snapshots_stored_total", ())] == snapshots == 1
    assert samples[("apprank_rank_rows_stored_total", ())] == rank_rows == 10
    # Fetches by outcome; the failed one was retried once on the simulator's host.
    assert samples[("apprank_chart_fetches_total", (("outcome", "ok"), ("source", "apple")))] == 1
    failed = (("outcome", "http_error"), ("source", "apple"))
    assert samples[("apprank_chart_fetches_total", failed)] == 1
    host = sim.base_url.removeprefix("http://").split("/")[0]
    assert samples[("apprank_http_retries_total", (("host", host),))] == 1
    # Per chart, as `status --json` and the attempts table say.
    rows = {row["country"]: row for row in orjson.loads(status.stdout)}
    failures = dict(
        query(
            db,
            "SELECT c.country, count(*) FROM fetch_attempt a JOIN chart c ON c.id = a.chart_id "
            "WHERE a.outcome <> 'ok' GROUP BY c.country",
        )
    )
    for country in ("us", "gb"):
        exported = samples[("apprank_chart_consecutive_failures", chart(country))]
        assert exported == rows[country]["consecutive_failures"] == failures.get(country, 0)
    assert failures == {"gb": 1}
    [(last_ok,)] = query(
        db,
        "SELECT max(a.started_at) FROM fetch_attempt a JOIN chart c ON c.id = a.chart_id "
        "WHERE c.country = 'us' AND a.outcome = 'ok'",
    )
    last = samples[("apprank_chart_last_success_timestamp_seconds", chart("us"))]
    assert last == last_ok == parse_instant(rows["us"]["last_success_at"]).timestamp()
    assert ("apprank_chart_last_success_timestamp_seconds", chart("gb")) not in samples
    # The cycle: partial (one chart failed), timed, and done.
    track = (("track", "apple"),)
    assert samples[("apprank_cycles_total", (("outcome", "partial"), *track))] == 1
    assert samples[("apprank_cycle_duration_seconds_count", track)] == 1
    assert samples[("apprank_last_successful_cycle_timestamp_seconds", track)] >= last_ok
    [(pages,)] = query(db, "PRAGMA page_count")
    [(page_size,)] = query(db, "PRAGMA page_size")
    assert samples[("apprank_database_size_bytes", ())] == pages * page_size
    assert daemon.stop() == 0
    with pytest.raises(httpx.ConnectError):  # the server stopped with the daemon
        httpx.get(url, timeout=2)


def test_a_metrics_port_in_use_is_one_error_line(tmp_path: Path, sim: SimulatorServer) -> None:
    config = tmp_path / "config.toml"
    tracks = [{"countries": ["us"], "depth": 10, "every": "6h"}]
    config.write_text(config_text(tmp_path / "apprank.db", sim.base_url, tracks))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = run_apprank("run", "--config", config, "--metrics", f"127.0.0.1:{port}")
    assert run.code == 2
    assert run.stderr.splitlines() == [
        f"Error: --metrics: cannot listen on 127.0.0.1:{port}: Address already in use"
    ]
    assert query(tmp_path / "apprank.db", "SELECT count(*) FROM fetch_attempt") == [(0,)]
