"""Schedules from `[[track]]`: a fixed slot grid, jitter that never drifts, grace and deadlines
proportional to the interval, and each chart owned by exactly one track."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from scheduler.plan import CronGrid, IntervalGrid, SlotTrigger, TrackPlan, build_plans
from tracker.config.load import config_from_dict
from tracker.errors import ConfigError
from tracker.models import ChartKey

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


# Crontab's day of week: 0 and 7 are Sunday, 1 is Monday (APScheduler 3 alone counts 0 as Monday).
TUESDAY = datetime(2026, 1, 27, 12, 0, tzinfo=UTC)


def next_days(expression: str, count: int) -> list[str]:
    """The next `count` fire times after TUESDAY, as 'Mon 02/02 08:00'."""
    grid = CronGrid(expression)
    fires, t = [], TUESDAY
    for _ in range(count):
        t = grid.next_after(t)
        fires.append(t.strftime("%a %d/%m %H:%M"))
    return fires


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("0 8 * * 1", ["Mon 02/02 08:00", "Mon 09/02 08:00"]),
        ("0 8 * * 0", ["Sun 01/02 08:00", "Sun 08/02 08:00"]),
        ("0 8 * * 7", ["Sun 01/02 08:00", "Sun 08/02 08:00"]),
        ("0 8 * * 6", ["Sat 31/01 08:00", "Sat 07/02 08:00"]),
        ("0 8 * * mon", ["Mon 02/02 08:00", "Mon 09/02 08:00"]),
        ("0 8 * * sun", ["Sun 01/02 08:00", "Sun 08/02 08:00"]),
    ],
)
def test_cron_weekday_numbers_are_crontab_s(expression: str, expected: list[str]) -> None:
    assert next_days(expression, 2) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("0 8 * * 1-5", ["Wed 28/01", "Thu 29/01", "Fri 30/01", "Mon 02/02", "Tue 03/02"]),
        ("0 8 * * 5-7", ["Fri 30/01", "Sat 31/01", "Sun 01/02", "Fri 06/02", "Sat 07/02"]),
        ("0 8 * * 0-2", ["Sun 01/02", "Mon 02/02", "Tue 03/02", "Sun 08/02", "Mon 09/02"]),
        ("0 8 * * 1,3", ["Wed 28/01", "Mon 02/02", "Wed 04/02", "Mon 09/02", "Wed 11/02"]),
        ("0 8 * * */2", ["Thu 29/01", "Sat 31/01", "Sun 01/02", "Tue 03/02", "Thu 05/02"]),
        ("0 8 * * 1-5/2", ["Wed 28/01", "Fri 30/01", "Mon 02/02", "Wed 04/02", "Fri 06/02"]),
        ("0 8 * * 6,mon", ["Sat 31/01", "Mon 02/02", "Sat 07/02", "Mon 09/02", "Sat 14/02"]),
        ("0 8 * * mon-fri", ["Wed 28/01", "Thu 29/01", "Fri 30/01", "Mon 02/02", "Tue 03/02"]),
        # names are crontab's days too: a range from Sunday, names mixed with numbers
        ("0 8 * * sun-wed", ["Wed 28/01", "Sun 01/02", "Mon 02/02", "Tue 03/02", "Wed 04/02"]),
        ("0 8 * * mon-5", ["Wed 28/01", "Thu 29/01", "Fri 30/01", "Mon 02/02", "Tue 03/02"]),
        ("0 8 * * fri-sun", ["Fri 30/01", "Sat 31/01", "Sun 01/02", "Fri 06/02", "Sat 07/02"]),
    ],
)
def test_cron_weekday_ranges_lists_and_steps(expression: str, expected: list[str]) -> None:
    assert [fire[:9] for fire in next_days(expression, 5)] == expected


def test_cron_day_of_month_or_weekday_fires_on_either_as_in_crontab() -> None:
    # The 1st of the month or any Monday; February 1st 2026 is a Sunday.
    assert next_days("0 8 1 * 1", 3) == ["Sun 01/02 08:00", "Mon 02/02 08:00", "Mon 09/02 08:00"]
    # A field starting with `*` does not count as restricted: then both must match (the 1st,
    # when it is a Sunday), as in Vixie cron.
    assert next_days("0 8 1 * */7", 3) == ["Sun 01/02 08:00", "Sun 01/03 08:00", "Sun 01/11 08:00"]
    assert next_days("0 8 1,15 * *", 2) == ["Sun 01/02 08:00", "Sun 15/02 08:00"]


def test_the_daemon_schedules_a_monday_cron_on_mondays() -> None:
    p = plan(cron="0 8 * * 1")
    assert p.trigger().get_next_fire_time(None, TUESDAY).strftime("%a") == "Mon"
    assert p.gap == 7 * 86400


@pytest.mark.parametrize(
    ("cron", "problem"),
    [
        ("0 8 * * 8", "day of week '8' is outside 0-7 (0 and 7 are Sunday)"),
        ("0 8 * * 5-1", "day of week range '5-1' runs backwards"),
        ("0 8 * * 1-3-5", "invalid day of week '1-3-5'"),
    ],
)
def test_a_bad_cron_weekday_is_a_config_error(cron: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_dict({"track": [{"cron": cron}]}, "config.toml")
    assert str(caught.value) == (
        f"config.toml: track[0].cron = {cron!r}: invalid cron expression: {problem}"
    )
