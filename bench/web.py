"""web: `apprank serve` under load, against a bare Starlette route serving the same bytes.

    python -m bench web            # the history database of `python -m bench history` (50M rows)
    python -m bench web --quick    # a month of it, fewer requests

1. `/api/v1/top` (a 100-entry chart) at 32 concurrent connections: requests/s and p50/p99
   latency, against the floor: a bare Starlette app under the same uvicorn answering every
   request with the bytes `/api/v1/top` returned (target: at least 0.5x the floor's rate).
2. `/api/v1/history` of 2 apps x 10 countries x a year hourly (175,200 points) in that database:
   p50 of sequential requests, against the same answer computed in-process (answers.history and
   the JSON encoding, no HTTP).
3. The server's resident memory after a warm-up and after 10,000 more requests (target: within
   10%).

Both servers run in subprocesses on loopback; the load comes from httpx in this process (so the
client's own cost is in both rates alike). The database is generated once by bench/history.py
and cached in bench/.cache/.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx

from bench.history import CACHE, COUNTRIES, HOURS, START, WATCHED, build
from bench.simulator import cpu_seconds

CONCURRENCY = 32
SERVING = re.compile(r"serving (http://127\.0\.0\.1:\d+) ")

FLOOR = """
import sys
import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

body = open(sys.argv[1], "rb").read()

async def top(request):
    return Response(body, media_type="application/json")

app = Starlette(routes=[Route("/api/v1/top", top)])
config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="info", access_log=True)
server = uvicorn.Server(config)
sock = config.bind_socket()
print(f"serving http://127.0.0.1:{sock.getsockname()[1]} ", file=sys.stderr, flush=True)
server.run(sockets=[sock])
"""


def database(hours: int) -> Path:
    from tracker.store.migrate import HEAD

    CACHE.mkdir(exist_ok=True)
    db = CACHE / f"history-{hours}-schema{HEAD}.db"
    if not db.exists():
        started = time.perf_counter()
        partial = db.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        build(partial, hours)
        partial.rename(db)
        print(f"  generated {db} in {time.perf_counter() - started:.0f} s", flush=True)
    return db


class Served:
    """A server subprocess and the address it printed."""

    def __init__(self, args: list[str]) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env
        )
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            found = SERVING.search(line)
            if found:
                self.url = found.group(1)
                break
        else:
            raise RuntimeError(f"the server did not start: exit {self.proc.wait()}")
        # The access log goes on being written: read it away so the pipe never fills.
        self.drain = subprocess.Popen(["cat"], stdin=self.proc.stderr, stdout=subprocess.DEVNULL)

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid) or 0.0

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)
        self.drain.wait(10)


ERRORS: list[str] = []  # connections that failed mid-request, reported with the figures


async def load(url: str, requests: int) -> tuple[float, list[float]]:
    """`requests` GETs of `url` over CONCURRENCY connections: (requests/s, latencies in s)."""
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        left = [requests]

        async def worker() -> None:
            while left[0] > 0:
                left[0] -= 1
                started = time.perf_counter()
                try:
                    response = await client.get(url)
                except httpx.TransportError as exc:  # counted, not timed
                    ERRORS.append(f"{url.split('/')[2]}: {type(exc).__name__}")
                    continue
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text[:200]

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
    return requests / elapsed, latencies


def p(latencies: list[float], q: float) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def history_url(hours: int) -> str:
    apps = "&".join(f"app={6000000000 + a}" for a in WATCHED)
    until = START + timedelta(hours=min(hours, 8760) - 1)
    return (
        f"/api/v1/history?{apps}&country={','.join(COUNTRIES[:10])}"
        f"&since={START:%Y-%m-%dT%H:%M}&until={until:%Y-%m-%dT%H:%M}"
    )


def history_in_process(db: Path, hours: int, repeats: int) -> tuple[float, int]:
    """The history answer and its JSON, computed without HTTP: (p50 s, bytes). NumPy loaded
    first, as the server loads it at start, so the join is the server's."""
    import tracker.query.arrays  # noqa: F401
    from tracker.query import answers
    from tracker.query.output import json_bytes
    from tracker.store.engine import open_engine

    engine = open_engine(f"sqlite:///{db}", read_only=True)
    until = START + timedelta(hours=min(hours, 8760) - 1)
    times, size = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        answer = answers.history(
            engine,
            {},
            [str(6000000000 + a) for a in WATCHED],
            country=[",".join(COUNTRIES[:10])],
            since=f"{START:%Y-%m-%dT%H:%M}",
            until=f"{until:%Y-%m-%dT%H:%M}",
        )
        size = len(json_bytes(answer.json()))
        times.append(time.perf_counter() - started)
    return statistics.median(times), size


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench web")
    parser.add_argument("--quick", action="store_true", help="a month of history, fewer requests")
    args = parser.parse_args(argv)
    hours = 720 if args.quick else HOURS
    requests, rss_requests, repeats = (1000, 2000, 3) if args.quick else (5000, 10_000, 5)
    db = database(hours)
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text(
            f'[database]\nurl = "sqlite:///{db}"\n[web]\nport = 0\nrequest_timeout = "60s"\n'
        )
        served = Served([sys.executable, "-m", "tracker", "serve", "--config", str(config)])
        try:
            body = httpx.get(served.url + "/api/v1/top", timeout=60).content
            print("  apprank serve: /api/v1/top", flush=True)
            asyncio.run(load(served.url + "/api/v1/top", 500))  # warm-up
            cpu = served.cpu()
            rate, latencies = asyncio.run(load(served.url + "/api/v1/top", requests))
            cpu = (served.cpu() - cpu) / requests
            print("  apprank serve: /api/v1/history", flush=True)
            url = served.url + history_url(hours)
            history = []
            for _ in range(repeats):
                started = time.perf_counter()
                response = httpx.get(url, timeout=120)
                history.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text[:300]
            print("  apprank serve: memory", flush=True)
            before = served.rss_mb()
            asyncio.run(load(served.url + "/api/v1/top", rss_requests))
            after = served.rss_mb()
        finally:
            served.stop()
        floor_file = Path(tmp) / "top.json"
        floor_file.write_bytes(body)
        print("  bare Starlette: /api/v1/top", flush=True)
        floor = Served([sys.executable, "-c", FLOOR, str(floor_file)])
        try:
            asyncio.run(load(floor.url + "/api/v1/top", 500))
            floor_cpu = floor.cpu()
            floor_rate, floor_latencies = asyncio.run(load(floor.url + "/api/v1/top", requests))
            floor_cpu = (floor.cpu() - floor_cpu) / requests
        finally:
            floor.stop()
    ours_s, size = history_in_process(db, hours, repeats)
    report(rate, latencies, floor_rate, floor_latencies, history, ours_s, size)
    print(f"  server CPU/request {cpu * 1000:8.2f} ms  (bare Starlette {floor_cpu * 1000:.2f} ms; "
          "the client's share of the two cores caps both rates)")  # fmt: skip
    growth = (after - before) / before * 100
    print(f"server memory        {before:8.1f} MB before, {after:.1f} MB after {rss_requests:,} "
          f"more requests ({growth:+.1f}%; target within 10%)")  # fmt: skip
    print(f"  database: {db.name}, {hours} hourly snapshots of 57 charts x 100 ranks")
    if ERRORS:
        print(f"  transport errors: {len(ERRORS)} ({', '.join(sorted(set(ERRORS)))})")


def report(
    rate: float,
    latencies: list[float],
    floor_rate: float,
    floor_latencies: list[float],
    history: list[float],
    in_process: float,
    size: int,
) -> None:
    print(f"/api/v1/top, {CONCURRENCY} connections ({len(latencies)} requests)")
    print(f"  apprank serve      {rate:8.0f} req/s  p50 {p(latencies, 0.5):6.1f} ms  "
          f"p99 {p(latencies, 0.99):6.1f} ms")  # fmt: skip
    print(f"  bare Starlette     {floor_rate:8.0f} req/s  p50 {p(floor_latencies, 0.5):6.1f} ms  "
          f"p99 {p(floor_latencies, 0.99):6.1f} ms")  # fmt: skip
    print(f"  ratio to floor     {rate / floor_rate:8.2f}x  (target >= 0.5x)")
    print(f"/api/v1/history, 2 apps x 10 countries, hourly ({size:,} bytes of JSON)")
    print(f"  p50 over HTTP      {statistics.median(history) * 1000:8.0f} ms")
    print(f"  in-process answer  {in_process * 1000:8.0f} ms  (answers.history + JSON encoding)")


if __name__ == "__main__":
    main()
