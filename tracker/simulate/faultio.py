"""How each fault kind goes over the wire (the decision is in faults.py)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from tracker.simulate.routes import TEXT, Reply
from tracker.timeutil import isoformat_z

if TYPE_CHECKING:
    from tracker.simulate.server import SimulatorServer, _Handler

HTML_ERROR = (
    b"<!DOCTYPE html>\n<html><head><title>Service Unavailable</title></head><body>"
    b"<h1>We're sorry.</h1><p>The App Store is temporarily unavailable. Try again later.</p>"
    b"</body></html>\n"
)
_CHUNK = 64 * 1024


def send_fault(
    sim: SimulatorServer,
    handler: _Handler,
    kind: str,
    extra: float,
    reply: Reply,
    loop_url: str,
    now: datetime,
) -> None:
    """Answer `handler` with fault `kind` instead of (or by damaging) `reply`."""
    outcome = f"fault:{kind}"
    if kind == "timeout":
        sim._count(outcome, None)
        sim._stopping.wait(sim.faults.timeout_seconds)
        handler.close_connection = True
        return
    if kind == "reset":
        sim._count(outcome, reply.status)
        _head(handler, reply.status, reply.content_type, len(reply.body), now)
        handler.wfile.write(reply.body[: len(reply.body) // 2])
        handler.abort()
        return
    if kind == "oversized":
        _send_oversized(sim, handler, reply, outcome, now)
        return
    if kind == "slow":
        sim._count(outcome, reply.status)
        _head(handler, reply.status, reply.content_type, len(reply.body), now)
        _trickle(sim, handler, reply.body, sim.faults.slow_seconds)
        return
    sim._send(handler, _damaged(kind, extra, reply, loop_url, outcome, sim), now)


def _damaged(
    kind: str, extra: float, reply: Reply, loop_url: str, outcome: str, sim: SimulatorServer
) -> Reply:
    if kind == "rate_limit":
        return Reply(429, b"", TEXT, {"Retry-After": "1"}, outcome)
    if kind == "rate_limit_no_header":
        return Reply(429, b"", TEXT, {}, outcome)
    if kind == "forbidden":
        return Reply(403, b"", TEXT, {}, outcome)
    if kind == "server_error":
        status = (500, 502, 503)[int(extra * 3)]
        return Reply(status, HTML_ERROR, "text/html; charset=UTF-8", {}, outcome)
    if kind == "truncated":
        return Reply(
            200, reply.body[: len(reply.body) // 2], reply.content_type, reply.headers, outcome
        )
    if kind == "html":
        return Reply(200, HTML_ERROR, "text/html; charset=UTF-8", {}, outcome)
    if kind == "empty":
        assert reply.feed is not None
        body = sim.routes.empty_body(reply.feed)
        return Reply(200, body, reply.content_type, reply.headers, outcome)
    if kind == "redirect_loop":
        return Reply(302, b"", TEXT, {"Location": loop_url}, outcome)
    raise ValueError(f"unknown fault kind {kind!r}")


def _head(handler: _Handler, status: int, content_type: str, length: int, now: datetime) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(length))
    handler.send_header("X-Apprank-Simulated", "1")
    handler.send_header("X-Apprank-Simulated-Time", isoformat_z(now))
    handler.end_headers()


def _trickle(sim: SimulatorServer, handler: _Handler, body: bytes, seconds: float) -> None:
    """Write `body` in 20 pieces spread over `seconds` (each piece arrives well within a read
    timeout, so only a total deadline catches it)."""
    pieces = 20
    size = max(1, -(-len(body) // pieces))
    for start in range(0, len(body), size):
        handler.wfile.write(body[start : start + size])
        if sim._stopping.wait(seconds / pieces):
            handler.close_connection = True
            return


def _send_oversized(
    sim: SimulatorServer, handler: _Handler, reply: Reply, outcome: str, now: datetime
) -> None:
    """A valid feed followed by whitespace, past the configured cap (valid JSON if read whole)."""
    sim._count(outcome, reply.status)
    total = max(sim.faults.oversized_bytes + 1, len(reply.body))
    _head(handler, reply.status, reply.content_type, total, now)
    handler.wfile.write(reply.body)
    remaining = total - len(reply.body)
    padding = b" " * _CHUNK
    while remaining > 0:
        handler.wfile.write(padding[: min(_CHUNK, remaining)])
        remaining -= _CHUNK
