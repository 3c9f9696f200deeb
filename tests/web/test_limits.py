"""Bounded: a request past `[web] request_timeout` is cancelled with a 503 (its SQL stopped at
its next step), a slow request leaves the others answering, answers cap their rows, and a
download holds a few pieces in memory however long it is."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from sqlalchemy import text

from tests.query.story import DEEPSEEK
from tests.web.served import Client, make_app, story_config
from tracker.errors import StoreError
from tracker.store.engine import read_connection
from tracker.web import streams
from tracker.web.work import Workers

# Counts forever unless stopped: what a runaway query looks like to SQLite.
RUNAWAY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c"


class Gate:
    """A test hook holding the work named `name` until released, saying when it is held."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, name: str) -> None:
        if name == self.name:
            self.entered.set()
            assert self.release.wait(30), "the test never released the held request"


@pytest.fixture
def held(tmp_path: Path) -> Iterator[Callable[..., tuple[Client, Gate]]]:
    opened = []

    def make(name: str, web: str = "") -> tuple[Client, Gate]:
        gate = Gate(name)
        app, context = make_app(story_config(tmp_path, web), hook=gate)
        opened.append((gate, context))
        return Client(app), gate

    yield make
    for gate, context in opened:
        gate.release.set()
        context.workers.close()


def test_a_request_past_the_timeout_is_cancelled_with_a_503(held: Callable[..., Any]) -> None:
    client, gate = held("history", 'request_timeout = "0.2s"')
    response = client.get("/api/v1/history?app=deepseek&country=us")
    assert gate.entered.is_set()
    assert response.status_code == 503
    assert response.json() == {
        "error": "the request took longer than 0.2s ([web] request_timeout) and was cancelled; "
        "ask for less (a shorter range, fewer apps or countries) or try again"
    }
    gate.release.set()
    assert client.get("/api/v1/top").status_code == 200


def test_a_slow_history_leaves_top_answering(held: Callable[..., Any]) -> None:
    client, gate = held("history")

    async def scenario() -> tuple[int, list[int], bool]:
        async with client.session() as session:
            slow = asyncio.ensure_future(session.get("/api/v1/history?app=deepseek&country=us"))
            await asyncio.get_running_loop().run_in_executor(None, gate.entered.wait, 30)
            quick = [(await session.get("/api/v1/top")).status_code for _ in range(5)]
            still_held = not slow.done()
            gate.release.set()
            return (await slow).status_code, quick, still_held

    status, quick, still_held = asyncio.run(scenario())
    assert (quick, still_held, status) == ([200] * 5, True, 200)


def test_a_runaway_sqlite_statement_is_stopped_at_the_deadline(tmp_path: Path) -> None:
    _, context = make_app(story_config(tmp_path))  # its engine's statements are bounded
    workers = Workers(1, 1, 0.2)  # one thread: the next call runs only if the runaway stopped

    def runaway() -> object:
        with read_connection(context.engine) as conn:
            return conn.execute(text(RUNAWAY)).scalar()

    def count() -> int:
        with read_connection(context.engine) as conn:
            return int(conn.execute(text("SELECT count(*) FROM snapshot")).scalar() or 0)

    async def scenario() -> int:
        with pytest.raises(StoreError, match=r"^database error: interrupted"):
            await workers.run("runaway", runaway)  # its own deadline expires in the worker
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):  # a request ending first cancels it too
                await workers.run("runaway", runaway)
        return await workers.run("count", count)

    try:
        assert asyncio.run(scenario()) == 10
    finally:
        workers.close()
        context.workers.close()


def test_an_answer_past_max_rows_is_refused_naming_what_to_narrow(tmp_path: Path) -> None:
    app, context = make_app(story_config(tmp_path, "max_rows = 5"))
    try:
        client = Client(app)
        # One series of five hourly points: six objects.
        history = client.get("/api/v1/history?app=deepseek&country=us")
        assert history.status_code == 400
        assert history.json() == {
            "error": "the answer holds 6 JSON objects, more than [web] max_rows (5); ask for "
            "fewer apps, countries or buckets",
            "param": "every",
        }
        fewer = client.get("/api/v1/history?app=deepseek&country=us&every=2h").json()  # four
        assert [p["rank"] for p in fewer[0]["points"]] == [2, 1, 1]
        assert [e["app_id"] for e in client.get("/api/v1/top").json()["entries"]][:1] == [DEEPSEEK]
    finally:
        context.workers.close()


def test_a_download_holds_a_few_pieces_however_long_it_is() -> None:
    workers = Workers(2, 1, 5.0)
    pieces = 200  # 12.5 MB in pieces of 64 KB
    written = [0]
    waiting: list[int] = []

    def produce(out: IO[bytes]) -> None:
        for i in range(pieces):
            out.write(bytes([i % 256]) * streams.CHUNK)  # a whole piece: handed on at once
            written[0] += 1

    async def scenario() -> int:
        sent = 0
        async for piece in await streams.stream(workers, "export", produce):
            assert len(piece) == streams.CHUNK and piece[0] == sent % 256
            sent += 1
            # A slow reader: give the writer time to run ahead as far as it may (all the
            # slots full, or everything written), then count what waits.
            async with asyncio.timeout(10):
                while written[0] - sent < min(streams.SLOTS - 1, pieces - sent):
                    await asyncio.sleep(0.001)
            waiting.append(written[0] - sent)
        return sent

    try:
        assert asyncio.run(scenario()) == pieces
    finally:
        workers.close()
    # Pieces written but not yet sent: never more than the slots (and the one being handed on).
    assert max(waiting) <= streams.SLOTS + 1
    assert max(waiting) >= streams.SLOTS - 1  # it did run ahead: the bound is what held it
