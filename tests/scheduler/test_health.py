"""`apprank health` and the daemon part of `apprank status`, on databases in known states."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from tracker.cli import app
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.store.daemon_state import CycleSummary, Heartbeat, beat, record_cycle
from tracker.store.engine import open_engine
from tracker.store.writer import Attempt, SnapshotWriter
from tracker.timeutil import isoformat_z, utcnow

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path}/apprank.db"\n'
        '[[track]]\ncountries = ["us", "gb"]\ndepth = 3\nevery = "15m"\n'
    )
    return path


@pytest.fixture
def engine(config: Path, monkeypatch: pytest.MonkeyPatch):
    """The database, with the clock stopped at a whole second: the ages these tests print ("2s
    ago") are exact however long the machine takes between writing a row and asking."""
    frozen = utcnow().replace(microsecond=0)
    for where in ("tracker.timeutil", "tracker.cli.daemon", __name__):
        monkeypatch.setattr(f"{where}.utcnow", lambda: frozen)
    engine = open_engine(f"sqlite:///{config.parent}/apprank.db")
    yield engine
    engine.dispose()


def heartbeat(
    engine,
    *,
    age: float,
    state: str = "running",
    every: float = 10.0,
    cycle_age: float | None = 5.0,
) -> None:
    """A daemon up for 3 h whose last heartbeat was `age` s ago and whose track's last cycle
    finished `cycle_age` s ago (None: no cycle recorded)."""
    now = utcnow()
    if cycle_age is not None:
        done = now - timedelta(seconds=cycle_age)
        record_cycle(
            engine,
            CycleSummary(
                "box", "apple:top-free", None, done - timedelta(seconds=1), done, 2, 2, 0, 0
            ),
        )
    beat(
        engine,
        Heartbeat(
            "box",
            "box",
            4242,
            "0.1.0",
            now - timedelta(hours=3),
            now - timedelta(seconds=age),
            every,
            state,
            17,
        ),
    )


def stored(engine, country: str, age: timedelta) -> None:
    when = utcnow() - age
    request = ChartRequest(ChartKey("apple", country, "top-free"), 3)
    entries = tuple(ChartEntry(r, str(100 + r), f"App {r}") for r in (1, 2, 3))
    SnapshotWriter(engine).save(ChartSnapshot(request, entries, when), when, Attempt(when, 9, "ok"))


def failed(engine, country: str, age: timedelta, error: str) -> None:
    when = utcnow() - age
    SnapshotWriter(engine).record_failure(
        ChartKey("apple", country, "top-free"), Attempt(when, 9, "http_error", 503, error)
    )


def health(config: Path, *args: str):
    return runner.invoke(app, ["health", "--config", str(config), *args])


def test_healthy_when_alive_and_every_chart_is_fresh(config: Path, engine) -> None:
    heartbeat(engine, age=2)
    stored(engine, "us", timedelta(minutes=20))
    stored(engine, "gb", timedelta(minutes=5))
    result = health(config)
    assert result.exit_code == 0
    assert result.output == (
        "ok: daemon: alive (box pid 4242, heartbeat 2s ago, up 3h, 17 cycles); 2 charts fresh\n"
    )


def test_each_problem_on_its_own_line(config: Path, engine) -> None:
    heartbeat(engine, age=2)
    stored(engine, "us", timedelta(hours=3))
    failed(engine, "us", timedelta(hours=2, minutes=30), "HTTP 503 from x")
    failed(engine, "us", timedelta(minutes=1), "HTTP 503 from y")
    failed(engine, "gb", timedelta(minutes=1), "HTTP 503 from z")
    result = health(config, "--max-age", "2h")
    assert result.exit_code == 1
    assert result.output == (
        "apple us top-free: last success 3h ago (limit 2h), failing for 2h 30m; "
        "last error: HTTP 503 from y\n"
        "apple gb top-free: no successful fetch yet; last error: HTTP 503 from z\n"
    )
    assert health(config, "--max-age", "4h").output.splitlines() == [
        "apple gb top-free: no successful fetch yet; last error: HTTP 503 from z"
    ]


@pytest.mark.parametrize(
    ("age", "state", "line"),
    [
        (
            60,
            "running",
            "daemon: not responding (box pid 4242, last heartbeat 1m ago at {at}; "
            "it beats every 10 s)",
        ),
        (5, "stopped", "daemon: stopped (box pid 4242, 5s ago at {at})"),
    ],
    ids=["stale-heartbeat", "stopped"],
)
def test_a_dead_or_stopped_daemon_is_unhealthy(
    config: Path, engine, age: float, state: str, line: str
) -> None:
    heartbeat(engine, age=age, state=state)
    stored(engine, "us", timedelta(minutes=1))
    stored(engine, "gb", timedelta(minutes=1))
    result = health(config)
    at = isoformat_z(utcnow() - timedelta(seconds=age))
    assert result.exit_code == 1
    assert result.output == line.format(at=at) + "\n"


def test_no_daemon_ever(config: Path, engine) -> None:
    stored(engine, "us", timedelta(minutes=1))
    stored(engine, "gb", timedelta(minutes=1))
    result = health(config, "--json")
    assert result.exit_code == 1
    assert orjson.loads(result.output) == {
        "healthy": False,
        "daemon": None,
        "charts": 2,
        "problems": ["daemon: none has run on this database (no heartbeat)"],
    }


def test_the_default_limit_is_two_slots_and_at_least_two_hours(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path}/apprank.db"\n'
        '[[track]]\ncountries = ["us"]\ndepth = 3\ncron = "0 6 * * *"\n'
    )
    engine = open_engine(f"sqlite:///{tmp_path}/apprank.db")
    heartbeat(engine, age=1)
    stored(engine, "us", timedelta(hours=40))  # a daily track: fine for two days
    assert health(path).exit_code == 0
    engine.dispose()


@pytest.mark.parametrize(
    ("cycle_age", "line"),
    [
        (
            46 * 60,
            "track apple:top-free: last cycle finished 46m ago, up 3h "
            "(slots every 15m, late after 45m)",
        ),
        (
            None,
            "track apple:top-free: no cycle finished yet, up 3h (slots every 15m, late after 45m)",
        ),
    ],
    ids=["cycles-stopped", "never-cycled"],
)
def test_a_live_daemon_whose_track_stopped_cycling_is_unhealthy(
    config: Path, engine, cycle_age: float | None, line: str
) -> None:
    """The heartbeat is fresh and the charts are not stale yet, but no cycle came for 3 slots:
    something holds the track up (a stuck step), and health says so before the data ages."""
    heartbeat(engine, age=2, cycle_age=cycle_age)
    stored(engine, "us", timedelta(minutes=50))
    stored(engine, "gb", timedelta(minutes=50))
    result = health(config)
    assert (result.exit_code, result.output) == (1, line + "\n")
    heartbeat(engine, age=1, cycle_age=44 * 60)  # a cycle within 3 slots: healthy again
    assert health(config).exit_code == 0


def test_bad_max_age_is_a_usage_error(config: Path) -> None:
    result = health(config, "--max-age", "soon")
    assert result.exit_code == 2
    assert "--max-age: not a duration: 'soon'" in result.output


def test_status_shows_liveness_last_cycle_and_how_long_charts_fail(config: Path, engine) -> None:
    heartbeat(engine, age=3, cycle_age=None)
    now = utcnow()
    record_cycle(
        engine,
        CycleSummary(
            "box",
            "apple:top-free",
            1769515200,
            now - timedelta(seconds=12),
            now - timedelta(seconds=10),
            2,
            1,
            1,
            0,
        ),
    )
    stored(engine, "us", timedelta(minutes=5))
    failed(engine, "gb", timedelta(minutes=45), "HTTP 503 from z")
    failed(engine, "gb", timedelta(minutes=30), "HTTP 503 from z")
    table = runner.invoke(app, ["status", "--config", str(config)])
    assert table.exit_code == 0
    lines = table.output.splitlines()
    assert lines[0] == "daemon: alive (box pid 4242, heartbeat 3s ago, up 3h, 17 cycles)"
    assert lines[1] == (
        "last cycle: apple:top-free slot 2026-01-27T12:00:00Z, finished 10s ago: "
        "1 ok, 1 failed, 0 already stored"
    )
    rows = orjson.loads(runner.invoke(app, ["status", "--config", str(config), "--json"]).output)
    gb = next(r for r in rows if r["country"] == "gb")
    assert gb["failing_for"] == "45m"
    assert gb["failing_for_s"] == 2700
    assert gb["last_error"] == "HTTP 503 from z"
    assert gb["snapshots"] == 0
    us = next(r for r in rows if r["country"] == "us")
    assert (us["failing_for"], us["failing_for_s"], us["snapshots"]) == (None, None, 1)
    assert set(us) >= {
        "source",
        "country",
        "chart",
        "category",
        "device",
        "last_success_at",
        "last_attempt_at",
        "last_error",
        "snapshots",
    }
    csv = runner.invoke(app, ["status", "--config", str(config), "--csv"]).output
    assert csv.splitlines()[0] == (
        "source,country,chart,category,device,last_success_at,last_attempt_at,last_error,"
        "failing_since,failing_for,snapshots"
    )


def test_a_database_nothing_has_run_on(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/new.db"\n[[track]]\n')
    open_engine(f"sqlite:///{tmp_path}/new.db").dispose()  # health itself never creates one
    result = health(path)
    assert result.exit_code == 1
    assert result.output == (
        "daemon: none has run on this database (no heartbeat)\n"
        "apple us top-free: no successful fetch yet\n"
    )


def test_an_unreadable_database_is_one_problem_line(tmp_path: Path) -> None:
    (tmp_path / "junk.db").write_bytes(b"this is not a database" * 100)
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/junk.db"\n[[track]]\n')
    result = health(path)
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "file is not a database" in result.output
