"""daemon: resident memory over many fast cycles, and outcome counts under random faults.

    python -m bench daemon                       # both parts (about 15 minutes)
    python -m bench daemon --part memory --cycles 10,500,1000
    python -m bench daemon --part faults --minutes 10 --fault-rate 0.2
    python -m bench daemon --quick               # 10 and 100 cycles, one minute of faults

`memory` runs `apprank run` with several 1 s tracks (fast cycles, a market that moves an hour per
second so rankings change every cycle) and prints the daemon's resident memory when its cycle
count reaches each mark. `faults` runs it for a while against a simulator failing `fault-rate` of
feed requests at random (every fault kind equally likely), then prints the outcome counts from the
database and checks that snapshots stored equal successful fetches exactly.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import orjson

from tracker.simulate import FAULT_KINDS, FaultConfig, SimulatorServer

ROOT = Path(__file__).resolve().parent.parent

COUNTRIES = ["us", "gb", "de", "fr", "jp", "ca", "au", "it", "es", "nl"]


def write_config(
    path: Path, db: Path, base_url: str, tracks: list[dict[str, Any]], **http: Any
) -> None:
    lines = ["[database]", f'url = "sqlite:///{db}"', "[http]"]
    lines += [f"{key} = {orjson.dumps(value).decode()}" for key, value in http.items()]
    lines += ["[sources.apple]", f'base_url = "{base_url}"']
    for track in tracks:
        lines.append("[[track]]")
        lines += [f"{key} = {orjson.dumps(value).decode()}" for key, value in track.items()]
    path.write_text("\n".join(lines) + "\n")


class Daemon:
    """`apprank run` in a subprocess; counts the cycles it logs."""

    def __init__(self, config: Path) -> None:
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
                "--log-level",
                "info",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            # As deployed (deploy/apprank.service, Dockerfile): glibc's per-thread arenas
            # otherwise hold freed memory; override with MALLOC_ARENA_MAX in the environment.
            env={"MALLOC_ARENA_MAX": "2", **os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.cycles = 0
        self.cycle_ok = 0
        self.cycle_failed = 0
        self.errors: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                self.errors.append(line)
                continue
            if record.get("msg", "").startswith("cycle "):
                self.cycles += 1
                self.cycle_ok += record.get("ok", 0)
                self.cycle_failed += record.get("failed", 0)
            elif record.get("level") in ("ERROR", "CRITICAL"):
                self.errors.append(record["msg"])

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(30)


def memory(args: argparse.Namespace) -> None:
    marks = sorted(int(m) for m in args.cycles.split(","))
    with tempfile.TemporaryDirectory() as tmp, SimulatorServer(seed=1, speed=3600) as sim:
        db, config = Path(tmp) / "apprank.db", Path(tmp) / "config.toml"
        tracks = [
            {
                "name": f"t{i}",
                "countries": COUNTRIES[i * 2 : i * 2 + 2],
                "charts": ["top-free", "top-paid"],
                "depth": 100,
                "every": "1s",
            }
            for i in range(args.tracks)
        ]
        write_config(config, db, sim.base_url, tracks, timeout=5.0)
        daemon = Daemon(config)
        started = time.monotonic()
        arenas = os.environ.get("MALLOC_ARENA_MAX", "2")
        print(
            f"memory: {args.tracks} tracks x 4 charts every 1s (depth 100), "
            f"MALLOC_ARENA_MAX={arenas or 'unset'}",
            flush=True,
        )
        for mark in marks:
            while daemon.cycles < mark:
                if daemon.proc.poll() is not None:
                    raise SystemExit(f"daemon exited: {daemon.proc.returncode}")
                time.sleep(0.05)
            print(
                f"  after {daemon.cycles:5d} cycles ({time.monotonic() - started:6.0f} s): "
                f"RSS {daemon.rss_kib() / 1024:6.1f} MiB",
                flush=True,
            )
        print(f"  exit code on SIGTERM: {daemon.stop()}; errors logged: {len(daemon.errors)}")
        snapshots = _count(db, "SELECT count(*) FROM snapshot")
        print(f"  snapshots stored: {snapshots}; database {db.stat().st_size / 1e6:.1f} MB")


def faults(args: argparse.Namespace) -> None:
    share = args.fault_rate / len(FAULT_KINDS)
    fault_config = FaultConfig(
        **{kind: share for kind in FAULT_KINDS},
        seed=args.seed,
        timeout_seconds=4.0,
        slow_seconds=2.0,
        oversized_bytes=2_000_000,
    )
    with (
        tempfile.TemporaryDirectory() as tmp,
        SimulatorServer(seed=1, speed=3600, faults=fault_config) as sim,
    ):
        db, config = Path(tmp) / "apprank.db", Path(tmp) / "config.toml"
        tracks = [
            {
                "countries": COUNTRIES,
                "charts": ["top-free", "top-paid"],
                "depth": 100,
                "every": args.every,
            }
        ]
        write_config(
            config,
            db,
            sim.base_url,
            tracks,
            timeout=2.0,
            retries=2,
            backoff_initial=0.2,
            backoff_max=2.0,
            max_bytes=1_000_000,
        )
        daemon = Daemon(config)
        print(
            f"faults: {len(COUNTRIES) * 2} charts every {args.every} for {args.minutes:g} min, "
            f"{args.fault_rate:.0%} of requests faulty ({share:.2%} per kind)",
            flush=True,
        )
        time.sleep(args.minutes * 60)
        code = daemon.stop()
        stats = sim.stats()
        outcomes = dict(_rows(db, "SELECT outcome, count(*) FROM fetch_attempt GROUP BY outcome"))
        snapshots = _count(db, "SELECT count(*) FROM snapshot")
        integrity = _rows(db, "PRAGMA integrity_check")
    ok = outcomes.get("ok", 0)
    print(f"  daemon exit code on SIGTERM: {code}; cycles: {daemon.cycles}")
    print(f"  simulator requests: {stats['requests']}, by outcome: {stats['by_outcome']}")
    print(f"  attempts by outcome (database): {dict(sorted(outcomes.items()))}")
    print(f"  cycle summaries (log): ok {daemon.cycle_ok}, failed {daemon.cycle_failed}")
    print(f"  snapshots stored: {snapshots}; successful fetches: {ok}")
    print(f"  integrity_check: {integrity[0][0]}")
    assert snapshots == ok, f"snapshots {snapshots} != successful fetches {ok}"
    assert integrity == [("ok",)]
    print("  OK: snapshots stored == successful fetches")


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def _count(db: Path, sql: str) -> int:
    return int(_rows(db, sql)[0][0])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench daemon", description=__doc__)
    parser.add_argument("--part", choices=["memory", "faults", "all"], default="all")
    parser.add_argument("--quick", action="store_true", help="10 and 100 cycles; 1 min of faults")
    parser.add_argument("--cycles", default=None, help="RSS marks (default 10,500,1000)")
    parser.add_argument("--tracks", type=int, default=4, help="1 s tracks of 4 charts each")
    parser.add_argument("--minutes", type=float, default=None, help="fault run (default 10)")
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--every", default="5s", help="fault run track interval")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    args.cycles = args.cycles or ("10,100" if args.quick else "10,500,1000")
    args.minutes = args.minutes if args.minutes is not None else (1.0 if args.quick else 10.0)
    if args.part in ("memory", "all"):
        memory(args)
    if args.part in ("faults", "all"):
        faults(args)


if __name__ == "__main__":
    main()
