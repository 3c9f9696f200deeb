"""`python -m bench [NAME ...]`: run benchmarks; each prints its figures and its ratio to the floor.

With no name, lists them. `python -m bench all` runs every one in turn.
"""

from __future__ import annotations

import argparse
import importlib
import sys

BENCHMARKS = {
    "ingest": "store one full-world cycle (175 countries x 3 charts x 100 ranks) vs raw sqlite3",
    "storage": "bytes on disk per rank row after a simulated year vs a narrow WITHOUT ROWID table",
    "cycle": "apprank fetch of 525 charts from the simulator with 100 ms latency, concurrency 16",
    "history": "apprank history, 2 apps x 10 countries x 1 year hourly, in >= 50M rank rows",
    "export": "CSV export of 1M rows vs the sqlite3 -csv CLI on the same join",
    "chart": "grid chart, 4 apps x 8 countries x 1 year hourly vs bare matplotlib",
    "daemon": "resident memory after 10 and 1,000 fast daemon cycles",
    "simulator": "charts per second the simulator serves",
    "cli": "apprank start-up: --help, top, status, history vs python with typer/rich/sqlalchemy",
    "archive": "raw archive bytes per body, 24 simulated hours of the default config",
    "reparse": "apprank reparse of 10,000 archived snapshots (default config, simulator), per s",
    "web": "apprank serve: /api/v1/top at 32 connections vs bare Starlette, history p50, RSS",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="benchmarks:\n" + "\n".join(f"  {k:<10} {v}" for k, v in BENCHMARKS.items()),
    )
    parser.add_argument("names", nargs="*", help="benchmarks to run, or 'all'")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and smaller sizes")
    args, rest = parser.parse_known_args(argv)
    if not args.names:
        parser.print_help()
        return 0
    names = list(BENCHMARKS) if args.names == ["all"] else args.names
    for name in names:
        if name not in BENCHMARKS:
            print(f"unknown benchmark {name!r}; see python -m bench --help", file=sys.stderr)
            return 2
    for name in names:
        print(f"== {name}: {BENCHMARKS[name]}", flush=True)
        module = importlib.import_module(f"bench.{name}")
        module.main([*rest, *(["--quick"] if args.quick else [])])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
