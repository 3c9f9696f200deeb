"""The real fetch path against the simulator: quirks stored exactly, faults refused and recorded.

Each test runs one cycle over two charts: a healthy one and one meeting the quirk or fault.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracker.config.load import config_from_dict
from tracker.errors import StoreError
from tracker.fetch.cycle import run_fetch
from tracker.fetch.sink import Attempt, Saved, SnapshotSink
from tracker.models import ChartKey, ChartRequest, ChartSnapshot
from tracker.simulate import FaultConfig, Market, SimulatorServer, load_scenario
from tracker.store.engine import open_engine
from tracker.store.reads import latest_chart
from tracker.store.writer import SnapshotWriter
from tracker.text.values import clean_text

AT = datetime(2025, 1, 27, 6, 0, tzinfo=UTC)
HEALTHY = ChartRequest(ChartKey("apple", "us", "top-free"), 100)
VICTIM = ChartRequest(ChartKey("apple", "gb", "top-free"), 100)


@pytest.fixture(scope="module")
def market() -> Market:
    return Market(2025, load_scenario("deepseek-2025"))


@pytest.fixture
def sim(market: Market) -> Iterator[SimulatorServer]:
    with SimulatorServer(market=market, start=AT) as server:
        yield server


def cycle(sim: SimulatorServer, db: Path, *requests: ChartRequest, base: str = ""):
    config = config_from_dict(
        {
            "database": {"url": f"sqlite:///{db}"},
            "http": {"retries": 1, "timeout": 1.0, "backoff_initial": 0.0, "backoff_max": 0.05,
                     "max_bytes": 1_000_000},
            "sources": {"apple": {"base_url": sim.base_url + base},
                        "itunes": {"base_url": sim.base_url}},
        }
    )  # fmt: skip
    writer = SnapshotWriter(open_engine(config.database.url))
    result = run_fetch(config, list(requests), writer, clock=sim.clock.now)
    return {o.request.key: o for o in result.outcomes}, writer


def rows(db: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql).fetchall()


def served(market: Market, key: ChartKey, depth: int = 100) -> list[tuple[str, str]]:
    """What the simulator served, as a fetch stores it: control characters as spaces (the one
    rule for stored text, tracker/text/values.py)."""
    apps = market.chart(key.country, key.chart, AT, depth=depth)
    return [(app.id, clean_text(app.name)) for app in apps]


def stored(writer: SnapshotWriter, key: ChartKey) -> list[tuple[str, str]]:
    top = latest_chart(writer.engine, key)
    return [] if top is None else [(e.app_id, e.name) for e in top.entries]


def test_a_clean_cycle_stores_exactly_what_was_served(sim, market, tmp_path) -> None:
    outcomes, writer = cycle(sim, tmp_path / "a.db", HEALTHY, VICTIM)
    assert [o.outcome for o in outcomes.values()] == ["ok", "ok"]
    for key in (HEALTHY.key, VICTIM.key):
        assert stored(writer, key) == served(market, key)
    top = latest_chart(writer.engine, HEALTHY.key)
    assert top.captured_at == AT  # simulated time, not the wall clock
    assert top.entries[0].app_id == "6737597349"  # DeepSeek, #1 in the US at 06:00


def test_old_v2_host_redirect_is_followed(sim, market, tmp_path) -> None:
    outcomes, writer = cycle(sim, tmp_path / "a.db", HEALTHY, base="/old-host")
    assert outcomes[HEALTHY.key].outcome == "ok"
    assert stored(writer, HEALTHY.key) == served(market, HEALTHY.key)


@pytest.mark.parametrize("depth", [1, 2, 100])
def test_legacy_feed_quirks_store_exactly(sim, market, tmp_path, depth: int) -> None:
    """limit=1 gives `entry` as an object; links come as objects and arrays; text/javascript."""
    request = ChartRequest(ChartKey("itunes", "jp", "top-grossing"), depth)
    outcomes, writer = cycle(sim, tmp_path / "a.db", request)
    assert outcomes[request.key].outcome == "ok"
    assert stored(writer, request.key) == served(market, request.key, depth)
    assert len(stored(writer, request.key)) == depth


def test_legacy_limit_200_returns_at_most_100_rows(sim, tmp_path) -> None:
    request = ChartRequest(ChartKey("itunes", "us", "top-free"), 200)
    outcomes, _ = cycle(sim, tmp_path / "a.db", request)
    assert (outcomes[request.key].outcome, outcomes[request.key].entries) == ("ok", 100)


def test_hostile_names_round_trip_exactly_but_for_control_characters(sim, market, tmp_path) -> None:
    keys = [ChartRequest(ChartKey("apple", cc, "top-free"), 100) for cc in ("us", "sa", "il", "jp")]
    _, writer = cycle(sim, tmp_path / "a.db", *keys)
    names = [name for r in keys for _, name in stored(writer, r.key)]
    assert names == [name for r in keys for _, name in served(market, r.key)]
    raw = {
        app.name for r in keys for app in market.chart(r.key.country, r.key.chart, AT, depth=100)
    }
    assert {"Tab\tSeparated Sheets", "Line One\nLine Two Notes"} <= raw
    assert {"Tab Separated Sheets", "Line One Line Two Notes"} <= set(names)


FAULTS = [
    ("rate_limit", "http_error", 429),
    ("rate_limit_no_header", "http_error", 429),
    ("forbidden", "http_error", 403),
    ("server_error", "http_error", None),
    ("timeout", "timeout", None),
    ("reset", "network", None),
    ("truncated", "format", 200),
    ("html", "format", 200),
    ("empty", "empty", 200),
    ("oversized", "too_large", 200),
    ("slow", "timeout", None),
    ("redirect_loop", "network", None),
]


@pytest.mark.parametrize(("fault", "shown"), [("rate_limit", " status=429"), ("reset", "")])
def test_a_failed_fetch_logs_its_status_only_when_there_was_one(
    sim, tmp_path, caplog: pytest.LogCaptureFixture, fault: str, shown: str
) -> None:
    sim.set_faults(FaultConfig(force={"/gb/apps/top-free": fault}))
    with caplog.at_level("WARNING", logger="apprank.fetch"):
        cycle(sim, tmp_path / "a.db", VICTIM)
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("fetch failed")]
    assert line.startswith(
        "fetch failed: source=apple country=gb chart=top-free category=all device=iphone "
        f"reason={'http_error' if shown else 'network'}{shown}: "
    )
    assert "None" not in line


@pytest.mark.parametrize(("fault", "outcome", "status"), FAULTS)
def test_each_fault_is_refused_recorded_and_spares_the_other_chart(
    sim, market, tmp_path, fault: str, outcome: str, status: int | None
) -> None:
    sim.set_faults(
        FaultConfig(force={"/gb/apps/top-free": fault}, timeout_seconds=3.0, slow_seconds=4.0,
                    oversized_bytes=1_100_000)
    )  # fmt: skip
    db = tmp_path / "a.db"
    outcomes, writer = cycle(sim, db, HEALTHY, VICTIM)
    victim = outcomes[VICTIM.key]
    assert victim.outcome == outcome, victim.error
    if status is not None:
        assert victim.http_status == status
    if fault == "server_error":
        assert victim.http_status in (500, 502, 503)
    assert outcomes[HEALTHY.key].outcome == "ok"
    assert stored(writer, HEALTHY.key) == served(market, HEALTHY.key)
    assert stored(writer, VICTIM.key) == []  # nothing invalid stored, never a rank
    assert rows(db, "SELECT count(*) FROM snapshot") == [(1,)]
    recorded = rows(
        db,
        "SELECT outcome, error FROM fetch_attempt a JOIN chart c ON c.id = a.chart_id "
        "WHERE c.country = 'gb'",
    )
    assert [r[0] for r in recorded] == [outcome]
    assert recorded[0][1]  # the reason is kept


class MemorySink:
    """A SnapshotSink with no database: the fetch cycle needs nothing of the store's."""

    def __init__(self, refuse: bool = False) -> None:
        self.saved: list[tuple[ChartSnapshot, datetime, Attempt, int | None]] = []
        self.failed: list[tuple[ChartKey, Attempt]] = []
        self.begun: list[tuple[ChartKey, bytes]] = []
        self.refuse = refuse

    def begin(self, key: ChartKey, body: bytes) -> None:
        self.begun.append((key, body))

    def save_many(
        self,
        items: Sequence[tuple[ChartSnapshot, datetime, Attempt]],
        *,
        slots: Sequence[int | None] | None = None,
    ) -> list[Saved]:
        if self.refuse:
            raise StoreError("the database is read-only")
        out = []
        for (snapshot, captured_at, attempt), slot in zip(
            items, slots or [None] * len(items), strict=True
        ):
            self.saved.append((snapshot, captured_at, attempt, slot))
            out.append(Saved(len(self.saved), 100 + len(self.saved), True))
        return out

    def record_failure(self, key: ChartKey, attempt: Attempt) -> None:
        self.failed.append((key, attempt))


def test_the_cycle_writes_through_any_sink(sim, market, tmp_path) -> None:
    sim.set_faults(FaultConfig(force={"/gb/apps/top-free": "server_error"}))
    config = config_from_dict(
        {"http": {"retries": 0, "timeout": 1.0}, "sources": {"apple": {"base_url": sim.base_url}}}
    )
    sink: SnapshotSink = MemorySink()
    result = run_fetch(config, [HEALTHY, VICTIM], sink, clock=sim.clock.now, slot_of=lambda r: 7)
    assert isinstance(sink, MemorySink)
    [(snapshot, captured_at, attempt, slot)] = sink.saved
    assert snapshot.request == HEALTHY and captured_at == AT and slot == 7
    assert [(e.app_id, clean_text(e.name)) for e in snapshot.entries] == served(market, HEALTHY.key)
    assert (attempt.outcome, attempt.http_status) == ("ok", 200)
    # The body reached the sink as it arrived, before the save, and is the one saved.
    assert attempt.body is not None
    assert sink.begun == [(HEALTHY.key, attempt.body)]
    [(key, failure)] = sink.failed
    assert key == VICTIM.key and failure.outcome == "http_error"
    ok = {o.request.key: o for o in result.outcomes}[HEALTHY.key]
    assert (ok.snapshot_id, ok.entries, ok.new_ranking) == (1, 100, True)


def test_a_sink_refusing_a_write_is_the_charts_store_outcome(sim, tmp_path) -> None:
    config = config_from_dict(
        {"http": {"retries": 0, "timeout": 1.0}, "sources": {"apple": {"base_url": sim.base_url}}}
    )
    sink = MemorySink(refuse=True)
    result = run_fetch(config, [HEALTHY], sink, clock=sim.clock.now)
    [outcome] = result.outcomes
    assert (outcome.outcome, outcome.error) == ("store", "the database is read-only")
    assert [(k, a.outcome) for k, a in sink.failed] == [(HEALTHY.key, "store")]
