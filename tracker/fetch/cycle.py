"""One fetch cycle: every requested chart fetched concurrently, each stored in its own transaction.

A chart that fails is recorded as a failed attempt and never as a rank; the others still land.
A chart apprank's simulator served is stored flagged as simulated, at the simulator's time.
The cycle writes through the `SnapshotSink` its caller passes in (tracker/fetch/sink.py): the
fetch layer is below the store and imports nothing of it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tracker.config.http import HttpConfig
from tracker.config.load import Config
from tracker.errors import (
    ApprankError,
    EmptyChart,
    FeedFormatError,
    FetchError,
    FetchRefused,
    FetchTimeout,
    ResponseTooLarge,
    StoreError,
)
from tracker.fetch.http import HttpClient, HttpSettings
from tracker.fetch.pauses import HostGate
from tracker.fetch.sink import Attempt, Saved, SnapshotSink
from tracker.fetch.sources import SOURCES
from tracker.metrics import CHART_FETCHES, count
from tracker.models import ChartRequest, ChartSnapshot
from tracker.runtime import collector_paused
from tracker.text.redact import mask_url
from tracker.timeutil import parse_instant, utcnow

log = logging.getLogger("apprank.fetch")

Clock = Callable[[], datetime]

# What apprank's simulator sends with every answer (tracker/simulate/server.py); httpx headers
# arrive lower-cased.
SIMULATED_HEADER = "x-apprank-simulated"
SIMULATED_TIME_HEADER = "x-apprank-simulated-time"


def simulator_time(headers: Mapping[str, str]) -> tuple[bool, datetime | None]:
    """Whether apprank's simulator served a response, and the simulated instant it served it at.

    A simulator's chart is stored flagged as simulated and stamped with the simulator's clock, not
    ours: its market lives in its own time (e.g. January 2025), and wall-clock stamps would put
    its charts in another year than the rest of a simulated history.
    """
    if headers.get(SIMULATED_HEADER) != "1":
        return False, None
    try:
        return True, parse_instant(headers[SIMULATED_TIME_HEADER])
    except (KeyError, ValueError):
        return True, None


@dataclass(frozen=True, slots=True)
class ChartOutcome:
    """What happened to one chart in a cycle."""

    request: ChartRequest
    outcome: str
    url: str
    duration_ms: int
    http_status: int | None = None
    error: str | None = None
    snapshot_id: int | None = None
    entries: int = 0
    new_ranking: bool = False

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


@dataclass(slots=True)
class CycleResult:
    outcomes: list[ChartOutcome] = field(default_factory=list)
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def ok(self) -> list[ChartOutcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def failed(self) -> list[ChartOutcome]:
        return [o for o in self.outcomes if not o.ok]


def http_settings(http: HttpConfig) -> HttpSettings:
    """The client's settings from `[http]` (pauses in seconds)."""
    return HttpSettings(
        timeout=http.timeout,
        concurrency=http.concurrency,
        per_host=http.per_host,
        retries=http.retries,
        user_agent=http.user_agent,
        max_bytes=http.max_bytes,
        backoff_max=http.backoff_max,
        backoff_initial=http.backoff_initial,
        pause_after=http.pause_after,
        pause_initial=http.pause_initial.total_seconds(),
        pause_max=http.pause_max.total_seconds(),
    )


def classify(exc: BaseException) -> tuple[str, int | None]:
    """The attempt outcome and HTTP status for an exception."""
    status = getattr(exc, "status", None)
    if isinstance(exc, ResponseTooLarge):
        return "too_large", status
    if isinstance(exc, FetchTimeout):
        return "timeout", status
    if isinstance(exc, FetchRefused):
        return ("http_error", status) if status else ("paused", None)
    if isinstance(exc, FetchError):
        return "network", status
    if isinstance(exc, EmptyChart):
        return "empty", status
    if isinstance(exc, FeedFormatError):
        return "format", status
    if isinstance(exc, StoreError):
        return "store", status
    return "error", status


async def fetch_charts(
    config: Config,
    requests: Sequence[ChartRequest],
    writer: SnapshotSink,
    *,
    clock: Clock = utcnow,
    gate: HostGate | None = None,
    on_done: Callable[[ChartOutcome], Any] | None = None,
    slot_of: Callable[[ChartRequest], int | None] | None = None,
    transport: Any = None,
    client: HttpClient | None = None,
) -> CycleResult:
    """Fetch and store `requests` concurrently within the configured HTTP limits.

    Pass `client` to reuse one HTTP client (and its connections) across cycles on one loop.
    """
    result = CycleResult(started_at=clock())
    batches = GroupCommit(writer)
    committer = asyncio.create_task(batches.run())
    own_client = client is None
    http = client or HttpClient(http_settings(config.http), gate=gate, transport=transport)
    try:

        async def one(request: ChartRequest) -> ChartOutcome:
            outcome = await _fetch_one(config, http, batches, request, clock, slot_of)
            count(CHART_FETCHES, request.key.source, outcome.outcome)
            if on_done is not None:
                on_done(outcome)
            return outcome

        result.outcomes = list(await asyncio.gather(*(one(r) for r in requests)))
    finally:
        batches.close()
        await committer
        if own_client:
            await http.aclose()
    result.finished_at = clock()
    return result


class GroupCommit:
    """Writes the snapshots that arrive while a write is in progress together, in one
    transaction: one commit per batch instead of one per chart, and the event loop never
    waits on the database.
    """

    def __init__(self, writer: SnapshotSink) -> None:
        self.writer = writer
        self._queue: asyncio.Queue[_Pending | None] = asyncio.Queue()

    async def save(
        self, snapshot: ChartSnapshot, captured_at: datetime, attempt: Attempt, slot: int | None
    ) -> Saved:
        future: asyncio.Future[Saved] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(snapshot, captured_at, attempt, slot, future))
        return await future

    def close(self) -> None:
        self._queue.put_nowait(None)

    async def run(self) -> None:
        closing = False
        while not closing:
            first = await self._queue.get()
            if first is None:
                return
            batch = [first]
            while not self._queue.empty():
                item = self._queue.get_nowait()
                if item is None:
                    closing = True
                    break
                batch.append(item)
            try:
                saved = await asyncio.to_thread(
                    self.writer.save_many,
                    [(p.snapshot, p.captured_at, p.attempt) for p in batch],
                    slots=[p.slot for p in batch],
                )
            except Exception:
                await self._one_by_one(batch)
            else:
                for pending, one in zip(batch, saved, strict=True):
                    _settle(pending.future, result=one)

    async def _one_by_one(self, batch: list[_Pending]) -> None:
        """After a batch failed: each snapshot alone, so only the bad one fails."""
        for pending in batch:
            try:
                (one,) = await asyncio.to_thread(
                    self.writer.save_many,
                    [(pending.snapshot, pending.captured_at, pending.attempt)],
                    slots=[pending.slot],
                )
            except Exception as exc:
                _settle(pending.future, error=exc)
            else:
                _settle(pending.future, result=one)


def _settle(
    future: asyncio.Future[Saved], *, result: Saved | None = None, error: Exception | None = None
) -> None:
    # A cycle cut off by its deadline or a stop has cancelled its waiters already.
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]


@dataclass(slots=True)
class _Pending:
    snapshot: ChartSnapshot
    captured_at: datetime
    attempt: Attempt
    slot: int | None
    future: asyncio.Future[Saved]


async def _fetch_one(
    config: Config,
    client: HttpClient,
    batches: GroupCommit,
    request: ChartRequest,
    clock: Clock,
    slot_of: Callable[[ChartRequest], int | None] | None,
) -> ChartOutcome:
    source = SOURCES[request.key.source]
    asked = source.request(request, config.source_settings(request.key.source))
    url = asked.url
    shown = mask_url(url)  # what is logged, stored and printed: no credentials of a base_url
    started_at = clock()
    started = time.perf_counter()
    status: int | None = None
    body: bytes | None = None  # kept for the raw archive, unless `[archive] keep = "off"`
    try:
        response = await client.send(asked)
        status = response.status
        if config.archive.enabled:
            body = response.body
        with collector_paused():
            snapshot = source.parse(request, response.body, url=shown)
        if not snapshot.entries:
            raise EmptyChart(f"empty chart from {shown} (recorded as no data)", url=shown)
        simulated, served_at = simulator_time(response.headers)
        if simulated:
            snapshot = dataclasses.replace(snapshot, simulated=True)
        if body is not None:
            batches.writer.begin(request.key, body)
        duration_ms = int((time.perf_counter() - started) * 1000)
        attempt = Attempt(started_at, duration_ms, "ok", status, None, shown, body)
        slot = slot_of(request) if slot_of else None
        saved = await batches.save(snapshot, served_at or clock(), attempt, slot)
    except ApprankError as exc:
        duration_ms = int((time.perf_counter() - started) * 1000)
        outcome, exc_status = classify(exc)
        status = exc_status or status
        message = str(exc)
        log.warning(
            "fetch failed: source=%s country=%s chart=%s category=%s device=%s reason=%s%s: %s",
            request.key.source,
            request.key.country,
            request.key.chart,
            request.key.category,
            request.key.device,
            outcome,
            "" if status is None else f" status={status}",  # none when nothing answered
            message,
            extra={
                "source": request.key.source,
                "country": request.key.country,
                "chart": request.key.chart,
                "reason": outcome,
                "http_status": status,
            },
        )
        # A body the parser refused is archived with its attempt, to be diagnosed later.
        refused = body if outcome in ("format", "empty") else None
        attempt = Attempt(started_at, duration_ms, outcome, status, message, shown, refused)
        try:
            await asyncio.to_thread(batches.writer.record_failure, request.key, attempt)
        except StoreError as store_exc:
            log.error("could not record the failed attempt for %s: %s", shown, store_exc)
        return ChartOutcome(request, outcome, shown, duration_ms, status, message)
    return ChartOutcome(
        request,
        "ok",
        shown,
        duration_ms,
        status,
        None,
        saved.snapshot_id,
        snapshot.depth_returned,
        saved.new_ranking,
    )


def run_fetch(
    config: Config,
    requests: Sequence[ChartRequest],
    writer: SnapshotSink,
    **kwargs: Any,
) -> CycleResult:
    """Synchronous wrapper: one cycle on a fresh event loop."""
    return asyncio.run(fetch_charts(config, requests, writer, **kwargs))
