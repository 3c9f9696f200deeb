"""A receiver that answers a byte at a time can hold neither a send nor the daemon's tracks."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest

from tests.alerts.conftest import TricklingReceiver, make_config
from tracker.alerts.deliver import LEASE, QUICK_BACKOFF_MAX
from tracker.alerts.sample import send_test
from tracker.config.notify import WebhookTarget
from tracker.errors import FetchTimeout
from tracker.fetch.webhook import post_json


def test_each_try_has_a_total_deadline(trickling: TricklingReceiver, sqlite_url: str) -> None:
    """timeout = 1 with one retry: two tries of one second each, not two of two minutes (each
    read arrives well within the timeout, so a per-read timeout alone never fires)."""
    config = make_config(
        sqlite_url,
        [{"name": "r", "app": "deepseek", "when": "rank <= 1", "notify": ["webhook:slow"]}],
        {"slow": {"url": trickling.url, "timeout": 1, "retries": 1}},
    )
    started = time.monotonic()
    [result] = send_test(config, "r")
    elapsed = time.monotonic() - started
    assert (result.ok, result.http_status) == (False, None)
    assert result.error == f"no complete answer within 1 s from {trickling.url}"
    assert trickling.connections == 2
    assert elapsed < 30  # the receiver would hold each try for 120 s


def test_the_longest_possible_send_is_well_inside_the_delivery_lease() -> None:
    """Another process may take a delivery over only after its lease ends: the slowest send
    the configuration allows must end long before, or one bundle could go out twice."""
    fields = WebhookTarget.model_fields
    timeout = next(m.le for m in fields["timeout"].metadata if hasattr(m, "le"))
    retries = next(m.le for m in fields["retries"].metadata if hasattr(m, "le"))
    assert (timeout, retries) == (60, 5)  # as docs/alerts.md says
    longest = (retries + 1) * timeout + retries * QUICK_BACKOFF_MAX
    assert longest * 2 < LEASE.total_seconds()


def test_a_hung_name_lookup_does_not_stretch_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The lookup runs in an executor thread that the deadline cannot stop: the send returns
    at its deadline all the same, and leaves the thread behind (a daemon, so exit won't wait)."""
    real = socket.getaddrinfo

    def slow_resolver(host: str, *args: object, **kwargs: object) -> object:
        if host in ("slow-dns.invalid", b"slow-dns.invalid"):
            time.sleep(6)
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", slow_resolver)
    started = time.monotonic()
    with pytest.raises(FetchTimeout, match="no complete answer within 1 s"):
        post_json("http://slow-dns.invalid/hook", b"{}", {}, timeout=1, retries=0)
    assert time.monotonic() - started < 4  # not the resolver's 6 s


def test_the_answer_s_body_is_never_read() -> None:
    """A receiver answering 200 and then a body without end: the send takes the status."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def answer() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
            with contextlib.suppress(OSError):
                while not stop.wait(0.01):
                    conn.sendall(b"x" * 65536)

    threading.Thread(target=answer, daemon=True).start()
    port = server.getsockname()[1]
    started = time.monotonic()
    try:
        assert post_json(f"http://127.0.0.1:{port}/hook", b"{}", {}, timeout=5, retries=0) == 200
    finally:
        stop.set()
        server.close()
    assert time.monotonic() - started < 4  # reading the body would run into the 5 s deadline
