"""Webhook posting: one JSON body to one URL, with retries, a deadline per try, and the final
status returned (alerts' deliveries use it; fetching uses `HttpClient`).

Runs on an event loop of its own, so a caller needs none; a name lookup the deadline gave up on
finishes in a daemon thread that neither the send nor the process's exit waits for.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import socket
import threading
from collections.abc import Coroutine
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from tracker.errors import FetchError, FetchTimeout
from tracker.fetch.http import RETRYABLE_STATUSES, parse_retry_after, tls_context
from tracker.text.redact import mask_text, mask_url


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
        retry_after: float | None = getattr(exc, "retry_after", None)  # _Answered
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
            timeout=httpx.Timeout(timeout), follow_redirects=False, verify=tls_context()
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
