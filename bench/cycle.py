"""cycle: `apprank fetch` of 522 charts (174 storefronts x 3 charts) from the simulator with
100 ms added latency per response, at concurrency 16.

Floor: the ideal wall time, charts x latency / concurrency. CPU per chart is the CPU of
`apprank fetch` less the CPU of `apprank status` (start-up), divided by the charts. The naive
loop the issue names (httpx + json + sqlite3, bench/naive.py) is measured in the same run, on
the same charts from a simulator without latency, so the CPU figure can be read against this
machine's speed: the target, 3 ms where the naive loop takes 8 ms, is a ratio of 0.375.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tracker.storefronts import STOREFRONTS

LATENCY = 0.1
CONCURRENCY = 16


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(
    args: list[str], env: dict[str, str]
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    cpu, wall = _child_cpu(), time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    return time.perf_counter() - wall, _child_cpu() - cpu, proc


def _simulator(latency: float) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "tracker", "simulate", "--port", "0", "--latency", str(latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = server.stdout.readline() if server.stdout else ""
    match = re.search(r"http://127\.0\.0\.1:\d+", line)
    if not match:
        server.terminate()
        raise SystemExit(f"simulator did not start: {line!r}")
    return server, match.group(0)


def naive_cpu_per_chart(*args: str) -> float:
    """CPU seconds per chart of `python -m bench.naive ARGS` (its loop only, imports excluded)."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.naive", *args], capture_output=True, text=True, check=True
    )
    cpu, charts = proc.stdout.split()
    return float(cpu) / int(charts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench cycle")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else args.repeats
    server, url = _simulator(LATENCY)
    quick_server, quick_url = _simulator(0.0)
    try:
        countries = ", ".join(f'"{c}"' for c in STOREFRONTS)
        walls, cpus, status_cpus, naive, bare_httpx, charts = [], [], [], [], [], 0
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as tmp:
                config = Path(tmp) / "config.toml"
                config.write_text(
                    f'[database]\nurl = "sqlite:///{tmp}/apprank.db"\n'
                    f"[http]\nconcurrency = {CONCURRENCY}\nper_host = {CONCURRENCY}\n"
                    f'[sources.apple]\nbase_url = "{url}"\n[sources.itunes]\nbase_url = "{url}"\n'
                    f'[[track]]\ncountries = [{countries}]\ncharts = ["top-free", "top-paid"]\n'
                    f'[[track]]\nsource = "itunes"\ncountries = [{countries}]\n'
                    'charts = ["top-grossing"]\n'
                )
                env = {**os.environ, "APPRANK_CONFIG": str(config)}
                wall, cpu, proc = _timed([sys.executable, "-m", "tracker", "fetch"], env)
                if proc.returncode != 0:
                    raise SystemExit(
                        f"apprank fetch failed: {proc.stdout[-500:]}{proc.stderr[-500:]}"
                    )
                charts = int(proc.stdout.split()[0])
                _, status_cpu, _ = _timed(
                    [sys.executable, "-m", "tracker", "status", "--json"], env
                )
                walls.append(wall)
                cpus.append(cpu)
                status_cpus.append(status_cpu)
            with tempfile.TemporaryDirectory() as tmp:
                naive.append(naive_cpu_per_chart(quick_url, f"{tmp}/naive.db") * 1000)
            bare_httpx.append(naive_cpu_per_chart("--httpx-only", url, str(CONCURRENCY)) * 1000)
    finally:
        for process in (server, quick_server):
            process.terminate()
            process.wait(10)
    ideal = charts * LATENCY / CONCURRENCY
    wall = statistics.median(walls)
    per_chart = [(c - s) / charts * 1000 for c, s in zip(cpus, status_cpus, strict=True)]
    print(
        f"charts                   {charts} at concurrency {CONCURRENCY}, "
        f"{LATENCY * 1000:.0f} ms latency"
    )
    print(f"apprank fetch wall       {wall:6.2f} s  (median of {repeats})")
    print(f"ideal wall (floor)       {ideal:6.2f} s")
    print(f"ratio to ideal           {wall / ideal:6.2f}x  (target <= 1.3x)")
    ours, loop = statistics.median(per_chart), statistics.median(naive)
    print(f"CPU per chart            {ours:6.2f} ms  (target <= 3 ms where the naive loop is 8)")
    print(f"naive loop, same run     {loop:6.2f} ms  (httpx + json + sqlite3, bench/naive.py)")
    print(f"ratio to the naive loop  {ours / loop:6.2f}   (target <= 0.375 = 3 / 8)")
    print(
        f"httpx alone, same run    {statistics.median(bare_httpx):6.2f} ms  "
        f"(AsyncClient, concurrency {CONCURRENCY}, same latency, bodies dropped)"
    )


if __name__ == "__main__":
    main()
