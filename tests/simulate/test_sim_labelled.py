"""Data the simulator served stays labelled, end to end, without anyone passing --simulated.

The simulator says so in a header; `apprank fetch` stores the flag with the snapshot, stamped
with the simulator's clock; `top`, `history`, `export` and every chart kind carry it. A series
mixing real and simulated snapshots is labelled simulated.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
import pytest

from tests.conftest import FeedServer, real_fixture, run_apprank
from tracker.config.charts import ChartSpec
from tracker.config.load import load_config
from tracker.files.charts import build_chart
from tracker.simulate import FaultConfig, Market, SimulatorServer
from tracker.store.engine import open_engine

# End to end in child processes (the demo, the daemon, the installed command, a browser): the
# minimum-versions pass of .ci/run leaves these out (see there).
pytestmark = pytest.mark.slow

AT = datetime(2025, 1, 27, 6, 0, tzinfo=UTC)  # DeepSeek #1 in the US on the simulated market
US_FREE = "/api/v2/us/apps/top-free/100/apps.json"
DEEPSEEK = "6737597349"


@pytest.fixture
def at_six(market: Market) -> Iterator[SimulatorServer]:
    with SimulatorServer(market=market, start=AT) as server:
        yield server


def write_config(path: Path, base_url: str) -> Path:
    path.write_text(
        f'[database]\nurl = "sqlite:///{path.parent / "apprank.db"}"\n'
        f'[http]\nretries = 0\n[sources.apple]\nbase_url = "{base_url}"\n'
        '[[track]]\ncountries = ["us"]\n[apps]\ndeepseek = "6737597349"\n',
        encoding="utf-8",
    )
    return path


def snapshot_rows(config: Path) -> list[tuple[int, int]]:
    with closing(sqlite3.connect(config.parent / "apprank.db")) as conn:
        return conn.execute("SELECT captured_at, simulated FROM snapshot ORDER BY id").fetchall()


def test_every_answer_says_it_is_simulated(client: httpx.Client, sim: SimulatorServer) -> None:
    for path in (US_FREE, "/us/rss/topfreeapplications/limit=10/json", "/", "/nowhere"):
        response = client.get(path)
        assert response.headers["x-apprank-simulated"] == "1", path
        assert response.headers["x-apprank-simulated-time"] == "2025-01-20T00:00:00Z", path
    sim.set_faults(FaultConfig(oversized=1.0, oversized_bytes=1000, seed=1))
    assert client.get(US_FREE).headers["x-apprank-simulated"] == "1"  # written by faultio


def test_fetch_stores_the_flag_and_the_simulators_time(at_six: SimulatorServer, tmp_path) -> None:
    config = write_config(tmp_path / "config.toml", at_six.base_url)
    fetched = run_apprank("fetch", "-c", config)
    assert fetched.code == 0, fetched.stderr
    # Stamped with the simulated instant it was served at, not the wall clock (2026).
    assert snapshot_rows(config) == [(int(AT.timestamp()), 1)]

    top = json.loads(run_apprank("top", "-c", config, "--json").stdout)
    assert (top["simulated"], top["captured_at"]) == (True, "2025-01-27T06:00:00Z")
    table = run_apprank("top", "-c", config, "--limit", "1")
    assert "us top-free at 2025-01-27T06:00:00Z (SIMULATED data)" in table.stdout

    history = json.loads(run_apprank("history", "deepseek", "-c", config, "--json").stdout)
    assert [(s["country"], s["simulated"]) for s in history] == [("us", True)]
    assert history[0]["points"] == [{"at": "2025-01-27T06:00:00Z", "rank": 1, "state": "ranked"}]
    text = run_apprank("history", "deepseek", "-c", config).stdout
    assert text.splitlines()[0] == "apple top-free, best rank per 1h (UTC), SIMULATED data"

    exported = run_apprank("export", "-c", config, "-o", "-").stdout
    header, *cells = csv.reader(io.StringIO(exported, newline=""))
    assert header[-2:] == ["developer", "simulated"]
    assert len(cells) == 100 and {row[-1] for row in cells} == {"true"}
    jsonl = run_apprank("export", "-c", config, "--format", "jsonl", "-o", "-").stdout
    assert [orjson.loads(line)["simulated"] for line in jsonl.split("\n") if line] == [True] * 100


@pytest.mark.parametrize("kind", ["rank", "grid", "heatmap", "leaders"])
def test_every_chart_kind_is_labelled_without_the_option(
    at_six: SimulatorServer, tmp_path: Path, kind: str
) -> None:
    config = write_config(tmp_path / "config.toml", at_six.base_url)
    assert run_apprank("fetch", "-c", config).code == 0
    spec = ChartSpec(kind=kind, apps=["deepseek"])  # simulated=False: the data says it
    built = build_chart(
        open_engine(f"sqlite:///{tmp_path / 'apprank.db'}"), load_config(config), spec
    )
    assert built.result.title.endswith(" (simulated)")
    (note,) = [t.get_text() for t in built.result.figure.texts if t.get_gid() == "footnote"]
    assert note.startswith("SIMULATED data from apprank's simulator, not the App Store · ")


def test_real_and_simulated_together_are_labelled_simulated(
    at_six: SimulatorServer, feed_server: FeedServer, tmp_path: Path
) -> None:
    """A real chart (no header) is stored real at the wall clock; once a simulated snapshot is
    in the range shown, the whole series and chart say simulated; a range of only real data
    does not."""
    feed_server.serve(US_FREE, real_fixture("v2-us-top-free-100-2026-04-06.json"))
    config = write_config(tmp_path / "config.toml", feed_server.base_url)
    before = int(datetime.now(UTC).timestamp())
    assert run_apprank("fetch", "-c", config).code == 0
    ((real_at, flag),) = snapshot_rows(config)
    assert flag == 0 and before <= real_at <= int(datetime.now(UTC).timestamp())
    app = orjson.loads(real_fixture("v2-us-top-free-100-2026-04-06.json"))["feed"]["results"][0]

    write_config(config, at_six.base_url)
    assert run_apprank("fetch", "-c", config).code == 0
    assert [f for _, f in snapshot_rows(config)] == [0, 1]

    def labelled(*window: str) -> tuple[bool, str]:
        history = run_apprank(
            "history", app["id"], "-c", config, "--every", "1d", "--json", *window
        )
        (series,) = json.loads(history.stdout)
        spec = ChartSpec(kind="rank", apps=[app["id"]], countries=["us"], every="1d")
        if window:
            spec = spec.model_copy(update={"since": window[1]})
        built = build_chart(
            open_engine(f"sqlite:///{tmp_path / 'apprank.db'}"), load_config(config), spec
        )
        return series["simulated"], built.result.title

    simulated, title = labelled()
    assert simulated is True and title.endswith(" (simulated)")
    real_only = ("--since", datetime.fromtimestamp(real_at, UTC).strftime("%Y-%m-%dT00:00Z"))
    simulated, title = labelled(*real_only)
    assert simulated is False and "simulated" not in title

    forced = run_apprank(
        "chart", "rank", app["id"], "--country", "us", "--since", real_only[1], "--simulated",
        "-c", config, "-o", tmp_path / "forced.png",
    )  # fmt: skip
    assert forced.code == 0, forced.stderr


def test_status_reports_the_wall_clock_time_of_a_simulated_fetch(
    at_six: SimulatorServer, tmp_path: Path
) -> None:
    """The snapshot carries the simulator's 2025 clock; liveness (status, health) must not."""
    config = write_config(tmp_path / "config.toml", at_six.base_url)
    before = datetime.now(UTC).replace(microsecond=0)
    assert run_apprank("fetch", "-c", config).code == 0
    (status,) = json.loads(run_apprank("status", "-c", config, "--json").stdout)
    last = datetime.fromisoformat(status["last_success_at"].replace("Z", "+00:00"))
    assert before <= last <= datetime.now(UTC)
    assert status["snapshots"] == 1


def test_wide_exports_of_simulated_data_say_so(at_six: SimulatorServer, tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.toml", at_six.base_url)
    assert run_apprank("fetch", "-c", config).code == 0
    by_country = run_apprank("export", "-c", config, "--app", "deepseek", "--wide", "country")
    assert by_country.stdout.splitlines() == ["at,us,simulated", "2025-01-27T06:00:00Z,1,true"]
    by_time = run_apprank(
        "export", "-c", config, "--app", "deepseek", "--wide", "time", "--format", "jsonl"
    )
    assert json.loads(by_time.stdout) == {
        "country": "us",
        "2025-01-27T06:00:00Z": 1,
        "simulated": True,
    }
