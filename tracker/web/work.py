"""Where the web server's blocking work runs: a pool of a few threads, never the event loop.

Every database query, export and chart runs in `Workers`: at most `workers` at once (the rest
wait their turn), exports and charts at most `heavy` of them, so a client drawing charts or
downloading exports always leaves threads for the quick questions. Each piece of work carries
its request's deadline: when the request times out (tracker/web/security.py answers 503), the
work is cancelled where it can be: a SQLite statement is interrupted at its next step (a
progress handler reads the deadline), a PostgreSQL statement by the server's own
statement_timeout, and work not started yet never starts.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Engine, event

P = ParamSpec("P")
T = TypeVar("T")

# How many SQLite virtual-machine steps run between two looks at the deadline (a look costs a
# thread-local read: at this spacing, nothing measurable).
PROGRESS_STEPS = 10_000


class Cancelled(Exception):
    """Internal: the work's request ended (timed out or went away); the work stops here."""


class Deadline:
    """When a request's work must stop, and whether it was called off."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.cancelled = threading.Event()

    def expired(self) -> bool:
        return self.cancelled.is_set() or time.monotonic() >= self.at

    def check(self) -> None:
        if self.expired():
            raise Cancelled("the request ended")


_current = threading.local()


def current_deadline() -> Deadline | None:
    """The deadline of the work running in this thread (None outside the web workers)."""
    return getattr(_current, "deadline", None)


def _run(deadline: Deadline, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
    deadline.check()  # timed out while waiting for a thread: never start
    _current.deadline = deadline
    try:
        return fn(*args)
    finally:
        _current.deadline = None


class Workers:
    """The bounded thread pool; see the module docstring."""

    def __init__(
        self, workers: int, heavy: int, timeout: float, *, hook: Callable[[str], None] | None = None
    ) -> None:
        self.timeout = timeout
        self.heavy = heavy
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="apprank-web")
        # A semaphore per event loop: an asyncio primitive belongs to the loop that first
        # waits on it, and tests run each request session on a loop of its own.
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._gates = weakref.WeakKeyDictionary()
        # A test seam: called in the worker thread with the work's name before it starts (the
        # slow-request and timeout tests hold a request there; None in production).
        self.hook = hook

    def gate(self) -> asyncio.Semaphore:
        """The heavy slots of the running event loop."""
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(self.heavy)
        return gate

    async def run(self, name: str, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args)` in a worker thread, awaited; the request's timeout cancels it."""
        return await self._submit(name, fn, args, kwargs)

    async def run_heavy(
        self, name: str, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """As `run`, for an export or a chart: at most `heavy` at a time."""
        async with self.gate():
            return await self._submit(name, fn, args, kwargs)

    def deadline(self) -> Deadline:
        return Deadline(self.timeout)

    async def _submit(
        self, name: str, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> T:
        deadline = self.deadline()
        call = _hooked(self.hook, name, fn, args, kwargs)
        ctx = contextvars.copy_context()
        future = asyncio.get_running_loop().run_in_executor(
            self.pool, ctx.run, _run, deadline, call, ()
        )
        try:
            return await future
        except asyncio.CancelledError:  # the request timed out or its client left
            deadline.cancelled.set()
            future.cancel()
            raise

    def start_thread(self, deadline: Deadline, fn: Callable[[], None]) -> None:
        """Run `fn` in a worker thread under `deadline`, not awaited (a streamed export)."""
        self.pool.submit(_run, deadline, fn, ())

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def _hooked(
    hook: Callable[[str], None] | None,
    name: str,
    fn: Callable[..., T],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Callable[[], T]:
    def call() -> T:
        if hook is not None:
            hook(name)
        return fn(*args, **kwargs)

    return call


_BOUNDED: weakref.WeakSet[Engine] = weakref.WeakSet()


def bound_statements(engine: Engine, timeout: float) -> None:
    """Make every statement of `engine` stop at its work's deadline: SQLite statements check
    it every PROGRESS_STEPS steps (and fail "interrupted"), PostgreSQL statements end at
    `timeout` by the server's statement_timeout. Connections already open are closed, so each
    one the pool opens next is bounded."""
    if engine in _BOUNDED:
        return
    _BOUNDED.add(engine)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _on_sqlite(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.set_progress_handler(_interrupt, PROGRESS_STEPS)

    elif engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _on_postgresql(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"SET statement_timeout = {max(1, int(timeout * 1000))}")
            cursor.close()
            dbapi_connection.commit()  # kept: the pool's rollback on return would undo it

    engine.dispose()


def _interrupt() -> int:
    """SQLite's progress handler: non-zero stops the statement."""
    deadline = current_deadline()
    return 1 if deadline is not None and deadline.expired() else 0
