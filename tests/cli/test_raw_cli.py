"""`apprank raw` end to end: fetched over loopback HTTP (the real captures, the simulator), then
written back byte for byte; refused bodies kept; the snapshots without one say why."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import FeedServer, real_fixture, run_apprank
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.simulate import SimulatorServer
from tracker.store.engine import open_engine
from tracker.store.writer import Attempt, SnapshotWriter

# path served -> the real capture, for each chart the config below tracks
REAL = {
    "/api/v2/us/apps/top-free/100/apps.json": "v2-us-top-free-100-2026-08-03.json",
    "/api/v2/cn/apps/top-free/100/apps.json": "v2-cn-top-free-100-2026-08-03.json",
    "/api/v2/de/apps/top-free/100/apps.json": "v2-de-top-free-100-2026-08-03.json",
    "/api/v2/jp/apps/top-paid/100/apps.json": "v2-jp-top-paid-98-2026-08-03.json",
    "/hk/rss/topfreeapplications/limit=100/json": "legacy-hk-topfree-100-2024-09.json",
}
CHARTS = {
    "/api/v2/us/apps/top-free/100/apps.json": ("--country", "us"),
    "/api/v2/cn/apps/top-free/100/apps.json": ("--country", "cn"),
    "/api/v2/de/apps/top-free/100/apps.json": ("--country", "de"),
    "/api/v2/jp/apps/top-paid/100/apps.json": ("--country", "jp", "--chart", "top-paid"),
    "/hk/rss/topfreeapplications/limit=100/json": ("--country", "hk", "--source", "itunes"),
}


def _config(folder: Path, base_url: str, extra: str = "") -> Path:
    config = folder / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{folder / "apprank.db"}"\n'
        "[http]\nretries = 0\ntimeout = 5\n"
        f'[sources.apple]\nbase_url = "{base_url}"\n[sources.itunes]\nbase_url = "{base_url}"\n'
        '[[track]]\ncountries = ["us", "cn", "de"]\ncharts = ["top-free"]\n'
        '[[track]]\ncountries = ["jp"]\ncharts = ["top-paid"]\n'
        '[[track]]\nsource = "itunes"\ncountries = ["hk"]\ncharts = ["top-free"]\n' + extra,
        encoding="utf-8",
    )
    return config


def _raw_stdout(*args: str | Path) -> tuple[int, bytes, str]:
    """`apprank raw ARGS` with its stdout as bytes."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("APPRANK_CONFIG", "APPRANK_DATABASE_URL")
    }
    proc = subprocess.run(
        [sys.executable, "-m", "tracker", "raw", *map(str, args)],
        capture_output=True,
        env=env,
        timeout=60,
    )
    return proc.returncode, proc.stdout, proc.stderr.decode()


def _rows(config: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(config.parent / "apprank.db") as conn:
        return conn.execute(sql).fetchall()


def test_every_real_capture_comes_back_byte_for_byte(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    for path, name in REAL.items():
        feed_server.serve(path, real_fixture(name))
    config = _config(tmp_path, feed_server.base_url)
    fetched = run_apprank("fetch", "-c", config)
    assert (fetched.code, fetched.stdout) == (0, "5 charts stored, 0 failed\n"), fetched.stderr
    for path, options in CHARTS.items():
        out = tmp_path / f"{options[1]}.json"
        done = run_apprank("raw", "-c", config, *options, "-o", out)
        served = real_fixture(REAL[path])
        said = f"{len(served)} bytes written to {out} (sha256 {hashlib.sha256(served).hexdigest()})"
        assert (done.code, done.stdout, done.stderr) == (0, said + "\n", "")
        assert out.read_bytes() == served, path
    code, body, err = _raw_stdout("-c", config, "--country", "cn")
    assert (code, err) == (0, "")
    assert body == real_fixture("v2-cn-top-free-100-2026-08-03.json")  # stdout, binary
    # Fetched again unchanged: the snapshots are new, the bodies are not.
    assert run_apprank("fetch", "-c", config).code == 0
    assert _rows(config, "SELECT count(*) FROM snapshot") == [(10,)]
    assert _rows(config, "SELECT count(*) FROM payload") == [(5,)]


def test_the_simulators_bodies_round_trip_hour_by_hour(tmp_path: Path) -> None:
    path = "/api/v2/us/apps/top-free/100/apps.json"
    with SimulatorServer("deepseek-2025", seed=7) as sim:
        config = _config(tmp_path, sim.base_url)
        served = {}
        for _ in range(3):
            assert run_apprank("fetch", "-c", config, "--country", "us").code == 0
            served[sim.clock.now()] = httpx.get(sim.base_url + path).content  # the same bytes
            sim.clock.advance(timedelta(hours=1))
    for at, body in served.items():
        code, raw, err = _raw_stdout("-c", config, "--at", at.isoformat())
        assert (code, err) == (0, "")
        assert hashlib.sha256(raw).hexdigest() == hashlib.sha256(body).hexdigest()
    latest = _raw_stdout("-c", config)[1]
    assert latest == served[max(served)]
    sizes = _rows(config, "SELECT codec, chain FROM payload ORDER BY id")
    assert sizes == [("zstd", 0), ("zstd-dict", 1), ("zstd-dict", 2)]


def test_a_refused_body_is_kept_with_its_attempt(tmp_path: Path, feed_server: FeedServer) -> None:
    broken = b'{"feed": {"results": "not a list"}}'
    for path, name in REAL.items():
        feed_server.serve(path, real_fixture(name))
    feed_server.serve("/api/v2/us/apps/top-free/100/apps.json", broken)
    config = _config(tmp_path, feed_server.base_url)
    assert run_apprank("fetch", "-c", config).code == 1
    ((outcome, payload_id),) = _rows(
        config, "SELECT outcome, payload_id FROM fetch_attempt WHERE outcome != 'ok'"
    )
    assert outcome == "format" and isinstance(payload_id, int)
    from tracker.store.archive import body_of

    assert body_of(open_engine(f"sqlite:///{tmp_path / 'apprank.db'}"), payload_id) == broken


def _unarchived(config: Path, at: datetime) -> None:
    """A snapshot stored without a body, as every one before the archive."""
    writer = SnapshotWriter(open_engine(f"sqlite:///{config.parent / 'apprank.db'}"))
    snap = ChartSnapshot(
        ChartRequest(ChartKey("apple", "us", "top-free"), 100), (ChartEntry(1, "1", "A"),), None
    )
    writer.save(snap, at, Attempt(at, 1, "ok", 200))


@pytest.mark.parametrize(
    ("extra", "age", "why"),
    [
        ("", timedelta(0), "not archived (snapshot of {at}, before the archive existed)"),
        (
            '[archive]\nkeep = "off"\n',
            timedelta(0),
            'not archived (snapshot of {at}; [archive] keep = "off")',
        ),
        (
            '[archive]\nkeep = "10d"\n',
            timedelta(days=11),
            'not kept (snapshot of {at}, older than [archive] keep = "10d")',
        ),
    ],
)
def test_a_snapshot_without_a_body_says_why(
    tmp_path: Path, extra: str, age: timedelta, why: str
) -> None:
    config = _config(tmp_path, "http://127.0.0.1:9", extra)
    at = (datetime.now(UTC) - age).replace(microsecond=0)
    _unarchived(config, at)
    done = run_apprank("raw", "-c", config)
    shown = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (done.code, done.stdout) == (1, "")
    assert done.stderr == f"Error: payload: {why.format(at=shown)}\n"


def test_off_archives_nothing(tmp_path: Path, feed_server: FeedServer) -> None:
    for path, name in REAL.items():
        feed_server.serve(path, real_fixture(name))
    config = _config(tmp_path, feed_server.base_url, '[archive]\nkeep = "off"\n')
    assert run_apprank("fetch", "-c", config).code == 0
    assert _rows(config, "SELECT count(*), count(payload_id) FROM snapshot") == [(5, 0)]
    assert _rows(config, "SELECT count(*) FROM payload") == [(0,)]


def test_options_are_checked_as_top_checks_them(tmp_path: Path) -> None:
    config = _config(tmp_path, "http://127.0.0.1:9")
    for options in (
        ("--chart", "top-freee"),
        ("--country", "xx"),
        ("--source", "apple", "--device", "mac"),
    ):
        top = run_apprank("top", "-c", config, *options)
        raw = run_apprank("raw", "-c", config, *options)
        assert (raw.code, raw.stderr) == (top.code, top.stderr.replace("top --help", "raw --help"))
        assert raw.code == 2
    bad = run_apprank("raw", "-c", config, "--at", "yesterday")
    assert bad.code == 2 and bad.stderr.startswith("Error: --at: not a time: 'yesterday'")
    _unarchived(config, datetime(2025, 1, 27, tzinfo=UTC))
    none = run_apprank("raw", "-c", config, "--country", "gb")
    assert (none.code, none.stderr) == (
        1,
        f"Error: no stored snapshot of {ChartKey('apple', 'gb', 'top-free').label()}; "
        "run `apprank fetch` first\n",
    )
    before = run_apprank("raw", "-c", config, "--at", "2025-01-26")
    assert (before.code, before.stderr) == (
        1,
        f"Error: no stored snapshot of {ChartKey('apple', 'us', 'top-free').label()} at or "
        "before 2025-01-26T00:00:00Z; run `apprank fetch` first\n",
    )


def test_raw_reads_as_the_other_read_commands_do(tmp_path: Path, feed_server: FeedServer) -> None:
    from tests.test_startup import NOT_FOR_READERS, imported, loaded

    for path, name in REAL.items():
        feed_server.serve(path, real_fixture(name))
    config = _config(tmp_path, feed_server.base_url)
    assert run_apprank("fetch", "-c", config).code == 0
    code, modules, err = imported("raw", "--config", config, "-o", tmp_path / "out.json")
    assert (code, err) == (0, "")
    assert "zstandard" in modules
    # No SQLModel, writer or fetch code, and no pydantic: only [database] is read.
    assert loaded(modules, (*NOT_FOR_READERS, "pydantic", "tracker.fetch")) == []


def test_fetch_prunes_what_keep_no_longer_covers(tmp_path: Path, feed_server: FeedServer) -> None:
    for path, name in REAL.items():
        feed_server.serve(path, real_fixture(name))
    config = _config(tmp_path, feed_server.base_url, '[archive]\nkeep = "30d"\n')
    old = datetime(2025, 1, 27, tzinfo=UTC)
    writer = SnapshotWriter(open_engine(f"sqlite:///{tmp_path / 'apprank.db'}"))
    snap = ChartSnapshot(
        ChartRequest(ChartKey("apple", "us", "top-free"), 100), (ChartEntry(1, "1", "A"),), None
    )
    for hour in range(3):  # a chain of three bodies, long expired
        at = old + timedelta(hours=hour)
        writer.save(snap, at, Attempt(at, 1, "ok", 200, body=b'{"hour": %d}' % hour))
    assert run_apprank("fetch", "-c", config).code == 0
    # The expired bodies went; the five fetched now stay, each as served.
    assert _rows(config, "SELECT count(*) FROM payload") == [(5,)]
    assert _rows(config, "SELECT count(*) FROM snapshot WHERE payload_id IS NULL") == [(3,)]
    out = tmp_path / "us.json"
    assert run_apprank("raw", "-c", config, "-o", out).code == 0
    assert out.read_bytes() == real_fixture(REAL["/api/v2/us/apps/top-free/100/apps.json"])
    gone = run_apprank("raw", "-c", config, "--at", "2025-01-27T02:00")
    assert (gone.code, gone.stderr) == (
        1,
        "Error: payload: not kept (snapshot of 2025-01-27T02:00:00Z, "
        'older than [archive] keep = "30d")\n',
    )
