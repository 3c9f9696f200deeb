"""tracker.fetch.http, pauses and webhook: retries, Retry-After, size caps, redirects, host
pauses, errors."""

from __future__ import annotations

import asyncio
import time
import zlib

import httpx
import pytest
import respx

from tracker.errors import (
    FeedFormatError,
    FetchError,
    FetchRefused,
    FetchTimeout,
    RedirectLoop,
    ResponseTooLarge,
)
from tracker.fetch.http import HttpClient, HttpSettings, parse_retry_after
from tracker.fetch.httpbody import DECODE_CHUNK, decoded
from tracker.fetch.pauses import HostGate
from tracker.fetch.webhook import post_json

URL = "https://rss.example.test/api/v2/us/apps/top-free/10/apps.json"
FAST = HttpSettings(retries=3, backoff_initial=0.0, backoff_max=0.05, timeout=2.0)


def get(url: str = URL, settings: HttpSettings = FAST, gate: HostGate | None = None):
    async def go():
        async with HttpClient(settings, gate=gate) as client:
            return await client.get(url)

    return asyncio.run(go())


@respx.mock
def test_429_with_retry_after_is_retried_after_the_delay() -> None:
    route = respx.get(URL).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "0"}),
            httpx.Response(200, content=b"{}"),
        ]
    )
    response = get()
    assert response.status == 200
    assert route.call_count == 2


@respx.mock
def test_retry_after_is_honoured_up_to_backoff_max() -> None:
    respx.get(URL).mock(
        side_effect=[httpx.Response(503, headers={"Retry-After": "1"}), httpx.Response(200)]
    )
    started = time.monotonic()
    get(settings=HttpSettings(retries=1, backoff_initial=0.0, backoff_max=5.0))
    assert 0.9 <= time.monotonic() - started < 3


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@respx.mock
def test_server_errors_are_retried_then_reported(status: int) -> None:
    route = respx.get(URL).mock(return_value=httpx.Response(status))
    with pytest.raises(FetchRefused) as caught:
        get()
    assert route.call_count == 4  # the first try and three retries
    assert caught.value.status == status
    assert str(caught.value) == f"HTTP {status} from {URL}"


@pytest.mark.parametrize("status", [400, 403, 404, 410])
@respx.mock
def test_client_errors_other_than_429_are_not_retried(status: int) -> None:
    route = respx.get(URL).mock(return_value=httpx.Response(status))
    with pytest.raises(FetchRefused):
        get()
    assert route.call_count == 1


@respx.mock
def test_timeouts_and_connection_errors_are_retried() -> None:
    route = respx.get(URL).mock(
        side_effect=[
            httpx.ReadTimeout("slow"),
            httpx.ConnectError("refused"),
            httpx.Response(200, content=b"ok"),
        ]
    )
    assert get().body == b"ok"
    assert route.call_count == 3


@respx.mock
def test_persistent_timeout_becomes_fetch_timeout() -> None:
    respx.get(URL).mock(side_effect=httpx.ConnectTimeout("no answer"))
    with pytest.raises(FetchTimeout, match="timed out"):
        get()


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectError("x"),
        httpx.ReadError("x"),
        httpx.RemoteProtocolError("x"),
        httpx.WriteError("x"),
    ],
)
@respx.mock
def test_every_transport_error_becomes_a_fetch_error(exc: Exception) -> None:
    respx.get(URL).mock(side_effect=exc)
    with pytest.raises(FetchError) as caught:
        get(settings=HttpSettings(retries=0))
    assert type(exc).__name__ in str(caught.value)
    assert URL in str(caught.value)


@respx.mock
def test_body_over_the_declared_cap_is_refused_without_retry() -> None:
    route = respx.get(URL).mock(return_value=httpx.Response(200, content=b"x" * 2048))
    with pytest.raises(ResponseTooLarge, match="exceeds the 1024-byte cap"):
        get(settings=HttpSettings(max_bytes=1024, retries=2))
    assert route.call_count == 1


@respx.mock
def test_streamed_body_over_the_cap_is_refused() -> None:
    async def chunks():
        for _ in range(4):
            yield b"y" * 600

    respx.get(URL).mock(return_value=httpx.Response(200, content=chunks()))
    with pytest.raises(ResponseTooLarge):
        get(settings=HttpSettings(max_bytes=1024))


@respx.mock
def test_301_from_the_old_host_is_followed() -> None:
    old = "https://rss.applemarketingtools.com/api/v2/us/apps/top-free/10/apps.json"
    respx.get(old).mock(return_value=httpx.Response(301, headers={"Location": URL}))
    respx.get(URL).mock(return_value=httpx.Response(200, content=b"{}"))
    response = get(old)
    assert response.url == URL
    assert response.body == b"{}"


@respx.mock
def test_a_redirect_s_body_is_never_read() -> None:
    """A 302 carrying a gzip bomb (or an endless body) is left unread: only the final answer
    goes through the cap and the one-coding rule. (httpx, following redirects itself, read
    each 3xx body whole with its own decoders: 657 MB for a 300 KB bomb.)"""
    read = []
    final_url = URL.replace("/10/", "/11/")

    async def bomb():
        read.append(True)
        yield _compress(bytes(64 * 1024 * 1024), GZIP_WBITS)

    respx.get(URL).mock(
        return_value=httpx.Response(
            302,
            content=bomb(),
            headers={"Location": final_url, "Content-Encoding": "gzip, gzip"},
        )
    )
    respx.get(final_url).mock(return_value=httpx.Response(200, content=b"{}"))
    response = get(settings=HttpSettings(max_bytes=1024, retries=0))
    assert (response.status, response.body, response.url) == (200, b"{}", final_url)
    assert read == []


@respx.mock
def test_redirect_loop_is_refused_without_retry() -> None:
    route = respx.get(URL).mock(return_value=httpx.Response(302, headers={"Location": URL}))
    with pytest.raises(RedirectLoop, match="too many redirects"):
        get()
    assert route.call_count == 6  # the request and five redirects, once


@respx.mock
def test_javascript_content_type_is_read_as_is() -> None:
    respx.get(URL).mock(
        return_value=httpx.Response(
            200, content=b'{"feed":{}}', headers={"Content-Type": "text/javascript; charset=UTF-8"}
        )
    )
    assert get().body == b'{"feed":{}}'


@respx.mock
def test_user_agent_is_sent() -> None:
    route = respx.get(URL).mock(return_value=httpx.Response(200))
    get(settings=HttpSettings(user_agent="apprank/9.9"))
    assert route.calls.last.request.headers["User-Agent"] == "apprank/9.9"


@respx.mock
def test_repeated_throttling_pauses_the_host_then_fails_fast() -> None:
    settings = HttpSettings(retries=0, pause_after=2, pause_initial=30.0)
    gate = HostGate(settings)
    route = respx.get(URL).mock(return_value=httpx.Response(403))
    for _ in range(2):
        with pytest.raises(FetchRefused):
            get(settings=settings, gate=gate)
    assert 29 < gate.remaining("rss.example.test") <= 30
    with pytest.raises(FetchRefused, match="paused for 30 s") as caught:
        get(settings=settings, gate=gate)
    assert caught.value.status is None
    assert route.call_count == 2  # the paused request never left


def test_pause_grows_and_honours_a_longer_retry_after() -> None:
    gate = HostGate(HttpSettings(pause_after=1, pause_initial=10.0, pause_max=35.0))
    gate.record("h", 429, None)
    assert 9 < gate.remaining("h") <= 10
    gate.record("h", 429, None)
    assert 19 < gate.remaining("h") <= 20
    gate.record("h", 429, 120.0)
    assert 119 < gate.remaining("h") <= 120
    gate.record("h", 200, None)
    assert gate.hosts["h"].pause == 0.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [("5", 5.0), ("0", 0.0), (None, None), ("soon", None), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)],
)
def test_retry_after_parses_seconds_and_past_dates(
    value: str | None, expected: float | None
) -> None:
    assert parse_retry_after(value) == expected


def test_concurrency_limits_hold(feed_server) -> None:
    """No more than `per_host` requests are in flight to one host."""
    import threading

    in_flight = 0
    peak = 0
    lock = threading.Lock()

    from http.server import BaseHTTPRequestHandler

    original = feed_server._httpd.RequestHandlerClass

    class Slow(original):  # type: ignore[misc, valid-type]
        def do_GET(self) -> None:
            nonlocal in_flight, peak
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            time.sleep(0.05)
            with lock:
                in_flight -= 1
            super().do_GET()

    assert issubclass(Slow, BaseHTTPRequestHandler)
    feed_server._httpd.RequestHandlerClass = Slow
    feed_server.serve("/x", b"{}")

    async def go():
        async with HttpClient(HttpSettings(concurrency=8, per_host=3)) as client:
            await asyncio.gather(*(client.get(feed_server.base_url + "/x") for _ in range(12)))

    asyncio.run(go())
    assert peak == 3


GZIP_WBITS = zlib.MAX_WBITS | 16
# 1.3 MB that compresses well but is not all one byte: checks every piece arrives in order.
PLAIN = b"".join(b"%08d " % i + bytes(120) for i in range(10_000))


def _streamed(body: bytes) -> httpx.AsyncByteStream:
    """Content httpx leaves undecoded until read (bytes given to httpx.Response are decoded
    when the response is built, in the test, not in HttpClient)."""

    async def chunks():
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    return chunks()


def _compress(data: bytes, wbits: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize(
    ("coding", "wbits"),
    [("gzip", GZIP_WBITS), ("x-gzip", GZIP_WBITS), ("deflate", zlib.MAX_WBITS),
     ("deflate", -zlib.MAX_WBITS), ("identity", None)],
)  # fmt: skip
@respx.mock
def test_encoded_bodies_are_decoded_exactly(coding: str, wbits: int | None) -> None:
    body = PLAIN if wbits is None else _compress(PLAIN, wbits)
    respx.get(URL).mock(
        return_value=httpx.Response(
            200, content=_streamed(body), headers={"Content-Encoding": coding}
        )
    )
    assert get().body == PLAIN


@respx.mock
def test_gzip_body_is_capped_once_decoded_without_retry() -> None:
    body = _compress(bytes(50_000), GZIP_WBITS)
    assert len(body) < 1024
    route = respx.get(URL).mock(
        return_value=httpx.Response(
            200, content=_streamed(body), headers={"Content-Encoding": "gzip"}
        )
    )
    with pytest.raises(ResponseTooLarge) as caught:
        get(settings=HttpSettings(max_bytes=1024, retries=2))
    assert str(caught.value) == f"response exceeds the 1024-byte cap once decoded (gzip): {URL}"
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("header", "why"),
    [("gzip, gzip", "only one content coding is accepted"),
     ("deflate,gzip", "only one content coding is accepted"),
     ("br", "not gzip or deflate")],
)  # fmt: skip
@respx.mock
def test_stacked_or_unknown_content_encoding_is_refused(header: str, why: str) -> None:
    route = respx.get(URL).mock(
        return_value=httpx.Response(
            200, content=_streamed(b"x"), headers={"Content-Encoding": header}
        )
    )
    with pytest.raises(FeedFormatError) as caught:
        get()
    assert str(caught.value) == f"refused Content-Encoding {header!r} from {URL}: {why}"
    assert route.call_count == 1


@respx.mock
def test_corrupt_gzip_is_a_format_error() -> None:
    respx.get(URL).mock(
        return_value=httpx.Response(
            200, content=_streamed(b"not gzip"), headers={"Content-Encoding": "gzip"}
        )
    )
    with pytest.raises(FeedFormatError, match=r"^invalid gzip body from https://rss\.example"):
        get()


def test_a_bomb_is_decoded_in_bounded_pieces() -> None:
    """No single decompress call holds the loop or memory for more than DECODE_CHUNK bytes."""
    bomb = _compress(bytes(64 * 1024 * 1024), GZIP_WBITS)

    async def raw():
        for start in range(0, len(bomb), 65536):
            yield bomb[start : start + 65536]

    async def sizes() -> list[int]:
        return [len(piece) async for piece in decoded(raw(), "gzip", 10**9, URL)]

    pieces = asyncio.run(sizes())
    assert sum(pieces) == 64 * 1024 * 1024
    assert max(pieces) == DECODE_CHUNK


def test_credentials_in_a_url_never_reach_an_error_message(feed_server) -> None:
    feed_server.serve("/x?token=abcdef", b"", status=500)
    secret_url = feed_server.base_url.replace("://", "://user:hunter2@") + "/x?token=abcdef"
    with pytest.raises(FetchRefused) as caught:
        get(secret_url, settings=HttpSettings(retries=0))
    assert str(caught.value) == (
        f"HTTP 500 from {feed_server.base_url.replace('://', '://user:***@')}/x?token=***"
    )
    closed = "http://user:hunter2@127.0.0.1:9/hook?sig=s3cr3t"
    with pytest.raises(FetchError) as posted:
        post_json(closed, b"{}", {}, timeout=1.0, retries=0)
    assert "hunter2" not in str(posted.value) and "s3cr3t" not in str(posted.value)
    assert str(posted.value).startswith(
        "ConnectError posting to http://user:***@127.0.0.1:9/hook?sig=***"
    )


def test_a_name_that_does_not_resolve_is_said_in_the_resolver_s_words() -> None:
    with pytest.raises(FetchError) as caught:
        post_json("http://no-such-host.invalid/hook", b"{}", {}, timeout=5, retries=0)
    message = str(caught.value)
    assert message.startswith("ConnectError posting to http://no-such-host.invalid/hook: [Errno -")
    assert "Unknown error" not in message  # os.strerror knows no resolver codes
