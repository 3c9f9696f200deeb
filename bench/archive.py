"""archive: the raw archive's size after 24 simulated hours of the default config.

The default config.toml's tracks (61 charts, hourly) fetched from the simulator over loopback
HTTP, the simulator's clock an hour on after each cycle (its market churns hour by hour as the
real charts do). Figures: the bytes stored per archived body (median, total), their ratio to
each body compressed alone with plain zstd (the floor a dictionary-less archive would reach),
and to the rank rows the same snapshots added (pages of ranking_entry and its index, dbstat).
Target: <= 3 KB per 100-entry body.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
import tomllib
from datetime import timedelta
from pathlib import Path

import orjson

from bench.world import World
from tracker.config.load import config_from_dict
from tracker.fetch.cycle import run_fetch
from tracker.models import ChartSnapshot
from tracker.simulate import SimulatorServer
from tracker.store.archive import read_body
from tracker.store.engine import dispose_all, open_engine
from tracker.store.frames import compress
from tracker.store.writer import SnapshotWriter

ROOT = Path(__file__).resolve().parents[1]
HOUR = timedelta(hours=1)


def _config(db: Path, base_url: str) -> dict[str, object]:
    data = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    data["database"] = {"url": f"sqlite:///{db}"}
    data["sources"] = {"apple": {"base_url": base_url}, "itunes": {"base_url": base_url}}
    data.pop("charts", None)
    return data


def _pages(db: Path, *names: str) -> int:
    with sqlite3.connect(db) as conn:
        marks = ", ".join("?" * len(names))
        found = conn.execute(f"SELECT sum(pgsize) FROM dbstat WHERE name IN ({marks})", names)
        return int(found.fetchone()[0] or 0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench archive")
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    hours = 6 if args.quick else args.hours
    with tempfile.TemporaryDirectory() as tmp, SimulatorServer("deepseek-2025") as sim:
        db = Path(tmp) / "apprank.db"
        config = config_from_dict(_config(db, sim.base_url))
        requests = config.requests()
        writer = SnapshotWriter(open_engine(config.database.url))
        # The first cycle stores each chart's plain frame; the rank rows it adds are a
        # chart's first ranking in full. Both are counted from the second cycle on.
        run_fetch(config, requests, writer)
        sim.clock.advance(HOUR)
        with sqlite3.connect(db) as conn:
            first_payload = conn.execute("SELECT max(id) FROM payload").fetchone()[0]
        entry_pages_before = _pages(db, "ranking_entry", "ix_ranking_entry_app")
        started = time.perf_counter()
        for _ in range(hours - 1):
            result = run_fetch(config, requests, writer)
            assert not result.failed, [o.error for o in result.failed]
            sim.clock.advance(HOUR)
        elapsed = time.perf_counter() - started
        entry_bytes = _pages(db, "ranking_entry", "ix_ranking_entry_app") - entry_pages_before
        with sqlite3.connect(db) as conn:
            rows = conn.execute(
                "SELECT id, size, length(data), codec FROM payload ORDER BY id"
            ).fetchall()
        engine = open_engine(config.database.url)
        cache: dict[int, bytes] = {}
        with engine.connect() as conn:
            plain = {pid: len(compress(read_body(conn, pid, cache))) for pid, *_ in rows}
        dispose_all()
    later = [r for r in rows if r[0] > first_payload]
    stored = [r[2] for r in later]
    served = [r[1] for r in later]
    plain_later = [plain[r[0]] for r in later]
    print(f"charts x cycles          {len(requests)} x {hours} (simulated hours)")
    frames = sum(r[3] == "zstd" for r in rows)
    print(f"bodies archived          {len(rows)} ({frames} plain frames)")
    print(f"body as served, median   {statistics.median(served) / 1024:8.1f} KB")
    print(f"archived, median         {statistics.median(stored) / 1024:8.2f} KB  (target <= 3 KB)")
    print(f"archived, total          {sum(r[2] for r in rows) / 1024:8.1f} KB  (all {len(rows)})")
    print(f"plain zstd, median       {statistics.median(plain_later) / 1024:8.2f} KB")
    print(f"ratio to plain zstd      {sum(stored) / sum(plain_later):8.3f}  (from the 2nd cycle)")
    print(f"ratio to served bytes    {sum(stored) / sum(served):8.4f}")
    print(f"rank rows added          {entry_bytes / 1024:8.1f} KB of pages  (same cycles)")
    print(f"archive / rank rows      {sum(stored) / max(entry_bytes, 1):8.2f}x")
    print(f"fetch + store per cycle  {elapsed / max(hours - 1, 1) * 1000:8.0f} ms")


if __name__ == "__main__":
    main()


def feed_body(snapshot: ChartSnapshot, hour: int) -> bytes:
    """An RSS v2 body for a synthetic snapshot (bench/world.py), of a real one's size and
    shape, for benchmarks that store bodies with their snapshots (`bench ingest`)."""
    key = snapshot.request.key
    results = [
        {
            "artistName": entry.developer,
            "id": entry.app_id,
            "name": entry.name,
            "releaseDate": "2024-05-13",
            "kind": "apps",
            "artworkUrl100": f"https://is1-ssl.mzstatic.com/image/thumb/Purple/{entry.app_id}"
            "/AppIcon-0-0-1x_U007emarketing-0-8-0-85-220.png/100x100bb.png",
            "genres": [{"genreId": "6007", "name": "Productivity", "url": GENRE_URL}],
            "url": f"https://apps.apple.com/{key.country}/app/app/id{entry.app_id}",
        }
        for entry in snapshot.entries
    ]
    feed = {
        "title": "Top Free Apps",
        "id": f"https://rss.marketingtools.apple.com/api/v2/{key.country}/apps/{key.chart}/100",
        "country": key.country,
        "updated": (World.time(hour)).strftime("%a, %d %b %Y %H:%M:%S +0000"),
        "results": results,
    }
    return orjson.dumps({"feed": feed}, option=orjson.OPT_INDENT_2)


GENRE_URL = "https://itunes.apple.com/us/genre/ios-productivity/id6007"
