"""How many 100-row v2 charts per second the simulator serves to an httpx client.

The server runs in its own process (as `apprank simulate` would); the client is one
httpx.AsyncClient with 8 requests in flight, cycling through every storefront. Three rounds:

- warm: the same simulated hour again and again (bodies come from the cache);
- cold: the clock moves an hour before every sweep, so every chart is ranked and rendered afresh;
- floor: a bare http.server returning one fixed 100-row body, measured the same way.

The ratio warm / floor shows what the simulator costs over the cheapest possible Python server.
Server CPU per chart is read from /proc on Linux.

    python -m bench simulator [--requests 4000] [--concurrency 8] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import cycle
from multiprocessing.synchronize import Event
from pathlib import Path

import httpx

from tracker.storefronts import STOREFRONTS


def serve_simulator(ready: mp.Queue, stop: Event) -> None:
    from tracker.simulate import SimulatorServer

    with SimulatorServer("deepseek-2025") as sim:
        ready.put(sim.base_url)
        stop.wait()


def serve_floor(ready: mp.Queue, stop: Event, body: bytes) -> None:
    class Fixed(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.do_GET()

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Fixed)
    httpd.daemon_threads = True
    ready.put(f"http://127.0.0.1:{httpd.server_address[1]}")
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    stop.wait()
    httpd.shutdown()


async def run(base_url: str, requests: int, concurrency: int, cold: bool) -> float:
    """Charts per second over `requests` fetches with `concurrency` in flight."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    paths = cycle(f"/api/v2/{cc}/apps/top-free/100/apps.json" for cc in STOREFRONTS)
    done = 0
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal done
            while done < requests:
                done += 1
                if cold and done % len(STOREFRONTS) == 0:
                    await client.post("/_control/clock", json={"advance": "1h"})
                response = await client.get(next(paths))
                assert response.status_code == 200 and len(response.content) > 50_000

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return requests / (time.perf_counter() - started)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux only)."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return None
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    target: object,
    extra: tuple[object, ...],
    rounds: list[tuple[str, bool]],
    requests: int,
    concurrency: int,
) -> dict[str, float]:
    ctx = mp.get_context("spawn")
    ready: mp.Queue = ctx.Queue()
    stop = ctx.Event()
    server = ctx.Process(target=target, args=(ready, stop, *extra), daemon=True)
    server.start()
    rates: dict[str, float] = {}
    try:
        base_url = ready.get(timeout=60)
        asyncio.run(run(base_url, len(STOREFRONTS) + 50, concurrency, False))  # build, warm up
        for label, cold in rounds:
            before = cpu_seconds(server.pid or 0)
            rates[label] = asyncio.run(run(base_url, requests, concurrency, cold))
            after = cpu_seconds(server.pid or 0)
            line = f"{label:>5}: {rates[label]:7,.0f} charts/s"
            if before is not None and after is not None:
                line += f"   server CPU {(after - before) / requests * 1000:.2f} ms/chart"
            print(line, flush=True)
    finally:
        stop.set()
        server.join(timeout=10)
    return rates


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench simulator", description=__doc__)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="1,000 requests per round")
    args = parser.parse_args(argv)
    requests = 1000 if args.quick else args.requests
    print(f"100-row v2 charts, httpx.AsyncClient, concurrency {args.concurrency}, {requests} each")
    ours = measure(
        serve_simulator, (), [("warm", False), ("cold", True)], requests, args.concurrency
    )
    from tracker.simulate import SimulatorServer

    with SimulatorServer("deepseek-2025") as sim:
        body = httpx.get(f"{sim.base_url}/api/v2/us/apps/top-free/100/apps.json").content
    floor = measure(serve_floor, (body,), [("floor", False)], requests, args.concurrency)
    print(f"ratio warm/floor {ours['warm'] / floor['floor']:.2f} (1.00 = as fast as a bare server)")


if __name__ == "__main__":
    main()
