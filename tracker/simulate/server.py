"""A loopback App Store: Apple's v2 and legacy chart feeds, and Google Play's batchexecute
charts (playroutes.py), over a simulated market and clock.

    with SimulatorServer("deepseek-2025") as sim:
        httpx.get(f"{sim.base_url}/api/v2/us/apps/top-free/100/apps.json")
        sim.clock.advance(timedelta(hours=1))

Control endpoints (JSON): GET/POST /_control/clock, GET/POST /_control/faults,
GET/DELETE /_control/stats.

Every response carries `X-Apprank-Simulated: 1` and `X-Apprank-Simulated-Time` (the simulated
instant it was served at): apprank stores snapshots from such a server flagged as simulated and
stamped with that time, so simulated data is never taken for real, nor mixed with wall-clock
times in one history.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections import Counter
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import orjson

from tracker.simulate.clock import SimClock
from tracker.simulate.faultio import send_fault
from tracker.simulate.faults import FaultConfig, FaultPlan
from tracker.simulate.market import Market
from tracker.simulate.playroutes import PLAY_PATH, PlayRoutes, serve_play
from tracker.simulate.routes import LOOP_MARK, FeedRoutes, Reply, not_found
from tracker.simulate.scenario import Scenario, load_scenario
from tracker.timeutil import isoformat_z, parse_duration, parse_instant

DEFAULT_START = datetime.fromisoformat("2025-01-20T00:00:00+00:00")
TIME_HEADER = "X-Apprank-Simulated-Time"
SIMULATED_HEADER = "X-Apprank-Simulated"
OLD_HOST_PREFIX = "/old-host"


class SimulatorServer:
    """Threaded HTTP server on 127.0.0.1 (free port by default); a context manager.

    `scenario` is a Scenario, a built-in name or a .toml path (None: organic market only).
    `seed` defaults to the scenario's, `start` to the scenario's start time. `speed` is simulated
    hours per real second (0: the clock moves only when told). Pass `market` to share one Market
    (and its caches) between servers; its seed and scenario then win.
    """

    def __init__(
        self,
        scenario: Scenario | str | None = "deepseek-2025",
        *,
        seed: int | None = None,
        start: datetime | None = None,
        speed: float = 0.0,
        faults: FaultConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        market: Market | None = None,
    ) -> None:
        if speed < 0:
            raise ValueError(f"speed must be >= 0, got {speed}")
        if isinstance(scenario, str):
            scenario = load_scenario(scenario)
        if market is None:
            default_seed = scenario.seed if scenario else 0
            market = Market(default_seed if seed is None else seed, scenario)
        self.market = market
        self.scenario = market.scenario
        start_at = start or (self.scenario.start if self.scenario else DEFAULT_START)
        self.clock = SimClock(start_at)  # runs at `speed` from start() on
        self._speed = speed
        self.host, self.port = host, port
        self.routes = FeedRoutes(market)
        self.play = PlayRoutes(market)
        self._plan = FaultPlan(faults or FaultConfig())
        self._stats: Counter[str] = Counter()
        self._status: Counter[int | str] = Counter()
        self._stats_lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> SimulatorServer:
        """Bind and serve in a background thread; sets `base_url` and `port`."""
        if self._httpd is not None:
            return self
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        httpd = _HTTPServer((self.host, self.port), _Handler, family)
        httpd.simulator = self
        self._httpd = httpd
        self.port = httpd.server_address[1]
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.base_url = f"http://{host}:{self.port}"
        self._stopping.clear()
        if self._speed:
            self.clock.set_speed(self._speed)
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"apprank-simulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut open connections and release the port."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- configuration and counters -------------------------------------------------------------

    @property
    def faults(self) -> FaultConfig:
        return self._plan.config

    def set_faults(self, faults: FaultConfig) -> None:
        """Replace the fault configuration (and restart its per-path request counters)."""
        self._plan = FaultPlan(faults)

    def stats(self) -> dict[str, Any]:
        """Feed requests served so far: total, by outcome and by status."""
        with self._stats_lock:
            return {
                "requests": sum(self._status.values()),
                "by_outcome": dict(sorted(self._stats.items())),
                "by_status": {str(k): v for k, v in sorted(self._status.items(), key=str)},
            }

    def reset_stats(self) -> None:
        with self._stats_lock:
            self._stats.clear()
            self._status.clear()

    def _count(self, outcome: str, status: int | None) -> None:
        """Count one feed request; `status` None when no response was sent (timeouts)."""
        with self._stats_lock:
            self._stats[outcome] += 1
            self._status[status if status is not None else "none"] += 1

    # --- request handling -----------------------------------------------------------------------

    def handle(self, handler: _Handler, method: str) -> None:
        now = self.clock.now()
        path, _, query = handler.path.partition("?")
        origin = f"http://{handler.headers.get('Host') or self.base_url.removeprefix('http://')}"
        if path.startswith("/_control/"):
            self._send(handler, self._control(handler, method, path), now)
            return
        latency = self._plan.config.latency
        if latency and self._stopping.wait(latency):
            return
        if path == PLAY_PATH:
            serve_play(self, handler, method, query, origin, now)
            return
        if method != "GET":
            handler.close_connection = True
            self._send(handler, Reply(405, b"Method Not Allowed", outcome="bad_method"), now)
            return
        if path.startswith(OLD_HOST_PREFIX + "/api/v2/"):
            target = origin + path.removeprefix(OLD_HOST_PREFIX) + (f"?{query}" if query else "")
            reply = Reply(301, headers={"Location": target}, outcome="redirect")
        elif path.startswith("/api/v2/"):
            reply = self.routes.v2(path, origin, now)
        elif "/rss/" in path:
            reply = self.routes.legacy(path, now)
        elif path == "/":
            reply = Reply(200, orjson.dumps(self.describe()), "application/json", outcome="index")
        else:
            reply = not_found()
        if reply.feed is not None or LOOP_MARK in query:
            self._serve_feed(handler, reply, path, query, origin, now)
        else:
            self._send(handler, reply, now)

    def describe(self) -> dict[str, Any]:
        """What `GET /` returns: what is simulated and where."""
        return {
            "simulator": "apprank",
            "simulated": True,
            "scenario": self.scenario.name if self.scenario else None,
            "seed": self.market.seed,
            "now": isoformat_z(self.clock.now()),
            "feeds": [
                "/api/v2/{cc}/apps/{chart}/{limit}/apps.json",
                "/old-host/api/v2/... (301)",
                "/{cc}/rss/{feedtype}/limit={n}[/genre={g}]/json",
                f"POST {PLAY_PATH}?hl={{lang}}&gl={{CC}}[&rt=c] (Google Play, rpc vyAe2)",
            ],
            "control": ["/_control/clock", "/_control/faults", "/_control/stats"],
        }

    def _serve_feed(
        self, handler: _Handler, reply: Reply, path: str, query: str, origin: str, now: datetime
    ) -> None:
        kind: str | None
        if LOOP_MARK in query:
            kind, extra = "redirect_loop", 0.0
        else:
            kind, extra = self._plan.decide(path)
        # Play's own kinds pass Apple's feeds by (their probabilities apply to both stores).
        if (
            kind is None
            or kind.startswith("play_")
            or (reply.feed is None and kind != "redirect_loop")
        ):
            self._send(handler, reply, now)
            return
        send_fault(self, handler, kind, extra, reply, f"{origin}{path}?{LOOP_MARK}", now)

    def _send(self, handler: _Handler, reply: Reply, now: datetime, *, count: bool = True) -> None:
        if count and reply.outcome != "control":
            self._count(reply.outcome, reply.status)
        handler.send_response(reply.status)
        handler.send_header("Content-Type", reply.content_type)
        handler.send_header("Content-Length", str(len(reply.body)))
        handler.send_header(SIMULATED_HEADER, "1")
        handler.send_header(TIME_HEADER, isoformat_z(now))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(reply.body)

    def _control(self, handler: _Handler, method: str, path: str) -> Reply:
        try:
            data = handler.read_json() if method == "POST" else {}
            result = self._control_action(method, path, data)
        except (ValueError, TypeError) as exc:
            return _json_reply(400, {"error": str(exc).replace("\n", " ")})
        return (
            _json_reply(200, result)
            if result is not None
            else _json_reply(404, {"error": "no such control endpoint"})
        )

    def _control_action(
        self, method: str, path: str, data: dict[str, Any]
    ) -> dict[str, Any] | None:
        if path == "/_control/clock" and method in ("GET", "POST"):
            if "advance" in data:
                self.clock.advance(parse_duration(str(data["advance"])))
            if "set" in data:
                self.clock.set(parse_instant(str(data["set"])))
            if "speed" in data:
                self.clock.set_speed(float(data["speed"]))
            return {"now": isoformat_z(self.clock.now()), "speed": self.clock.speed}
        if path == "/_control/faults" and method in ("GET", "POST"):
            if method == "POST":
                self.set_faults(FaultConfig.from_dict(data))
            return self.faults.to_dict()
        if path == "/_control/stats" and method in ("GET", "DELETE"):
            if method == "DELETE":
                self.reset_stats()
            return self.stats()
        return None


def _json_reply(status: int, data: dict[str, Any]) -> Reply:
    return Reply(status, orjson.dumps(data), "application/json", outcome="control")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    simulator: SimulatorServer

    def __init__(
        self, address: tuple[str, int], handler: type[_Handler], family: socket.AddressFamily
    ) -> None:
        self.address_family = family
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def track(self, sock: socket.socket, open_: bool) -> None:
        with self._open_lock:
            (self._open.add if open_ else self._open.discard)(sock)

    def close_connections(self) -> None:
        with self._open_lock:
            for sock in list(self._open):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up mid-answer are normal here; anything else is printed."""
        import sys

        kind = sys.exc_info()[0]
        if kind is not None and issubclass(kind, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "apprank-simulator"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 120  # idle keep-alive connections are dropped after this
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        try:
            self.server.simulator.handle(self, method)
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def read_body(self, limit: int) -> bytes:
        """The request body (by Content-Length); ValueError past `limit` bytes, unread."""
        length = int(self.headers.get("Content-Length") or 0)
        if length > limit:
            raise ValueError(f"body of {length} bytes, over {limit}")
        return self.rfile.read(length) if length > 0 else b""

    def read_json(self) -> dict[str, Any]:
        try:
            raw = self.read_body(1_000_000)
        except ValueError:
            raise ValueError("control body too large") from None
        data = orjson.loads(raw or b"{}")
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        return data

    def abort(self) -> None:
        """Drop the connection with a TCP reset instead of a clean close."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a simulator serving thousands of requests a second must not log each."""
