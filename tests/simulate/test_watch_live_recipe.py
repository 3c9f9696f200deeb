"""The README's "watch the daemon live" recipe, run as written on a copy of the demo's folder.

`apprank simulate --start <the demo's end>` and `apprank run --config apprank-demo/config.toml`:
the daemon stamps what the simulator serves with the simulator's clock, so one cycle continues
the demo's January 2025 history instead of adding wall-clock 2026 snapshots to it (which made
`leaders deepseek` say #1 in 0 countries and `history` print hundreds of blank days).
The simulator's clock is the fake clock: a cycle takes seconds, i.e. simulated minutes.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import ROOT, Run, run_apprank

# End to end in child processes (the demo, the daemon, the installed command, a browser): the
# minimum-versions pass of .ci/run leaves these out (see there).
pytestmark = pytest.mark.slow

README = (ROOT / "README.md").read_text(encoding="utf-8")
# The demo's two tracks: its App Store storefronts, and Google Play where DeepSeek climbs there.
DEMO_TRACKS = {"demo": 57, "demo-play": 18}
DEMO_CHARTS = sum(DEMO_TRACKS.values())


def recipe() -> list[list[str]]:
    """The commands of the README block that follows "watch the daemon live"."""
    after = README.split("watch the daemon live", 1)[1]
    block = re.search(r"^```shell\n(.*?)^```", after, flags=re.S | re.M)
    assert block is not None
    return [shlex.split(line) for line in block.group(1).splitlines() if line.strip()]


def rows(db: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql).fetchall()


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def start(args: list[str], cwd: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("APPRANK_CONFIG", None)
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tracker", *args[1:]], cwd=cwd, env=env, stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_recipe_continues_the_demo_history_in_simulated_time(
    demo_run: tuple[Path, Run], tmp_path: Path
) -> None:
    demo, result = demo_run
    assert result.code == 0, result.stderr
    (simulate, run) = recipe()
    assert simulate[:2] == ["apprank", "simulate"] and run[:2] == ["apprank", "run"]
    assert run[run.index("--config") + 1] == "apprank-demo/config.toml"
    assert simulate[simulate.index("--port") + 1] == "8123"

    # A copy of the demo folder (the session's is shared), on a port no one else holds.
    folder = tmp_path / "apprank-demo"
    folder.mkdir()
    shutil.copy(demo / "apprank.db", folder / "apprank.db")
    config = (demo / "config.toml").read_text(encoding="utf-8")
    assert str(demo / "apprank.db") in config and "http://127.0.0.1:8123" in config
    probe = subprocess.run(
        [sys.executable, "-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); "
         "print(s.getsockname()[1])"], capture_output=True, text=True, check=True,
    )  # fmt: skip
    port = probe.stdout.strip()
    config = config.replace(str(demo / "apprank.db"), str(folder / "apprank.db"))
    (folder / "config.toml").write_text(config.replace(":8123", f":{port}"), encoding="utf-8")
    db = folder / "apprank.db"
    ((before, last_demo),) = rows(db, "SELECT count(*), max(captured_at) FROM snapshot")

    simulate[simulate.index("--port") + 1] = port
    simulator = start(simulate, tmp_path, tmp_path / "simulate.log")
    try:
        wait_for(lambda: b"serving" in (tmp_path / "simulate.log").read_bytes(), 30, "simulator")
        daemon = start(run, tmp_path, tmp_path / "run.log")
        try:
            # The catch-up cycle runs at start: one snapshot per storefront.
            wait_for(
                lambda: rows(db, "SELECT count(*) FROM snapshot")[0][0] >= before + DEMO_CHARTS,
                90,
                "the daemon's first cycle",
            )
        finally:
            stop(daemon)
    finally:
        stop(simulator)
    log = (tmp_path / "run.log").read_text(encoding="utf-8", errors="replace")
    for track, charts in DEMO_TRACKS.items():
        assert re.search(rf"cycle {track} slot \S+: {charts} ok, 0 failed", log), log

    new = rows(db, f"SELECT captured_at, simulated FROM snapshot WHERE id > {before}")
    assert len(new) == DEMO_CHARTS
    assert {flag for _, flag in new} == {1}
    # Simulated time, right after the demo's last hour: never the wall clock.
    assert all(last_demo < at < last_demo + 2 * 3600 for at, _ in new), (last_demo, new)

    leaders = run_apprank("leaders", "deepseek", cwd=folder)
    assert leaders.code == 0, leaders.stderr
    number_one = re.match(r"DeepSeek: #1 in (\d+) countries", leaders.stdout)  # its label
    assert number_one is not None and int(number_one.group(1)) > 40, leaders.stdout
    history = run_apprank(
        "history", "deepseek", "chatgpt", "--country", "us", "--every", "1d", cwd=folder
    )
    assert history.code == 0, history.stderr
    days = [line.split()[0] for line in history.stdout.splitlines()[2:-1]]
    assert days == [f"2025-01-{d}T00:00:00Z" for d in (25, 26, 27, 28, 29)], history.stdout
