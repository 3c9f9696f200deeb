"""The demo's simulator is served from a child process (off the fetch's GIL) and that child is
gone when the demo ends: on success, on a failure, and on Ctrl-C (issue 14)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracker.demo.pipeline import build_history

START = datetime(2025, 1, 27, 5, tzinfo=UTC)


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # gone meanwhile
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_the_simulator_runs_in_a_child_that_is_gone_afterwards(tmp_path: Path) -> None:
    seen: list[list[int]] = []
    built = build_history(
        tmp_path / "demo", start=START, days=0.1, countries=["us"],
        progress=lambda done, total: seen.append(children_of(os.getpid())),
    )  # fmt: skip
    assert built.charts_stored == 4  # US top-free on the App Store and on Google Play, 2 hours
    assert len(seen) == 2 and len(seen[0]) == 1 and seen[0] == seen[1]
    assert children_of(os.getpid()) == []
    assert not alive(seen[0][0])


def test_the_child_is_gone_after_a_failure(tmp_path: Path) -> None:
    seen: list[int] = []

    def fail(done: int, total: int) -> None:
        seen.extend(children_of(os.getpid()))
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        build_history(tmp_path / "demo", start=START, days=0.1, countries=["us"], progress=fail)
    assert len(seen) == 1
    assert children_of(os.getpid()) == []
    assert not alive(seen[0])


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_ctrl_c_stops_the_demo_and_its_child(tmp_path: Path) -> None:
    # The whole default window, interrupted as soon as the child serves: a terminal's Ctrl-C
    # goes to the foreground process group, parent and child alike.
    demo = subprocess.Popen(
        [sys.executable, "-m", "tracker", "demo", "--out", str(tmp_path / "demo")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        children: list[int] = []
        while not children and time.monotonic() < deadline and demo.poll() is None:
            children = children_of(demo.pid)
            time.sleep(0.05)
        assert children, "the demo started no child process"
        os.killpg(demo.pid, signal.SIGINT)
        _, err = demo.communicate(timeout=60)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    assert (demo.returncode, err) == (130, "Error: interrupted\n")
    assert [pid for pid in children if alive(pid)] == []
