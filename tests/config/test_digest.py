"""`[[digest]]`: parsed once at load; a bad cron, time zone, target or value is one line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tracker.config.errors import ConfigError
from tracker.config.load import load_config

GOOD = """
[apps]
deepseek = "6737597349"

[[digest]]
name = "morning"
cron = "0 8 * * 1-5"
tz = "Europe/Paris"
notify = ["log", "webhook:team"]
since = "24h"
apps = ["deepseek"]
countries = ["us", "GB"]
picture = true

[notify.webhook.team]
url = "https://hooks.example.com/T000"
"""

DIGEST = '[[digest]]\nname = "d"\ncron = "0 8 * * *"\n'


def test_a_digest_loads_with_its_values(write_config: Callable[..., Path]) -> None:
    spec = load_config(write_config(GOOD)).digest[0]
    assert (spec.name, spec.tz, spec.notify, spec.since, spec.apps, spec.countries) == (
        "morning",
        "Europe/Paris",
        ["log", "webhook:team"],
        timedelta(hours=24),
        ["deepseek"],
        ["us", "gb"],
    )
    assert (spec.chart, spec.picture, spec.grace) == ("top-free", True, timedelta(hours=12))
    # Crontab's weekdays (1-5 is Monday to Friday) in Paris time: 8:00 CET is 7:00 UTC.
    friday = datetime(2025, 1, 24, 9, tzinfo=UTC)
    fire = spec.trigger().get_next_fire_time(None, friday)
    assert fire.astimezone(UTC) == datetime(2025, 1, 27, 7, tzinfo=UTC)  # the Monday


def test_defaults(write_config: Callable[..., Path]) -> None:
    spec = load_config(write_config(DIGEST)).digest[0]
    assert (spec.tz, spec.notify, spec.apps, spec.countries, spec.picture) == (
        "UTC",
        ["log"],
        [],
        [],
        False,
    )


@pytest.mark.parametrize(
    ("toml", "error"),
    [
        (
            DIGEST.replace("0 8 * * *", "0 25 * * *"),
            "digest[0].cron = '0 25 * * *': invalid cron expression: Error validating expression "
            "'25': the last value (25) is higher than the maximum value (23)",
        ),
        (
            DIGEST + 'tz = "Mars/Olympus"\n',
            "digest[0].tz = 'Mars/Olympus': not a time zone (an IANA name like Europe/Paris, "
            "or UTC)",
        ),
        (
            DIGEST + 'notify = ["apprise:team"]\n',
            "digest[0].notify = 'apprise:team': no such target (defined: log)",
        ),
        (DIGEST + "notify = []\n", "digest[0].notify = []: needs at least one target"),
        (DIGEST + DIGEST, "digest[1].name = 'd': used by another digest"),
        (DIGEST + 'since = "0s"\n', "digest[0].since = '0s': duration must be positive"),
        (DIGEST + 'countries = ["xx"]\n', "digest[0].countries = ['xx']: 'xx' is not an App"),
        (DIGEST + 'chart = "top-weird"\n', "digest[0].chart = 'top-weird': "),
        (DIGEST + 'channel = "#x"\n', "digest[0].channel: unknown key"),
        ('[[digest]]\nname = "d"\n', "digest[0].cron = {...}: Field required"),
    ],
)
def test_bad_digests_are_one_line_config_errors(
    write_config: Callable[..., Path], toml: str, error: str
) -> None:
    path = write_config(toml)
    with pytest.raises(ConfigError) as bad:
        load_config(path)
    message = str(bad.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {error}"), message
    assert bad.value.exit_code == 2
