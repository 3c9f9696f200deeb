"""`reparse` (issue 17 item 4): the archived bodies parsed again by the current parsers and
compared with what is stored; with `apply`, what differs replaced and refused bodies that now
parse made snapshots. Bodies are fetched over loopback HTTP (the real captures, the simulator)
into SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from tests.conftest import FeedServer, real_fixture, real_json
from tracker.config.load import Config, config_from_dict
from tracker.errors import FeedFormatError
from tracker.fetch.cycle import run_fetch
from tracker.fetch.sources.apple import AppleSource
from tracker.files import export as exp
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.simulate import SimulatorServer
from tracker.store.engine import open_engine
from tracker.store.reparse import reparse
from tracker.store.writer import Attempt, SnapshotWriter

# path -> the real capture served there; each chart is tracked below
REAL = {
    "/api/v2/us/apps/top-free/100/apps.json": "v2-us-top-free-100-2026-08-03.json",
    "/api/v2/cn/apps/top-free/100/apps.json": "v2-cn-top-free-100-2026-08-03.json",
    "/api/v2/de/apps/top-free/100/apps.json": "v2-de-top-free-100-2026-08-03.json",
    "/api/v2/jp/apps/top-paid/100/apps.json": "v2-jp-top-paid-98-2026-08-03.json",
    "/hk/rss/topfreeapplications/limit=100/json": "legacy-hk-topfree-100-2024-09.json",
}
US = "/api/v2/us/apps/top-free/100/apps.json"
TRACKS = [
    {"countries": ["us", "cn", "de"], "charts": ["top-free"]},
    {"countries": ["jp"], "charts": ["top-paid"]},
    {"source": "itunes", "countries": ["hk"], "charts": ["top-free"]},
]
Parse = Callable[..., ChartSnapshot]


def _config(db_url: str, base_url: str, tracks: list[dict[str, Any]] = TRACKS) -> Config:
    return config_from_dict(
        {
            "database": {"url": db_url},
            "http": {"retries": 0, "timeout": 5},
            "sources": {"apple": {"base_url": base_url}, "itunes": {"base_url": base_url}},
            "track": tracks,
        }
    )


def _fetch(config: Config, writer: SnapshotWriter, failed: int = 0) -> None:
    result = run_fetch(config, config.requests(), writer)
    assert len(result.failed) == failed, [o.error for o in result.failed]


def _rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def _exported(engine: Engine) -> list[tuple[Any, ...]]:
    """Every row `apprank export` writes: time, chart, rank, app, the name and developer shown."""
    plan = exp.plan(engine, exp.Selection())
    return [] if plan is None else list(exp.iter_rows(engine, plan))


def _patched(monkeypatch: pytest.MonkeyPatch, change: Callable[[ChartSnapshot], ChartSnapshot]):
    """The v2 parser, changed by `change` after parsing (a parser fixed or broken next year)."""
    original: Parse = AppleSource.parse

    def parse(self: AppleSource, request: ChartRequest, body: bytes, *, url: str = "") -> Any:
        return change(original(self, request, body, url=url))

    monkeypatch.setattr(AppleSource, "parse", parse)
    return original


def test_an_unchanged_archive_reparses_to_no_difference(
    db_url: str, feed_server: FeedServer
) -> None:
    for path, name in REAL.items():
        feed_server.serve(path, real_fixture(name))
    config = _config(db_url, feed_server.base_url)
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    _fetch(config, writer)
    for older in ("v2-us-top-free-100-2026-04-06.json", "v2-us-top-free-100-2025-12-02.json"):
        feed_server.serve(US, real_fixture(older))  # another body of the same chart
        _fetch(config, writer)
    # One stored before the archive existed: counted, not parsed.
    at = datetime(2025, 1, 27, tzinfo=UTC)
    entries = (ChartEntry(1, "1", "A"),)
    before = ChartSnapshot(ChartRequest(ChartKey("apple", "gb", "top-free"), 100), entries, None)
    writer.save(before, at, Attempt(at, 1, "ok", 200))
    stored = _exported(engine)
    report = reparse(engine)
    assert report.to_json() | {"examples": []} == {
        "snapshots": 16,
        "differ": 0,
        "refused_now_parse": 0,
        "still_refused": 0,
        "unchanged": 15,
        "not_archived": 1,
        "now_refused": 0,
        "changes": {"ranks": 0, "depth": 0, "feed_updated_at": 0, "listings": 0},
        "applied": False,
        "replaced": 0,
        "created": 0,
        "examples": [],
    }
    applied = reparse(engine, apply=True)
    assert (applied.differ, applied.replaced, applied.unchanged) == (0, 0, 15)
    assert _exported(engine) == stored


def test_the_window_bounds_what_is_reparsed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'apprank.db'}"
    engine = open_engine(url)
    with SimulatorServer("deepseek-2025", seed=7) as sim:
        config = _config(url, sim.base_url, [{"countries": ["us"], "charts": ["top-free"]}])
        writer = SnapshotWriter(engine)
        start = sim.clock.now()
        for _ in range(4):
            _fetch(config, writer)
            sim.clock.advance(timedelta(hours=1))
    hour = timedelta(hours=1)
    assert reparse(engine).snapshots == 4
    assert reparse(engine, since=start + hour).snapshots == 3
    assert reparse(engine, since=start + hour, until=start + 2 * hour).snapshots == 2
    assert reparse(engine, until=start - hour).snapshots == 0


@pytest.fixture
def simulated(db_url: str) -> tuple[Engine, list[tuple[Any, ...]]]:
    """Five simulated hours of the US and CN top-free charts, and their export."""
    engine = open_engine(db_url)
    with SimulatorServer("deepseek-2025", seed=7) as sim:
        config = _config(
            db_url, sim.base_url, [{"countries": ["us", "cn"], "charts": ["top-free"]}]
        )
        writer = SnapshotWriter(engine)
        for _ in range(5):
            _fetch(config, writer)
            sim.clock.advance(timedelta(hours=1))
    return engine, _exported(engine)


LISTINGS = (
    "SELECT app_id, source, country, valid_from, snapshot_id, name, developer, bundle_id, "
    "icon_url, url, genre, release_date FROM app_listing ORDER BY 1, 2, 3, 4"
)


def test_a_parser_change_is_reported_and_fixed_in_exactly_the_affected_snapshots(
    simulated: tuple[Engine, list[tuple[Any, ...]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, before = simulated
    listings = _rows(engine, LISTINGS)
    rankings = _rows(engine, "SELECT count(*) FROM ranking_entry")
    # The app last in the first US snapshot: in some US snapshots, not in others.
    renamed = next(r[7] for r in before if r[2] == "us" and r[6] == 100)
    in_us = {r[0] for r in before if r[2] == "us" and r[7] == renamed}
    assert 0 < len(in_us) <= 5

    def change(snap: ChartSnapshot) -> ChartSnapshot:
        if snap.request.key.country == "cn":  # the last row lost
            return dataclasses.replace(snap, entries=snap.entries[:-1])
        entries = tuple(
            e._replace(name="Renamed") if e.app_id == renamed else e for e in snap.entries
        )
        return dataclasses.replace(snap, entries=entries)

    original = _patched(monkeypatch, change)
    dry = reparse(engine)
    assert (dry.snapshots, dry.differ, dry.unchanged) == (10, len(in_us) + 5, 5 - len(in_us))
    assert dry.changes["ranks"] == dry.changes["depth"] == 5  # CN's
    assert dry.changes["listings"] >= len(in_us)
    assert {e.chart.country for e in dry.examples} == {"us", "cn"}
    assert _exported(engine) == before  # nothing written
    applied = reparse(engine, apply=True)
    assert (applied.differ, applied.replaced) == (dry.differ, dry.differ)
    after = _exported(engine)
    expected = [
        (*r[:8], "Renamed", *r[9:]) if r[2] == "us" and r[7] == renamed else r
        for r in before
        if not (r[2] == "cn" and r[6] == 100)
    ]
    assert after == expected
    cn = "SELECT DISTINCT s.depth_returned FROM snapshot s JOIN chart c ON c.id = s.chart_id"
    assert _rows(engine, cn + " WHERE c.country = 'cn'") == [(99,)]
    again = reparse(engine)
    assert (again.differ, again.unchanged) == (0, 10)
    # The parser put back as it was: the history comes back exactly, rows, names and listings.
    monkeypatch.setattr(AppleSource, "parse", original)
    undone = reparse(engine, apply=True)
    assert undone.replaced == dry.differ
    assert _exported(engine) == before
    assert _rows(engine, LISTINGS) == listings
    assert _rows(engine, "SELECT count(*) FROM ranking_entry") == rankings  # none left unused
    assert reparse(engine).differ == 0


def test_a_body_the_parser_now_refuses_leaves_its_snapshot(
    simulated: tuple[Engine, list[tuple[Any, ...]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, before = simulated

    def refuse(snap: ChartSnapshot) -> ChartSnapshot:
        if snap.request.key.country == "cn":
            raise FeedFormatError("stricter now")
        return snap

    _patched(monkeypatch, refuse)
    report = reparse(engine, apply=True)
    assert (report.now_refused, report.unchanged, report.differ, report.replaced) == (5, 5, 0, 0)
    assert _exported(engine) == before


def test_a_refused_body_that_now_parses_becomes_a_snapshot(
    db_url: str, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path, name in REAL.items():
        feed_server.serve(path, real_fixture(name))
    broken = b'{"feed": {"results": "not a list"}}'
    feed_server.serve("/api/v2/de/apps/top-free/100/apps.json", broken)
    config = _config(db_url, feed_server.base_url)
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)

    def strict(snap: ChartSnapshot) -> ChartSnapshot:
        if snap.request.key.country == "us":  # a parser bug of the day: US refused
            raise FeedFormatError(f"no such field in {snap.url}", url=snap.url)
        return snap

    original = _patched(monkeypatch, strict)
    _fetch(config, writer, failed=2)
    monkeypatch.setattr(AppleSource, "parse", original)  # fixed
    ((attempt_id, started, payload_id, error),) = _rows(
        engine,
        "SELECT a.id, a.started_at, a.payload_id, a.error FROM fetch_attempt a "
        "JOIN chart c ON c.id = a.chart_id WHERE c.country = 'us'",
    )
    dry = reparse(engine)
    assert (dry.snapshots, dry.refused_now_parse, dry.still_refused) == (3, 1, 1)
    assert dry.created == 0 and _rows(engine, "SELECT count(*) FROM snapshot") == [(3,)]
    done = reparse(engine, apply=True)
    assert (done.refused_now_parse, done.still_refused, done.created) == (1, 1, 1)
    ((sid, captured, payload, depths, simulated),) = _rows(
        engine,
        "SELECT s.id, s.captured_at, s.payload_id, s.depth_requested || '/' || s.depth_returned, "
        "s.simulated FROM snapshot s JOIN chart c ON c.id = s.chart_id WHERE c.country = 'us'",
    )
    assert payload == payload_id and depths == "100/100" and not simulated
    assert started <= captured <= started + 5
    # The attempt keeps its record (outcome and error) and points at the snapshot now.
    assert _rows(
        engine, f"SELECT outcome, error, snapshot_id FROM fetch_attempt WHERE id = {attempt_id}"
    ) == [("format", error, sid)]
    served = real_json(REAL[US])["feed"]["results"]
    us = [r for r in _exported(engine) if r[2] == "us"]
    assert [(r[6], r[7], r[8], r[9]) for r in us] == [
        (rank, e["id"], e["name"], e["artistName"]) for rank, e in enumerate(served, start=1)
    ]
    again = reparse(engine)
    assert (again.snapshots, again.unchanged, again.refused_now_parse) == (4, 4, 0)
    assert again.still_refused == 1
