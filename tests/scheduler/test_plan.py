"""Schedules from `[[track]]`: a fixed slot grid, jitter that never drifts, grace and deadlines
proportional to the interval, and each chart owned by exactly one track."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from scheduler.plan import CronGrid, IntervalGrid, SlotTrigger, TrackPlan, build_plans
from tracker.config import config_from_dict
from tracker.errors import ConfigError
from tracker.sources import ChartKey

T0 = datetime(2026, 1, 27, 12, 0, tzinfo=UTC)


def plan(**track: object) -> TrackPlan:
    return build_plans(config_from_dict({"track": [track]}, "config.toml"))[0]


@pytest.mark.parametrize(
    ("every", "jitter", "grace"),
    [("1s", 0.1, 0.5), ("15m", 60.0, 450.0), ("1h", 60.0, 900.0), ("1d", 60.0, 900.0)],
)
def test_jitter_and_grace_scale_with_the_interval(every: str, jitter: float, grace: float) -> None:
    p = plan(every=every)
    assert (p.jitter, p.misfire_grace) == (jitter, grace)


def test_interval_slots_are_whole_multiples_since_the_epoch() -> None:
    grid = IntervalGrid(3600)
    assert grid.latest_at_or_before(T0 + timedelta(minutes=59, seconds=59)) == T0
    assert grid.latest_at_or_before(T0) == T0
    assert grid.next_after(T0) == T0 + timedelta(hours=1)
    assert grid.next_after(T0 - timedelta(seconds=1)) == T0


def test_cron_slots_are_the_cron_times_in_utc() -> None:
    grid = CronGrid("*/15 * * * *")
    assert grid.shortest_gap() == 900
    assert grid.latest_at_or_before(T0 + timedelta(minutes=14)) == T0
    assert grid.next_after(T0) == T0 + timedelta(minutes=15)
    daily = CronGrid("30 6 * * *")
    assert daily.latest_at_or_before(T0) == datetime(2026, 1, 27, 6, 30, tzinfo=UTC)
    assert daily.shortest_gap() == 86400


def test_jittered_fire_times_never_drift_off_the_grid() -> None:
    random.seed(1)
    trigger = SlotTrigger(IntervalGrid(60), jitter=6)
    fire = trigger.get_next_fire_time(None, T0)
    for n in range(1, 2001):
        assert T0 + timedelta(minutes=n) <= fire < T0 + timedelta(minutes=n, seconds=6)
        fire = trigger.get_next_fire_time(fire, fire)


def test_a_run_belongs_to_the_slot_it_was_scheduled_for() -> None:
    p = plan(every="1h")
    latest_start = T0 + timedelta(seconds=p.jitter + p.misfire_grace)
    assert p.slot_at(latest_start) == T0
    # The cycle must end before 90% of its slot, and gets at least half a slot.
    assert p.deadline(T0, T0 + timedelta(seconds=10)) == 0.9 * 3600 - 10
    assert p.deadline(T0, T0 + timedelta(minutes=59)) == 1800


def test_a_chart_in_several_tracks_goes_to_the_most_frequent_at_the_deepest_depth() -> None:
    config = config_from_dict(
        {
            "track": [
                {"name": "hourly", "countries": ["us", "gb"], "depth": 100, "every": "1h"},
                {"name": "often", "countries": ["us"], "depth": 50, "every": "15m"},
            ]
        }
    )
    hourly, often = build_plans(config)
    assert [r.key.country for r in hourly.requests] == ["gb"]
    assert [(r.key, r.depth) for r in often.requests] == [
        (ChartKey("apple", "us", "top-free"), 100)
    ]
    assert (hourly.job_id, often.job_id) == ("track:hourly", "track:often")


def test_unnamed_tracks_get_distinct_job_ids() -> None:
    config = config_from_dict({"track": [{"countries": ["us"]}, {"countries": ["gb"]}]})
    assert [p.job_id for p in build_plans(config)] == [
        "track#1:apple:top-free",
        "track#2:apple:top-free",
    ]


def test_nothing_to_schedule_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        build_plans(config_from_dict({}, "config.toml"))
    assert str(caught.value) == "config.toml: no [[track]] entries; the daemon has nothing to fetch"


def test_sub_second_intervals_are_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        plan(every="500ms")
    assert str(caught.value) == (
        "config.toml: track[0].every = '500ms': the daemon needs an interval of at least 1s"
    )
