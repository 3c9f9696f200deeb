"""chart_status: the figures behind `apprank status` and `health`, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.store.engine import open_engine
from tracker.store.reads import ChartStatus, chart_status
from tracker.store.writer import Attempt, SnapshotWriter

US, GB, JP = (ChartKey("apple", cc, "top-free") for cc in ("us", "gb", "jp"))
T = datetime(2025, 1, 27, tzinfo=UTC)


def hours(n: float) -> datetime:
    return T + timedelta(hours=n)


def test_each_chart_says_its_last_success_error_and_how_long_it_fails(db_url: str) -> None:
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    entries = (ChartEntry(1, "1", "A"), ChartEntry(2, "2", "B"))
    for at in (hours(0), hours(1)):
        writer.save(ChartSnapshot(ChartRequest(US, 2), entries, at), at, Attempt(at, 5, "ok", 200))
    writer.record_failure(US, Attempt(hours(2), 5, "http_error", 503, "HTTP 503"))
    writer.record_failure(US, Attempt(hours(3), 5, "timeout", None, "timed out"))
    writer.record_failure(GB, Attempt(hours(1), 5, "network", None, "refused"))  # never a success
    writer.record_failure(GB, Attempt(hours(2), 5, "empty", 200, "no entries"))
    assert chart_status(engine, [US, GB, JP]) == [
        ChartStatus(US, hours(1), hours(3), "timed out", hours(3), hours(2), 2, failures=2),
        ChartStatus(GB, None, hours(2), "no entries", hours(2), hours(1), 0, failures=2),
        ChartStatus(JP, None, None, None, None, None, 0),  # never fetched
    ]
    writer.save(
        ChartSnapshot(ChartRequest(US, 2), entries, hours(4)),
        hours(4),
        Attempt(hours(4), 5, "ok", 200),
    )
    [us] = chart_status(engine, [US])
    assert (us.last_success_at, us.failing_since, us.last_error, us.snapshots, us.failures) == (
        hours(4),
        None,  # failing no more
        "timed out",  # the last error is still told
        3,
        0,
    )
    engine.dispose()
