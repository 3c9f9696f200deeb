"""reparse: `apprank reparse` over 10,000 archived snapshots, in snapshots per second.

The default config.toml's tracks (61 charts: 28 storefronts x top-free and top-paid on RSS v2,
5 top-grossing on the legacy feed) hour after hour on the simulator's market, whose charts churn
hour by hour as the real ones do. Bodies are rendered by the simulator's routes without HTTP
(tracker/simulate/routes.py, formats.py: the bytes a fetch would get), parsed by the sources and
stored with their bodies by the writer, as a fetch stores them (untimed). Timed:

- the floor: every body read back (each chart's previous one kept) and parsed, nothing else;
- the dry run over the unchanged archive (every body read, parsed and compared: 0 differ);
- the dry run and `--apply` after a parser change that renames the app at rank 1 of every US
  chart (a change in a few snapshots of each hour);
- `--apply` after one that drops every chart's last row (every snapshot replaced).
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
import tomllib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from tracker.config.load import config_from_dict
from tracker.fetch.sources import SOURCES
from tracker.fetch.sources.apple import AppleSource
from tracker.fetch.sources.itunes import ItunesSource
from tracker.models import ChartRequest, ChartSnapshot
from tracker.simulate import SimulatorServer
from tracker.store.archive import read_body
from tracker.store.engine import dispose_all, open_engine
from tracker.store.frames import compress
from tracker.store.reparse import reparse
from tracker.store.reparse_report import ReparseReport
from tracker.store.writer import Attempt, SnapshotWriter

ROOT = Path(__file__).resolve().parents[1]
ORIGIN = "http://simulator.invalid"


def _requests(db: Path) -> list[ChartRequest]:
    data = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    data["database"] = {"url": f"sqlite:///{db}"}
    data.pop("charts", None)
    return config_from_dict(data).requests()


def build(db: Path, snapshots: int) -> tuple[int, float]:
    """Store about `snapshots` archived snapshots, an hour of every chart at a time."""
    requests = _requests(db)
    sim = SimulatorServer("deepseek-2025")  # its routes and clock only: never started
    writer = SnapshotWriter(open_engine(f"sqlite:///{db}"))
    hours = -(-snapshots // len(requests))
    # zstandard is loaded lazily (store/archive.py) and Python 3.11's LazyLoader is not
    # thread-safe (CPython gh-114763): load it here before the writer's two workers race to.
    compress(b"")
    started = time.perf_counter()
    for _ in range(hours):
        now = sim.clock.now()
        items = []
        for request in requests:
            source = SOURCES[request.key.source]
            url = source.url(request, ORIGIN)
            path = url.removeprefix(ORIGIN)
            reply = (
                sim.routes.v2(path, ORIGIN, now)
                if request.key.source == "apple"
                else sim.routes.legacy(path, now)
            )
            snap = source.parse(request, reply.body, url=url)
            items.append((snap, now, Attempt(now, 100, "ok", 200, None, url, reply.body)))
        writer.save_many(items)
        sim.clock.advance(timedelta(hours=1))
    return hours * len(requests), time.perf_counter() - started


def floor(db: Path) -> tuple[int, float]:
    """Read every archived body (each chart's previous one kept, as reparse keeps it) and parse
    it, nothing compared: what reparse cannot do without."""
    import sqlite3

    from tracker.models import ChartKey

    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT s.payload_id, s.chart_id, c.source, c.country, c.kind, c.category, c.device, "
        "s.depth_requested FROM snapshot s JOIN chart c ON c.id = s.chart_id "
        "ORDER BY c.source, c.country, s.captured_at, s.id"
    ).fetchall()
    conn.close()
    engine = open_engine(f"sqlite:///{db}", create=False)
    last: dict[int, tuple[int, bytes]] = {}
    started = time.perf_counter()
    with engine.connect() as sa:
        for payload_id, chart_id, source, country, kind, category, device, depth in rows:
            body = read_body(sa, payload_id, {p: b for p, b in last.values()})
            last[chart_id] = (payload_id, body)
            key = ChartKey(source, country, kind, category, device)
            SOURCES[source].parse(ChartRequest(key, depth), body, url=ORIGIN)
    return len(rows), time.perf_counter() - started


def _changed(change: Callable[[ChartSnapshot], ChartSnapshot]) -> Callable[[], None]:
    """Swap both sources' parse for one changed by `change`; returns the undo."""
    originals = {cls: cls.parse for cls in (AppleSource, ItunesSource)}
    for cls, parse in originals.items():

        def changed(self: Any, request: ChartRequest, body: bytes, *, url: str = "", _p=parse):
            return change(_p(self, request, body, url=url))

        cls.parse = changed  # type: ignore[method-assign]

    def undo() -> None:
        for cls, parse in originals.items():
            cls.parse = parse  # type: ignore[method-assign]

    return undo


def _rename_us_first(snap: ChartSnapshot) -> ChartSnapshot:
    if snap.request.key.country != "us":
        return snap
    first = dataclasses.replace(snap.entries[0], name=snap.entries[0].name + " (renamed)")
    return dataclasses.replace(snap, entries=(first, *snap.entries[1:]))


def _drop_last(snap: ChartSnapshot) -> ChartSnapshot:
    return dataclasses.replace(snap, entries=snap.entries[:-1])


def _line(label: str, report: ReparseReport, count: int) -> str:
    rate = count / report.seconds if report.seconds else float("inf")
    return (
        f"{label:<34} {report.seconds:7.2f} s  {rate:8,.0f} snapshots/s  "
        f"(differ {report.differ}, replaced {report.replaced})"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench reparse")
    parser.add_argument("--snapshots", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    wanted = 1_000 if args.quick else args.snapshots
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "apprank.db"
        count, built = build(db, wanted)
        engine = open_engine(f"sqlite:///{db}")
        print(f"archived snapshots       {count} (stored in {built:.1f} s, untimed)")
        read, floor_s = floor(db)
        print(
            f"{'floor: read + parse only':<34} {floor_s:7.2f} s  {read / floor_s:8,.0f} snapshots/s"
        )
        clean = reparse(engine)
        assert clean.differ == 0 and clean.unchanged == count, clean.to_json()
        print(_line("dry run, unchanged archive", clean, count))
        print(f"{'ratio to the floor':<34} {clean.seconds / floor_s:7.2f}x")
        undo = _changed(_rename_us_first)
        try:
            dry = reparse(engine)
            print(_line("dry run, US rank 1 renamed", dry, count))
            applied = reparse(engine, apply=True)
            print(_line("--apply, US rank 1 renamed", applied, count))
        finally:
            undo()
        undo = _changed(_drop_last)
        try:
            dropped = reparse(engine, apply=True)
            print(_line("--apply, every last row dropped", dropped, count))
        finally:
            undo()
        per = dropped.seconds / max(dropped.replaced, 1) * 1000
        print(f"per snapshot replaced    {per:8.2f} ms (one transaction each)")
        dispose_all()


if __name__ == "__main__":
    main()
