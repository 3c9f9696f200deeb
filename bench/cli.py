"""Benchmark: how long `apprank` takes to start, against Python with only its CLI libraries.

Each command runs as a fresh process, as a person runs it, in rounds: every round runs each
floor and each command once, in turn, so machine load falls on all of them alike. Printed per
command: the median wall time and the median CPU time (user + system of the child, which load
disturbs less), and both as ratios to the floor measured in the same rounds:

- help floor: `python -c "import typer, rich.console"`, for `apprank --help` and each
  `apprank COMMAND --help`;
- read floor: the same plus `sqlalchemy.engine` and `sqlite3`, for `top`, `status` and
  `history` (2 apps, 1 country) on a demo database (`apprank demo --days 1`, made once in a
  temporary folder unless --demo names one).

Also printed, not a target: `python -c pass`, and a one-command typer app's own `--help`
(typer >= 0.26 builds pydantic adapters for the parameters, so that part is typer's).

    python -m bench cli [--rounds 7] [--quick] [--demo FOLDER]

The targets are ratios of at most 1.3.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tracker.cli import COMMANDS

HELP_FLOOR = "import typer, rich.console"
READ_FLOOR = "import typer, rich.console, sqlalchemy.engine, sqlite3"
TYPER_APP = (
    "import typer\n"
    "app = typer.Typer(add_completion=False)\n"
    "@app.command()\n"
    "def top(country: str = 'us', limit: int = 10) -> None: ...\n"
    "@app.callback()\n"
    "def root() -> None: ...\n"
    "app(['top', '--help'], prog_name='x')\n"
)
TARGET = 1.3


def timed(argv: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one run; a failing command stops the bench."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr.decode(errors="replace"))
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _env() -> dict[str, str]:
    env = {**os.environ, "MPLBACKEND": "Agg", "COLUMNS": "100", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("APPRANK_CONFIG", None)
    env.pop("APPRANK_DATABASE_URL", None)
    return env


def make_demo(folder: Path) -> Path:
    """A one-day demo database in `folder` (its config.toml points at it)."""
    out = folder / "demo"
    if not (out / "config.toml").exists():
        print(f"making a one-day demo database in {out} ...", flush=True)
        apprank = [sys.executable, "-m", "tracker"]
        subprocess.run([*apprank, "demo", "--out", str(out), "--days", "1"], check=True,
                       env=_env(), capture_output=True)  # fmt: skip
    return out


def cases(demo: Path) -> tuple[dict[str, list[str]], dict[str, tuple[str, list[str]]]]:
    """Floors by name, and commands by name with the floor they are compared to."""
    py = sys.executable
    apprank = [py, "-m", "tracker"]
    floors = {
        "python -c pass": [py, "-c", "pass"],
        "help floor": [py, "-c", HELP_FLOOR],
        "read floor": [py, "-c", READ_FLOOR],
        "typer app --help": [py, "-c", TYPER_APP],
    }
    commands: dict[str, tuple[str, list[str]]] = {
        "apprank --help": ("help floor", [*apprank, "--help"]),
    }
    for name in dict.fromkeys(COMMANDS):
        commands[f"apprank {name} --help"] = ("help floor", [*apprank, name, "--help"])
    config = ["--config", str(demo / "config.toml")]
    commands["apprank top"] = ("read floor", [*apprank, "top", "--limit", "10", *config])
    commands["apprank status"] = ("read floor", [*apprank, "status", *config])
    commands["apprank history"] = (
        "read floor",
        [*apprank, "history", "deepseek", "chatgpt", "--country", "us", *config],
    )
    return floors, commands


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench cli", description=__doc__)
    parser.add_argument("--rounds", type=int, default=7, help="runs of each (default 7)")
    parser.add_argument("--quick", action="store_true", help="3 rounds, fewer --help commands")
    parser.add_argument("--demo", type=Path, help="a demo folder made by `apprank demo`")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds = min(args.rounds, 3)
    with tempfile.TemporaryDirectory(prefix="apprank-bench-cli-") as tmp:
        demo = args.demo or make_demo(Path(tmp))
        floors, commands = cases(demo)
        if args.quick:
            keep = {"apprank --help", "apprank top --help", "apprank history --help"}
            commands = {k: v for k, v in commands.items() if "--help" not in k or k in keep}
        everything = {**floors, **{k: v[1] for k, v in commands.items()}}
        for argv_ in everything.values():  # warm-up: bytecode caches, page cache
            timed(argv_, demo)
        walls: dict[str, list[float]] = {k: [] for k in everything}
        cpus: dict[str, list[float]] = {k: [] for k in everything}
        for _ in range(args.rounds):
            for name, argv_ in everything.items():
                wall, cpu = timed(argv_, demo)
                walls[name].append(wall)
                cpus[name].append(cpu)
    wall = {k: statistics.median(v) for k, v in walls.items()}
    cpu = {k: statistics.median(v) for k, v in cpus.items()}
    print(f"medians of {args.rounds} rounds; ratios to the floor of the same rounds")
    print(f"{'':28} {'wall ms':>8} {'cpu ms':>8} {'wall x':>7} {'cpu x':>7}")
    for name in floors:
        print(f"{name:28} {wall[name] * 1000:8.0f} {cpu[name] * 1000:8.0f}")
    misses = 0
    for name, (floor, _) in commands.items():
        rw, rc = wall[name] / wall[floor], cpu[name] / cpu[floor]
        mark = "" if rc <= TARGET else f"  > {TARGET} ({floor})"
        misses += rc > TARGET
        print(
            f"{name:28} {wall[name] * 1000:8.0f} {cpu[name] * 1000:8.0f} {rw:7.2f} {rc:7.2f}{mark}"
        )
    print(f"{len(commands) - misses} of {len(commands)} within {TARGET}x of their floor (CPU)")


if __name__ == "__main__":
    main()
