"""cycle: `apprank fetch` of 522 charts (174 storefronts x 3 charts) from the simulator with
100 ms added latency per response, at concurrency 16; then Google Play against Apple's v2 feed
(the same countries and charts, alternating), and the memory of one 200-entry Play parse.

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


def _fetch_cpu_per_chart(url: str, track: str) -> tuple[float, float, int]:
    """(wall s, CPU ms per chart less start-up, charts) of one `apprank fetch` of `track`."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text(
            f'[database]\nurl = "sqlite:///{tmp}/apprank.db"\n'
            f"[http]\nconcurrency = {CONCURRENCY}\nper_host = {CONCURRENCY}\n"
            f'[sources.apple]\nbase_url = "{url}"\n[sources.googleplay]\nbase_url = "{url}"\n'
            f"{track}"
        )
        env = {**os.environ, "APPRANK_CONFIG": str(config)}
        wall, cpu, proc = _timed([sys.executable, "-m", "tracker", "fetch"], env)
        if proc.returncode != 0:
            raise SystemExit(f"apprank fetch failed: {proc.stdout[-500:]}{proc.stderr[-500:]}")
        charts = int(proc.stdout.split()[0])
        _, status_cpu, _ = _timed([sys.executable, "-m", "tracker", "status", "--json"], env)
    return wall, (cpu - status_cpu) / charts * 1000, charts


def _stores(url: str, repeats: int) -> list[str]:
    """Google Play against Apple's v2 feed: the same countries, charts of the same depth (100),
    the same simulator and latency, alternating run by run."""
    # Google Play has no storefront in China (the simulator answers no chart there).
    countries = ", ".join(f'"{c}"' for c in STOREFRONTS if c != "cn")
    tracks = {
        "Apple v2": f'[[track]]\ncountries = [{countries}]\ncharts = ["top-free", "top-paid"]\n',
        "Google Play": (
            f'[[track]]\nsource = "googleplay"\ncountries = [{countries}]\n'
            'charts = ["top-free", "top-paid"]\n'
        ),
    }
    runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in tracks}
    for _ in range(repeats):
        for name, track in tracks.items():
            runs[name].append(_fetch_cpu_per_chart(url, track))
    rates, lines = {}, []
    for name, measured in runs.items():
        charts = measured[0][2]
        wall = statistics.median(m[0] for m in measured)
        cpu = statistics.median(m[1] for m in measured)
        rates[name] = (charts / wall, cpu)
        lines.append(
            f"{name + ':':<12} {charts} charts, {charts / wall:6.1f} charts/s, "
            f"{cpu:5.2f} ms CPU per chart"
        )
    (apple_rate, apple_cpu), (play_rate, play_cpu) = rates["Apple v2"], rates["Google Play"]
    lines.append(
        f"Google Play / Apple v2   {play_rate / apple_rate:5.2f}x charts/s, "
        f"{play_cpu / apple_cpu:5.2f}x CPU per chart"
    )
    peak = play_parse_peak(url) / 1024
    lines.append(f"one 200-entry Google Play parse: peak {peak:,.0f} KiB allocated (tracemalloc)")
    return lines


def play_parse_peak(url: str) -> int:
    """Peak bytes allocated (tracemalloc) while parsing one 200-entry Google Play answer."""
    import tracemalloc

    import httpx

    from tracker.config.facts import SourceSettings
    from tracker.fetch.sources.googleplay import GooglePlaySource
    from tracker.models import ChartKey, ChartRequest

    source = GooglePlaySource()
    request = ChartRequest(ChartKey("googleplay", "us", "top-free", "all", "phone"), 200)
    asked = source.request(request, SourceSettings(url))
    body = httpx.post(asked.url, headers=dict(asked.headers), content=asked.body).content
    tracemalloc.start()
    snapshot = source.parse(request, body, url=asked.url)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if snapshot.depth_returned != 200:
        raise SystemExit(f"asked for 200 entries, parsed {snapshot.depth_returned}")
    return peak


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
        stores = _stores(url, repeats)
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

    for line in stores:
        print(line)


if __name__ == "__main__":
    main()
