"""All of apprank's HTTP: the only module that imports httpx.

One `HttpClient` per fetch cycle (one event loop): total and per-host concurrency limits,
retries with exponential backoff and jitter for 429, 5xx, timeouts and connection errors
(honouring Retry-After), a size cap on bodies, and a per-host pause after repeated throttling.
Every httpx exception is translated into the `tracker.errors.FetchError` tree here.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
import os
import random
import socket
import ssl
import threading
import time
from collections import defaultdict
from collections.abc import Coroutine
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    retry_if_exception_type,
    stop_after_attempt,
)

from tracker.errors import (
    FetchError,
    FetchRefused,
    FetchTimeout,
    RedirectLoop,
    ResponseTooLarge,
)
from tracker.fetch.httpbody import content_coding, decoded
from tracker.text.redact import mask_text, mask_url
from tracker.timeutil import utcnow

log = logging.getLogger("apprank.http")

# Redirects followed for one chart (the old v2 host answers with one).
MAX_REDIRECTS = 5

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
THROTTLE_STATUSES = frozenset({403, 429})
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


@dataclass(slots=True)
class HostState:
    """Per-host throttling memory: consecutive 429/403 answers and the pause they caused."""

    throttled: int = 0
    paused_until: float = 0.0
    pause: float = 0.0


@dataclass
class HostGate:
    """Pauses every request to a host that keeps answering 429/403, for a growing interval.

    Shared across cycles by the daemon so a pause outlives one cycle.
    """

    settings: HttpSettings
    hosts: dict[str, HostState] = field(default_factory=lambda: defaultdict(HostState))

    def remaining(self, host: str) -> float:
        return max(0.0, self.hosts[host].paused_until - time.monotonic())

    def record(self, host: str, status: int | None, retry_after: float | None) -> None:
        state = self.hosts[host]
        if status not in THROTTLE_STATUSES:
            if state.throttled or state.pause:
                log.info("host %s answers normally again; pause lifted", host)
            state.throttled, state.pause = 0, 0.0
            return
        state.throttled += 1
        if state.throttled < self.settings.pause_after:
            return
        state.pause = min(
            self.settings.pause_max, max(state.pause * 2, self.settings.pause_initial)
        )
        pause = max(state.pause, retry_after or 0.0)
        if time.monotonic() + pause > state.paused_until:
            state.paused_until = time.monotonic() + pause
            log.warning(
                "host %s answered %s %d times in a row; pausing requests to it for %.0f s",
                host,
                status,
                state.throttled,
                pause,
            )
        state.throttled = 0


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
                verify=_tls_context(),
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
                or httpx.AsyncHTTPTransport(verify=_tls_context(), limits=limits),
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
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.retries + 1),
            wait=self._wait,
            retry=retry_if_exception(_is_retryable),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._get_once(url)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after: float | None = getattr(exc, "retry_after", None)  # FetchRefused, _Answered
        if retry_after is not None:
            return min(retry_after, self.settings.backoff_max)
        exponential = self.settings.backoff_initial * 2.0 ** (state.attempt_number - 1)
        return min(self.settings.backoff_max, exponential) * random.uniform(0.5, 1.0)

    async def _get_once(self, url: str) -> HttpResponse:
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
                    response = await self._read(url)
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

    async def _read(self, url: str) -> HttpResponse:
        busy = self._busy
        shard = busy.index(min(busy))
        busy[shard] += 1
        try:
            return await self._read_from(self._clients[shard], url)
        finally:
            busy[shard] -= 1

    async def _read_from(self, client: httpx.AsyncClient, url: str) -> HttpResponse:
        shown = mask_url(url)
        target = url
        try:
            for _ in range(MAX_REDIRECTS + 1):
                async with client.stream("GET", target) as response:
                    if response.next_request is not None:  # a redirect: its body is not read
                        target = str(response.next_request.url)
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
def _tls_context() -> ssl.SSLContext:
    """One TLS context per process: building one costs ~0.1 s of CPU, once per client else."""
    return ssl.create_default_context()


def _is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, ResponseTooLarge | RedirectLoop):
        return False
    if isinstance(exc, FetchRefused):
        return exc.status in RETRYABLE_STATUSES
    # timeouts and connection errors
    return isinstance(exc, FetchError)


class _Answered(Exception):
    """A retryable status, carried to tenacity; the last one is returned, not raised."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(status)
        self.status = status
        self.retry_after = retry_after


def post_json(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    retries: int,
    backoff: float = 0.5,
    backoff_max: float = 10.0,
    user_agent: str = "apprank",
) -> int:
    """POST `body` (already JSON) and return the final HTTP status (webhooks).

    Each try has `timeout` seconds in all, not per read: a receiver that answers a byte at a
    time is cut off like a silent one. Retries timeouts, connection errors, 429 and 5xx up to
    `retries` times, waiting `backoff` seconds doubling (or the server's Retry-After), at most
    `backoff_max`; so a send takes at most (retries + 1) * timeout + retries * backoff_max.
    Raises FetchTimeout or FetchError when no try got an answer; an answer, even 500, is
    returned as its status.
    """

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after: float | None = getattr(exc, "retry_after", None)  # FetchRefused, _Answered
        if retry_after is not None:
            return min(backoff_max, retry_after)
        return min(backoff_max, backoff * 2.0 ** (state.attempt_number - 1))

    sent = {"User-Agent": user_agent, **headers}

    async def send() -> int:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(retries + 1),
            wait=wait,
            retry=retry_if_exception_type((_Answered, httpx.TransportError, TimeoutError)),
            reraise=True,
        )
        async with httpx.AsyncClient(
            timeout=httpx.Timeout(timeout), follow_redirects=False, verify=_tls_context()
        ) as client:
            async for attempt in retrying:
                with attempt:
                    async with (
                        asyncio.timeout(timeout),  # the whole try, however it trickles
                        # Only the status is used: the answer's body is never read, so no
                        # receiver can make a send hold a large (or compressed) one.
                        client.stream("POST", url, content=body, headers=sent) as response,
                    ):
                        status = response.status_code
                        retry_after = parse_retry_after(response.headers.get("retry-after"))
                    if status in RETRYABLE_STATUSES:
                        raise _Answered(status, retry_after)
                    return status
        raise AssertionError("unreachable")  # pragma: no cover

    try:
        return _run_to_completion(send())
    except _Answered as answered:
        return answered.status
    except TimeoutError as exc:
        raise FetchTimeout(
            f"no complete answer within {timeout:g} s from {mask_url(url)}", url=url
        ) from exc
    except httpx.TimeoutException as exc:
        raise FetchTimeout(f"no answer within {timeout:g} s from {mask_url(url)}", url=url) from exc
    except httpx.HTTPError as exc:
        detail = mask_text(_transport_detail(exc))
        raise FetchError(
            f"{type(exc).__name__} posting to {mask_url(url)}: {detail}", url=url
        ) from exc


def _transport_detail(exc: BaseException) -> str:
    """The operating system's own words for a transport failure (`[Errno 111] Connection
    refused`), found under the async stack's generic ones (`All connection attempts failed`)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, socket.gaierror):  # the resolver's codes are not errno's
            return f"[Errno {cause.errno}] {cause.strerror}"
        if isinstance(cause, OSError) and cause.errno is not None:
            return f"[Errno {cause.errno}] {os.strerror(cause.errno)}"
        cause = cause.__cause__ or cause.__context__
    return str(exc) or type(exc).__name__


def _run_to_completion(coroutine: Coroutine[Any, Any, int]) -> int:
    """Run `coroutine` on an event loop of its own: this thread's, or, when this thread is
    already running a loop, a short-lived thread's."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run_on_own_loop(coroutine)
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="post") as pool:
        return pool.submit(_run_on_own_loop, coroutine).result()


def _run_on_own_loop(coroutine: Coroutine[Any, Any, int]) -> int:
    """asyncio.run, less its wait for the loop's executor: a DNS lookup the deadline gave up on
    runs there, in a daemon thread, for as long as the resolver takes, and neither the send nor
    the process's exit waits for it."""
    loop = asyncio.new_event_loop()
    loop.set_default_executor(_DaemonThreads())
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


class _DaemonThreads(concurrent.futures.ThreadPoolExecutor):
    """An executor running each call in a daemon thread of its own (getaddrinfo, here): its
    pool, which asyncio requires it to be, is never used, and no exit joins these threads."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def run() -> None:
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args, **kwargs))
                except BaseException as exc:  # handed to the waiting coroutine, as executors do
                    future.set_exception(exc)

        threading.Thread(target=run, name="post-resolve", daemon=True).start()
        return future
