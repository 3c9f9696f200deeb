"""`/api/v1/top` is kept until the database changes: asked again it is the same answer, computed
once; after the daemon's writer stores a snapshot, the next answer is the new chart."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.query.story import at, save
from tests.web.served import Client, make_app, story_config
from tracker.store.engine import open_engine
from tracker.store.writer import SnapshotWriter


def test_top_is_kept_until_a_snapshot_is_stored(tmp_path: Path) -> None:
    config = story_config(tmp_path, "workers = 1")  # one thread: one connection looking
    app, context = make_app(config)
    client = Client(app)
    try:
        first = client.get("/api/v1/top?country=us")
        generation = context.fresh.generation
        again = client.get("/api/v1/top?country=us")
        assert again.content == first.content
        assert context.fresh.generation == generation  # nothing changed: the kept answer
        assert first.json()["captured_at"] == "2025-01-26T04:05:00Z"

        writer = SnapshotWriter(open_engine(f"sqlite:///{tmp_path / 'apprank.db'}"))
        save(writer, "us", at("05:05"), ["tik", "ds", "gpt"])
        after = client.get("/api/v1/top?country=us").json()
        assert after["captured_at"] == "2025-01-26T05:05:00Z"
        assert [(e["app_id"], e["previous_rank"]) for e in after["entries"]][:2] == [
            ("835599320", None),
            ("6737597349", 1),
        ]
        assert context.fresh.generation > generation
    finally:
        context.workers.close()


def test_every_worker_serves_the_new_chart_after_a_snapshot_is_stored(tmp_path: Path) -> None:
    app, context = make_app(story_config(tmp_path, "workers = 4"))
    client = Client(app)

    async def latest_times() -> list[str]:
        async with client.session() as session:  # eight at once: several threads answer
            answers = await asyncio.gather(
                *(session.get("/api/v1/top?country=us") for _ in range(8))
            )
            return [answer.json()["captured_at"] for answer in answers]

    try:
        before = asyncio.run(latest_times())
        writer = SnapshotWriter(open_engine(f"sqlite:///{tmp_path / 'apprank.db'}"))
        save(writer, "us", at("05:05"), ["tik", "ds", "gpt"])
        after = asyncio.run(latest_times())
    finally:
        context.workers.close()
    assert (set(before), set(after)) == ({"2025-01-26T04:05:00Z"}, {"2025-01-26T05:05:00Z"})
