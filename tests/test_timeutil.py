"""Instants to epoch seconds and back: one pair (`to_epoch`, `from_epoch`) with one rule for
naive datetimes, and every conversion in the project going through it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from scheduler.plan import IntervalGrid
from tracker.simulate.scenario import hour_of
from tracker.timeutil import from_epoch, to_epoch

ROOT = Path(__file__).resolve().parent.parent
NAIVE = datetime(2025, 1, 27, 12, 0)


def test_to_epoch_counts_whole_seconds_of_the_instant() -> None:
    assert to_epoch(datetime(1970, 1, 1, tzinfo=UTC)) == 0
    assert to_epoch(datetime(2025, 1, 27, 12, 0, tzinfo=UTC)) == 1737979200
    # The same instant written in another zone is the same number.
    tokyo = timezone(timedelta(hours=9))
    assert to_epoch(datetime(2025, 1, 27, 21, 0, tzinfo=tokyo)) == 1737979200


def test_to_epoch_rounds_fractions_down_even_before_1970() -> None:
    assert to_epoch(datetime(2025, 1, 27, 12, 0, 0, 999_999, tzinfo=UTC)) == 1737979200
    assert to_epoch(datetime(1969, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC)) == -1


def test_to_epoch_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match=r"^naive datetime .*: apprank stores aware UTC times"):
        to_epoch(NAIVE)


def test_from_epoch_is_aware_utc_and_inverts_to_epoch() -> None:
    moment = from_epoch(1737979200)
    assert moment == datetime(2025, 1, 27, 12, 0, tzinfo=UTC)
    assert moment.tzinfo is UTC
    assert to_epoch(moment) == 1737979200
    assert from_epoch(1737979200.25) == datetime(2025, 1, 27, 12, 0, 0, 250_000, tzinfo=UTC)


def test_the_conversions_built_on_them_refuse_naive_datetimes_too() -> None:
    # These called datetime.timestamp() directly, which takes a naive time for local time.
    with pytest.raises(ValueError, match="naive datetime"):
        hour_of(NAIVE)
    with pytest.raises(ValueError, match="naive datetime"):
        IntervalGrid(3600).next_after(NAIVE)
    aware = NAIVE.replace(tzinfo=UTC)
    assert hour_of(aware) == 1737979200 // 3600
    assert IntervalGrid(1.5).latest_at_or_before(from_epoch(1.6)) == from_epoch(1.5)


def test_no_other_module_converts_epochs_itself() -> None:
    """`fromtimestamp` and `.timestamp()` appear only in tracker/timeutil.py (and the one
    sub-second reading in scheduler/plan.py, which goes through `as_utc`)."""
    allowed = {ROOT / "tracker" / "timeutil.py": 2, ROOT / "scheduler" / "plan.py": 1}
    pattern = re.compile(r"\bfromtimestamp\(|\.timestamp\(\)")
    found = {}
    for top in ("tracker", "scheduler", "charts"):
        for path in (ROOT / top).rglob("*.py"):
            count = len(pattern.findall(path.read_text(encoding="utf-8")))
            if count:
                found[path] = count
    assert found == allowed
