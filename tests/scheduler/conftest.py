"""The daemon as a user runs it: `apprank run` in a subprocess against the loopback simulator."""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from tracker.simulate import FaultConfig, SimulatorServer

# Every cycle in these tests is over in well under a second; these bound the waits.
STARTUP_TIMEOUT = 20.0


def config_text(
    db: Path,
    base_url: str,
    tracks: list[dict[str, Any]],
    *,
    timeout: float = 0.5,
    retries: int = 0,
    max_bytes: int = 65536,
    itunes_url: str | None = None,
) -> str:
    """A config.toml for the daemon with fast HTTP settings and the given [[track]] tables."""
    lines = [
        "[database]",
        f'url = "sqlite:///{db}"',
        "[http]",
        f"timeout = {timeout}",
        f"retries = {retries}",
        "backoff_initial = 0.05",
        "backoff_max = 0.2",
        f"max_bytes = {max_bytes}",
        "[sources.apple]",
        f'base_url = "{base_url}"',
    ]
    if itunes_url:
        lines += ["[sources.itunes]", f'base_url = "{itunes_url}"']
    for track in tracks:
        lines.append("[[track]]")
        for key, value in track.items():
            lines.append(f"{key} = {orjson.dumps(value).decode()}")
    return "\n".join(lines) + "\n"


class DaemonProcess:
    """`apprank run` in a subprocess, its JSON log lines collected as they arrive."""

    def __init__(
        self,
        config: Path,
        *extra: str,
        heartbeat: str = "0.5s",
        env: dict[str, str] | None = None,
    ) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        env.pop("APPRANK_CONFIG", None)
        env.pop("APPRANK_DATABASE_URL", None)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tracker",
                "run",
                "--config",
                str(config),
                "--log-format",
                "json",
                "--heartbeat",
                heartbeat,
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        self.lines: list[str] = []
        self.records: list[dict[str, Any]] = []
        self._new: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                record = {"msg": line.rstrip("\n"), "level": "RAW"}
            self.records.append(record)
            self._new.put(record)
        self._new.put(None)

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 15.0
    ) -> dict[str, Any]:
        """The first log record (already seen or coming) that satisfies `predicate`."""
        for record in list(self.records):
            if predicate(record):
                return record
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                record = self._new.get(timeout=remaining)
            except queue.Empty:
                break
            if record is None:
                break
            if predicate(record):
                return record
        raise AssertionError(
            f"no matching log record within {timeout} s; exit code {self.proc.poll()}; "
            f"log tail:\n{''.join(self.lines[-30:])}"
        )

    def wait_started(self) -> None:
        self.wait_for(lambda r: r.get("msg", "").startswith("daemon started"), STARTUP_TIMEOUT)

    def wait_cycles(self, count: int, timeout: float = 20.0) -> None:
        """Until `count` more cycle summaries have been logged."""
        seen = self.cycle_count()
        deadline = time.monotonic() + timeout
        while self.cycle_count() < seen + count:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise AssertionError(
                    f"{count} cycles not seen within {timeout} s; exit {self.proc.poll()}; "
                    f"log tail:\n{''.join(self.lines[-30:])}"
                )
            time.sleep(0.05)

    def cycle_count(self) -> int:
        return sum(1 for r in list(self.records) if r.get("msg", "").startswith("cycle "))

    def messages(self) -> list[str]:
        return [r.get("msg", "") for r in list(self.records)]

    def stop(self, timeout: float = 15.0, sig: signal.Signals = signal.SIGTERM) -> int:
        """SIGTERM (or `sig`); the exit code (the test fails if it takes over `timeout`)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        self._reader.join(5)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self._reader.join(5)


@pytest.fixture
def daemons() -> Iterator[Callable[..., DaemonProcess]]:
    """Start daemons with `daemons(config)`; any left running are killed afterwards."""
    started: list[DaemonProcess] = []

    def start(
        config: Path, *extra: str, heartbeat: str = "0.5s", env: dict[str, str] | None = None
    ) -> DaemonProcess:
        daemon = DaemonProcess(config, *extra, heartbeat=heartbeat, env=env)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.kill()
        if daemon.proc.stdout is not None:
            daemon.proc.stdout.close()
        if daemon.proc.stderr is not None:
            daemon.proc.stderr.close()


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    with SimulatorServer("deepseek-2025", seed=7, faults=FaultConfig()) as server:
        yield server


def query(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Read the daemon's database from outside, as another process would."""
    with sqlite3.connect(db, timeout=10) as conn:
        return conn.execute(sql, params).fetchall()


def snapshots_by_country(db: Path) -> dict[str, int]:
    rows = query(
        db,
        "SELECT c.country, count(*) FROM snapshot s JOIN chart c ON c.id = s.chart_id "
        "GROUP BY c.country",
    )
    return dict(rows)


def attempts_by_country(db: Path) -> dict[str, set[tuple[str, int | None]]]:
    """country -> {(outcome, http_status)} over every attempt."""
    out: dict[str, set[tuple[str, int | None]]] = {}
    for country, outcome, status in query(
        db,
        "SELECT c.country, a.outcome, a.http_status FROM fetch_attempt a "
        "JOIN chart c ON c.id = a.chart_id",
    ):
        out.setdefault(country, set()).add((outcome, status))
    return out


def check_database(db: Path) -> None:
    """Sound after anything: integrity, no partial snapshot, one ok attempt per snapshot."""
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    assert query(db, "PRAGMA foreign_key_check") == []
    partial = query(
        db,
        "SELECT s.id FROM snapshot s JOIN ranking r ON r.id = s.ranking_id "
        "WHERE r.size != s.depth_returned OR s.depth_returned = 0 OR r.size != ("
        "  SELECT count(*) FROM ranking_entry e WHERE e.ranking_id = r.id) OR r.size != ("
        "  SELECT coalesce(max(e.rank), 0) FROM ranking_entry e WHERE e.ranking_id = r.id)",
    )
    assert partial == []
    snapshots = query(db, "SELECT count(*) FROM snapshot")[0][0]
    ok_attempts = query(
        db, "SELECT count(*) FROM fetch_attempt WHERE outcome = 'ok' AND snapshot_id IS NOT NULL"
    )[0][0]
    assert snapshots == ok_attempts
    duplicates = query(
        db, "SELECT chart_id, slot FROM snapshot GROUP BY chart_id, slot HAVING count(*) > 1"
    )
    assert duplicates == []
