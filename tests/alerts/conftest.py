"""Alert test fixtures: configs with rules, chart histories, and a webhook receiver on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine

from tracker.alerts.store import ensure_tables
from tracker.config.load import Config, config_from_dict
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.store.engine import open_engine
from tracker.store.writer import Attempt, SnapshotWriter

DEEPSEEK = "6737597349"
CHATGPT = "6448311069"
NAMES = {DEEPSEEK: "DeepSeek - AI Assistant", CHATGPT: "ChatGPT"}
T0 = datetime(2025, 1, 26, tzinfo=UTC)
US = ChartKey("apple", "us", "top-free")
GB = ChartKey("apple", "gb", "top-free")
SECRET = "s3cret-for-tests"


def hour(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def make_config(
    url: str,
    rules: list[dict[str, Any]],
    webhooks: dict[str, dict[str, Any]] | None = None,
    **extra: Any,
) -> Config:
    data: dict[str, Any] = {
        "database": {"url": url},
        "apps": {"deepseek": DEEPSEEK, "chatgpt": CHATGPT},
        # Quick in-send retries: tests wait milliseconds, not seconds.
        "http": {"backoff_initial": 0.01},
        "alert": rules,
        **extra,
    }
    if webhooks:
        data["notify"] = {"webhook": webhooks}
    return config_from_dict(data, "config.toml")


def alert_engine(url: str) -> Engine:
    engine = open_engine(url)
    ensure_tables(engine)
    return engine


class History:
    """Writes chart snapshots through the real writer: `ids` in rank order; filler apps pad a
    chart to `depth` rows."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.writer = SnapshotWriter(engine)

    def save(
        self, key: ChartKey, at: datetime, ids: list[str], depth: int = 10
    ) -> tuple[ChartKey, int]:
        filler = [str(1000 + i) for i in range(depth)]
        apps = (ids + [f for f in filler if f not in ids])[:depth]
        entries = tuple(
            ChartEntry(rank, app_id, NAMES.get(app_id, f"Filler {app_id}"), "Dev")
            for rank, app_id in enumerate(apps, start=1)
        )
        saved = self.writer.save(
            ChartSnapshot(ChartRequest(key, depth), entries, at), at, Attempt(at, 100, "ok", 200)
        )
        return key, saved.snapshot_id

    def fail(self, key: ChartKey, at: datetime) -> None:
        self.writer.record_failure(key, Attempt(at, 5000, "timeout", None, "timed out"))


def ranked(rank: int, app: str = DEEPSEEK, others: dict[int, str] | None = None) -> list[str]:
    """A chart order putting `app` at `rank` (and `others` at theirs); fillers elsewhere."""
    placed = {rank: app, **(others or {})}
    out, filler = [], iter(str(2000 + i) for i in range(1000))
    for position in range(1, max(placed) + 1):
        out.append(placed.get(position) or next(filler))
    return out


@dataclass
class Reply:
    status: int = 200
    delay: float = 0.0


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver on loopback: records every POST and answers from `replies` in turn
    (the last one repeats; 200 when empty)."""

    port: int = 0
    replies: list[Reply] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.received.append(
                    Received({k.lower(): v for k, v in self.headers.items()}, body)
                )
                reply = (
                    receiver.replies.pop(0)
                    if len(receiver.replies) > 1
                    else (receiver.replies[0] if receiver.replies else Reply())
                )
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that timed out and left is expected here

        self._httpd = Server(("127.0.0.1", self.port), Handler)
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def free_port() -> int:
    """A loopback port nobody listens on (a receiver that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'apprank.db'}"


class TricklingReceiver:
    """Reads each request, then sends `HTTP/1.1 200 OK...` one byte every `every` seconds, for
    as long as the client stays (at most `hold` seconds): never a complete answer in time."""

    def __init__(self, every: float = 0.25, hold: float = 120.0) -> None:
        self.every, self.hold = every, hold
        self.connections = 0
        self.open = 0
        self._stop = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}/hook"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        self.open += 1
        with conn:
            conn.recv(65536)
            answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + b"X-Pad: x\r\n" * 10_000
            end = time.monotonic() + self.hold
            for byte in answer:
                if self._stop.wait(self.every) or time.monotonic() > end:
                    break
                try:
                    conn.send(bytes([byte]))
                except OSError:  # the client gave up: what a deadline is for
                    break
        self.open -= 1

    def close(self) -> None:
        self._stop.set()
        self._server.close()


@pytest.fixture
def trickling() -> Iterator[TricklingReceiver]:
    server = TricklingReceiver()
    yield server
    server.close()
