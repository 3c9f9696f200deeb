"""Fetching over HTTP: the client, its limits and its retry policy.

One `HttpClient` per fetch cycle (one event loop): total and per-host concurrency limits,
retries with exponential backoff and jitter for 429, 5xx, timeouts and connection errors
(honouring Retry-After), and a size cap on bodies; it asks a `HostGate` (tracker/fetch/pauses.py)
before each request, so a host that keeps throttling is left alone for a while. Every httpx
exception is translated into the `tracker.errors.FetchError` tree here. httpx is imported only
here and by the webhook sender (tracker/fetch/webhook.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
import ssl
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from tracker.errors import (
    FetchError,
    FetchRefused,
    FetchTimeout,
    RedirectLoop,
    ResponseTooLarge,
)
from tracker.fetch.httpbody import content_coding, decoded
from tracker.fetch.pauses import HostGate
from tracker.fetch.request import HttpRequest
from tracker.metrics import HTTP_RETRIES, count
from tracker.text.redact import mask_text, mask_url
from tracker.timeutil import utcnow

# Redirects followed for one chart (the old v2 host answers with one).
MAX_REDIRECTS = 5

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# Connections per httpcore pool; see HttpClient.__init__.
POOL_SIZE = 4


@dataclass(frozen=True, slots=True)
class HttpSettings:
    timeout: float = 10.0
    concurrency: int = 8
    per_host: int = 4
    retries: int = 3
    user_agent: str = "apprank"
    max_bytes: int = 10_000_000
    backoff_initial: float = 0.5
    backoff_max: float = 60.0
    # Throttle answers from one host in a row before all requests to it pause.
    pause_after: int = 3
    pause_initial: float = 30.0
    pause_max: float = 1800.0


@dataclass(frozen=True, slots=True)
class HttpResponse:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: delay-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, (when - utcnow()).total_seconds())


class HttpClient:
    """An async HTTP client for one event loop. Use as `async with HttpClient(settings) as c`."""

    def __init__(
        self,
        settings: HttpSettings,
        *,
        gate: HostGate | None = None,
        transport: Any = None,
    ) -> None:
        self.settings = settings
        self.gate = gate or HostGate(settings)
        self._total = asyncio.Semaphore(settings.concurrency)
        self._per_host: dict[str, asyncio.Semaphore] = {}
        # httpcore's pool matches every waiting request against every connection on each
        # request and each response (quadratic in the pool's size), so the connections are
        # spread over several small pools, and each request goes to the least busy one.
        shards = 1 if transport is not None else -(-settings.concurrency // POOL_SIZE)
        size = -(-settings.concurrency // shards)
        limits = httpx.Limits(
            max_connections=size, max_keepalive_connections=size, keepalive_expiry=30
        )
        self._clients = [
            httpx.AsyncClient(
                verify=tls_context(),
                timeout=httpx.Timeout(settings.timeout),
                limits=limits,
                headers={
                    "User-Agent": settings.user_agent,
                    "Accept": "application/json",
                    # Only what _decoded() decodes, with bounded output.
                    "Accept-Encoding": "gzip, deflate",
                },
                # Redirects are followed in _read_from: httpx would read each 3xx body
                # whole, with its own decoders, past the cap and the one-coding rule.
                follow_redirects=False,
                transport=transport
                or httpx.AsyncHTTPTransport(verify=tls_context(), limits=limits),
            )
            for _ in range(shards)
        ]
        self._busy = [0] * shards

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        async with contextlib.AsyncExitStack() as stack:  # every pool closed, whatever fails
            for client in self._clients:
                stack.push_async_callback(client.aclose)

    async def get(self, url: str) -> HttpResponse:
        """GET with retries; raises a FetchError subclass when every attempt failed."""
        return await self.send(HttpRequest("GET", url))

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send a source's request with retries (every chart request only reads, so a POST is
        retried as a GET is); raises a FetchError subclass when every attempt failed."""
        host = _host(request.url)
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.retries + 1),
            wait=self._wait,
            retry=retry_if_exception(_is_retryable),
            # Called once per retry, before its wait (the Prometheus count of retries).
            before_sleep=lambda _state: count(HTTP_RETRIES, host),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._send_once(request)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after: float | None = getattr(exc, "retry_after", None)  # FetchRefused
        if retry_after is not None:
            return min(retry_after, self.settings.backoff_max)
        exponential = self.settings.backoff_initial * 2.0 ** (state.attempt_number - 1)
        return min(self.settings.backoff_max, exponential) * random.uniform(0.5, 1.0)

    async def _send_once(self, request: HttpRequest) -> HttpResponse:
        url = request.url
        host = _host(url)
        shown = mask_url(url)
        semaphore = self._per_host.setdefault(host, asyncio.Semaphore(self.settings.per_host))
        async with self._total, semaphore:
            remaining = self.gate.remaining(host)
            if remaining > 0:
                raise FetchRefused(
                    f"requests to {host} are paused for {remaining:.0f} s after repeated "
                    f"throttling; not fetching {shown}",
                    url=url,
                )
            started = time.perf_counter()
            try:
                async with asyncio.timeout(self.settings.timeout * 2):
                    response = await self._read(request)
            except TimeoutError:
                raise FetchTimeout(
                    f"no complete answer within {self.settings.timeout * 2:.0f} s from {shown}",
                    url=url,
                ) from None
            elapsed = time.perf_counter() - started
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        self.gate.record(host, response.status, retry_after)
        if response.status >= 400:
            raise FetchRefused(
                f"HTTP {response.status} from {shown}",
                url=url,
                status=response.status,
                retry_after=retry_after if response.status in RETRYABLE_STATUSES else None,
            )
        return HttpResponse(response.url, response.status, response.headers, response.body, elapsed)

    async def _read(self, request: HttpRequest) -> HttpResponse:
        busy = self._busy
        shard = busy.index(min(busy))
        busy[shard] += 1
        try:
            return await self._read_from(self._clients[shard], request)
        finally:
            busy[shard] -= 1

    async def _read_from(self, client: httpx.AsyncClient, request: HttpRequest) -> HttpResponse:
        url = request.url
        shown = mask_url(url)
        target, method, body = url, request.method, request.body
        headers = dict(request.headers)
        try:
            for _ in range(MAX_REDIRECTS + 1):
                async with client.stream(method, target, headers=headers, content=body) as response:
                    if response.next_request is not None:  # a redirect: its body is not read
                        target = str(response.next_request.url)
                        if response.next_request.method != method:  # 301-303: a GET now
                            method, body = response.next_request.method, None
                        continue
                    return await self._body(response, url, shown)
            raise RedirectLoop(f"too many redirects fetching {shown}", url=url)
        except httpx.TimeoutException as exc:
            raise FetchTimeout(
                f"timed out ({type(exc).__name__}) fetching {shown}", url=url
            ) from exc
        except httpx.HTTPError as exc:
            detail = mask_text(str(exc) or type(exc).__name__)
            raise FetchError(f"{type(exc).__name__} fetching {shown}: {detail}", url=url) from exc

    async def _body(self, response: httpx.Response, url: str, shown: str) -> HttpResponse:
        """The body of the final response, decoded in bounded pieces and capped as decoded."""
        cap = self.settings.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise ResponseTooLarge(
                f"response of {int(declared)} bytes exceeds the {cap}-byte cap: {shown}",
                url=url,
                status=response.status_code,
            )
        coding = content_coding(response.headers.get("content-encoding", ""), shown)
        chunks: list[bytes] = []
        size = 0
        async for chunk in decoded(response.aiter_raw(), coding, cap, shown):
            size += len(chunk)
            if size > cap:
                how = f" once decoded ({coding})" if coding else ""
                raise ResponseTooLarge(
                    f"response exceeds the {cap}-byte cap{how}: {shown}",
                    url=url,
                    status=response.status_code,
                )
            chunks.append(chunk)
        return HttpResponse(
            str(response.url),
            response.status_code,
            {k.lower(): v for k, v in response.headers.items()},
            b"".join(chunks),
            0.0,
        )


def _host(url: str) -> str:
    """host[:port] of a URL, without any userinfo (it keys limits and shows in logs)."""
    parts = urlsplit(url)
    host = parts.hostname or parts.netloc
    return f"{host}:{parts.port}" if parts.port else host


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context per process: building one costs ~0.1 s of CPU, once per client else."""
    return ssl.create_default_context()


def _is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, ResponseTooLarge | RedirectLoop):
        return False
    if isinstance(exc, FetchRefused):
        return exc.status in RETRYABLE_STATUSES
    # timeouts and connection errors
    return isinstance(exc, FetchError)
