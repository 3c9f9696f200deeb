"""A streamed download: a blocking writer in a worker thread, its bytes sent as they come.

The writer (an export writing CSV or JSONL) runs in one of the pool's threads and writes to a
`ChunkWriter`, which hands pieces of about CHUNK bytes to the event loop; at most SLOTS pieces
wait to be sent, so memory stays flat however large the download, and the writer waits while
the client reads. The first piece is awaited before the response starts, so an error found
before any byte (a bad parameter, nothing stored) is still a JSON error with its status.
After that, the download is cut (the client sees an incomplete body, never a short file that
looks whole) when a piece takes longer than the request timeout to come, when the client stops
reading for STALL seconds, or when the client goes away; the writer stops at its next write or
SQL step either way.
"""

from __future__ import annotations

import asyncio
import io
import logging
import math
import threading
from collections.abc import AsyncIterator, Callable
from typing import IO, Any, cast

from tracker.web.work import Cancelled, Deadline, Workers

CHUNK = 64 * 1024
SLOTS = 8
STALL = 120.0  # seconds a client may leave a piece unread
log = logging.getLogger("apprank.web")
_END = object()


class ChunkWriter(io.RawIOBase):
    """A binary stream whose bytes go to the response, CHUNK at a time."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        queue: asyncio.Queue[Any],
        slots: threading.Semaphore,
        deadline: Deadline,
    ) -> None:
        super().__init__()
        self.loop, self.queue, self.slots, self.deadline = loop, queue, slots, deadline
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.buffer += data
        if len(self.buffer) >= CHUNK:
            self.send(bytes(self.buffer))
            self.buffer.clear()
        return len(data)

    def send(self, item: object) -> None:
        """Hand `item` to the event loop once a slot is free (the client has read enough)."""
        waited = 0.0
        while not self.slots.acquire(timeout=0.25):
            self.deadline.check()
            waited += 0.25
            if waited >= STALL:
                raise Cancelled("the client stopped reading")
        self.loop.call_soon_threadsafe(self.queue.put_nowait, item)

    def finish(self) -> None:
        if self.buffer:
            self.send(bytes(self.buffer))
            self.buffer.clear()
        self.send(_END)


async def stream(
    workers: Workers, name: str, produce: Callable[[IO[bytes]], object]
) -> AsyncIterator[bytes]:
    """Run `produce(out)` in a worker and return the bytes it writes to `out` as they come.

    Returns once the first piece is there (raising what `produce` raised before writing
    anything); exports hold one of the pool's heavy slots until the stream ends."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue()
    slots = threading.Semaphore(SLOTS)
    deadline = Deadline(math.inf)  # a long download is fine; a stalled one is cut per piece
    gate = workers.gate()
    await gate.acquire()
    writer = ChunkWriter(loop, queue, slots, deadline)

    def work() -> None:
        try:
            if workers.hook is not None:
                workers.hook(name)
            produce(cast(IO[bytes], writer))  # a RawIOBase is a binary stream
            writer.finish()
        except Cancelled:
            pass
        except BaseException as exc:  # handed to the response: raised there
            loop.call_soon_threadsafe(queue.put_nowait, exc)

    workers.start_thread(deadline, work)
    try:
        first = await _next(queue, slots, workers.timeout)
    except BaseException:
        deadline.cancelled.set()
        gate.release()
        raise
    return _pieces(first, queue, slots, workers.timeout, deadline, gate.release)


async def _next(queue: asyncio.Queue[Any], slots: threading.Semaphore, timeout: float) -> Any:
    async with asyncio.timeout(timeout):
        item = await queue.get()
    slots.release()
    if isinstance(item, BaseException):
        raise item
    return item


async def _pieces(
    first: Any,
    queue: asyncio.Queue[Any],
    slots: threading.Semaphore,
    timeout: float,
    deadline: Deadline,
    release: Callable[[], None],
) -> AsyncIterator[bytes]:
    try:
        item = first
        while item is not _END:
            yield item
            item = await _next(queue, slots, timeout)
    except TimeoutError:
        log.warning("download cut: no bytes for %ss", timeout)
        raise
    finally:
        deadline.cancelled.set()  # the client left, or the end: the writer stops either way
        release()
