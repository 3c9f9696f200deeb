"""The shared field types: `Duration` (parsed once, to a timedelta) and the storefront check."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from tracker.config.fields import (
    AnyCountries,
    Countries,
    Duration,
    every_storefront,
)
from tracker.config.load import config_from_dict, load_config
from tracker.errors import ConfigError
from tracker.storefronts import STOREFRONTS
from tracker.timeutil import format_duration

DURATION = TypeAdapter(Duration)
COUNTRIES = TypeAdapter(Countries)
ANY_COUNTRIES = TypeAdapter(AnyCountries)


def problem(adapter: TypeAdapter[object], value: object) -> str:
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(value)
    return str(caught.value.errors()[0]["msg"]).removeprefix("Value error, ")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        (" 1h ", timedelta(hours=1)),
        ("90d", timedelta(days=90)),
        ("2w", timedelta(weeks=2)),
        ("500ms", timedelta(milliseconds=500)),
        ("1.5h", timedelta(minutes=90)),
        (90, timedelta(seconds=90)),
        (0.25, timedelta(milliseconds=250)),
        (timedelta(minutes=5), timedelta(minutes=5)),
    ],
)
def test_a_duration_is_text_or_seconds_and_becomes_a_timedelta(
    value: object, expected: timedelta
) -> None:
    assert DURATION.validate_python(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("soon", "not a duration: 'soon' (expected e.g. 30s, 15m, 1h, 7d)"),
        ("15 minutes", "not a duration: '15 minutes' (expected e.g. 30s, 15m, 1h, 7d)"),
        ("-1s", "not a duration: '-1s' (expected e.g. 30s, 15m, 1h, 7d)"),
        (-1, "not a duration: '-1s' (expected e.g. 30s, 15m, 1h, 7d)"),
        ("0h", "duration must be positive: '0h'"),
        (0, "duration must be positive: '0s'"),
        (True, "not a duration: True (expected e.g. 30s, 15m, 1h, 7d)"),
        (["1h"], "not a duration: ['1h'] (expected e.g. 30s, 15m, 1h, 7d)"),
        (timedelta(0), "duration must be positive: '0s'"),
    ],
)
def test_a_bad_duration_says_what_is_expected(value: object, message: str) -> None:
    assert problem(DURATION, value) == message


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(hours=1), "1h"),
        (timedelta(minutes=90), "90m"),
        (timedelta(days=14), "2w"),
        (timedelta(seconds=45), "45s"),
        (timedelta(milliseconds=500), "500ms"),
        (timedelta(microseconds=1500), "0.0015s"),
        (timedelta(0), "0s"),
    ],
)
def test_a_duration_is_shown_in_the_largest_whole_unit(value: timedelta, text: str) -> None:
    assert format_duration(value) == text


def test_every_duration_field_is_a_timedelta_once_loaded(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[http]\npause_initial = 45\npause_max = "1h"\n'
        '[daemon]\nheartbeat = "5s"\nshutdown_grace = 2.5\nkeep_cycles = "30d"\n'
        '[[track]]\nevery = "15m"\n'
        '[[alert]]\nname = "r"\napp = "1"\nwhen = "rank <= 1"\ncooldown = "6h"\n'
        '[[chart]]\nkind = "rank"\napps = ["1"]\nevery = "1d"\n'
    )
    config = load_config(path)
    assert (config.http.pause_initial, config.http.pause_max) == (
        timedelta(seconds=45),
        timedelta(hours=1),
    )
    assert (config.daemon.heartbeat, config.daemon.shutdown_grace, config.daemon.keep_cycles) == (
        timedelta(seconds=5),
        timedelta(seconds=2.5),
        timedelta(days=30),
    )
    assert config.track[0].every == config.track[0].interval == timedelta(minutes=15)
    assert config.alert[0].cooldown == timedelta(hours=6)
    assert config.chart[0].every == timedelta(days=1)


def test_the_duration_defaults_are_timedeltas() -> None:
    config = config_from_dict({})
    assert (config.http.pause_initial, config.http.pause_max) == (
        timedelta(seconds=30),
        timedelta(minutes=30),
    )
    assert (config.daemon.heartbeat, config.daemon.shutdown_grace, config.daemon.keep_cycles) == (
        timedelta(seconds=15),
        timedelta(seconds=10),
        timedelta(days=90),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[track]]\nevery = "soon"\n', "track[0].every = 'soon': not a duration: 'soon'"),
        ("[[track]]\nevery = 0\n", "track[0].every = 0: duration must be positive: '0s'"),
        ('[http]\npause_max = "long"\n', "http.pause_max = 'long': not a duration: 'long'"),
        ('[daemon]\nheartbeat = "0s"\n', "daemon.heartbeat = '0s': duration must be positive"),
        (
            "[daemon]\nkeep_cycles = true\n",
            "daemon.keep_cycles = True: not a duration: True (expected e.g. 30s, 15m, 1h, 7d)",
        ),
    ],
)
def test_a_bad_duration_in_the_file_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: {message}")


def test_countries_are_checked_lower_cased_and_kept_once_in_order() -> None:
    assert COUNTRIES.validate_python(["US", "jp", "us", " gb"]) == ["us", "jp", "gb"]
    assert COUNTRIES.validate_python("JP") == ["jp"]
    assert problem(COUNTRIES, ["us", "ZZ"]) == (
        "'ZZ' is not an App Store storefront code (e.g. us, gb, jp)"
    )
    assert problem(COUNTRIES, []) == 'needs at least one country (or "all")'
    assert problem(COUNTRIES, [1]) == "Input should be a valid string"


def test_all_is_every_storefront_where_it_is_written() -> None:
    assert COUNTRIES.validate_python(["all"]) == list(STOREFRONTS)
    assert COUNTRIES.validate_python("ALL") == list(STOREFRONTS)
    in_front = COUNTRIES.validate_python(["jp", "all", "us"])
    assert in_front[0] == "jp" and sorted(in_front) == sorted(STOREFRONTS)
    assert every_storefront(in_front) and not every_storefront(["us", "gb"])
    # A bad code next to "all" is still refused.
    assert problem(COUNTRIES, ["all", "xx"]).startswith("'xx' is not an App Store storefront")


def test_where_no_countries_means_every_country_all_means_none() -> None:
    assert ANY_COUNTRIES.validate_python([]) == []
    assert ANY_COUNTRIES.validate_python(["all"]) == []
    assert ANY_COUNTRIES.validate_python(["GB", "us"]) == ["gb", "us"]
    assert problem(ANY_COUNTRIES, ["all", "xx"]).startswith("'xx' is not an App Store")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[track]]\ncountries = ["xx"]\n', "track[0].countries = ['xx']: 'xx' is not an"),
        ("[[track]]\ncountries = []\n", "track[0].countries = []: needs at least one country (or"),
        (
            '[[alert]]\nname = "r"\napp = "1"\nwhen = "rank <= 1"\ncountries = "xx"\n',
            "alert[0].countries = 'xx': 'xx' is not an App Store storefront code (e.g. us, gb, jp)",
        ),
        (
            '[[chart]]\nkind = "rank"\napps = ["1"]\ncountries = ["us", "xx"]\n',
            "chart[0].countries = ['us', 'xx']: 'xx' is not an App Store storefront code",
        ),
    ],
)
def test_every_section_checks_countries_alike(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: {message}")


def test_all_in_each_section(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[track]]\ncountries = "all"\n'
        '[[alert]]\nname = "r"\napp = "1"\nwhen = "rank <= 1"\ncountries = ["all"]\n'
        '[[chart]]\nkind = "leaders"\napps = ["1"]\ncountries = ["all"]\n'
    )
    config = load_config(path)
    assert config.track[0].countries == config.alert[0].countries == list(STOREFRONTS)
    assert config.chart[0].countries == []
