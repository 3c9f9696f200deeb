"""`[[alert]]` and `[notify]`: a bad rule or target is one error line and exit 2 at start-up."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tracker.cli.alerts  # noqa: F401  (registers `apprank alerts` on the app)
from tracker.cli.base import app
from tracker.config.alerts import AlertRule
from tracker.config.load import load_config
from tracker.models import ChartKey
from tracker.storefronts import STOREFRONTS

runner = CliRunner()

GOOD = """
[apps]
deepseek = "6737597349"

[[alert]]
name = "deepseek-number-one"
app = "deepseek"
countries = ["all"]
chart = "top-free"
when = "rank <= 1"
cooldown = "6h"
notify = ["log", "webhook:team"]

[notify.webhook.team]
url = "https://hooks.example.com/T000"
secret = "env:APPRANK_TEST_SECRET"
"""


def test_a_valid_config_loads_rules_and_targets(
    write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPRANK_TEST_SECRET", "abc")
    config = load_config(write_config(GOOD))
    rule = config.alert[0]
    # "all" is every storefront, as in [[track]]: the rule holds the list.
    assert (rule.name, rule.app, rule.countries, rule.when) == (
        "deepseek-number-one",
        "deepseek",
        list(STOREFRONTS),
        "rank <= 1",
    )
    assert rule.cooldown == timedelta(hours=6)
    assert config.notify.targets() == ["log", "webhook:team"]
    assert config.notify.webhook["team"].secret_bytes() == b"abc"
    assert rule.matches(ChartKey("apple", "jp", "top-free"))
    assert rule.matches(ChartKey("itunes", "us", "top-free"))
    assert not rule.matches(ChartKey("apple", "us", "top-paid"))
    assert not rule.matches(ChartKey("apple", "us", "top-free", device="ipad"))


def test_a_rule_names_every_country_unless_told() -> None:
    rule = AlertRule(name="r", app="1", when="rank <= 1")
    assert rule.countries == list(STOREFRONTS) and rule.cooldown is None
    assert rule.matches(ChartKey("apple", "zw", "top-free"))
    assert AlertRule(name="r", app="1", when="rank <= 1", countries=["jp", "all"]).countries == [
        "jp",
        *(c for c in STOREFRONTS if c != "jp"),
    ]


def test_the_condition_is_parsed_once_when_the_rule_loads() -> None:
    rule = AlertRule(name="r", app="1", when="Enters  the top 5")
    assert rule.condition is rule.condition
    assert (rule.condition.kind, rule.condition.limit) == ("enters", 5)
    assert rule.when == "Enters  the top 5"  # the text, as events record it


def test_rule_scope_narrows_by_country_and_source() -> None:
    rule = AlertRule(
        name="r", app="1", when="rank <= 1", countries="GB", source="itunes", chart="top-grossing"
    )
    assert rule.countries == ["gb"]
    assert rule.matches(ChartKey("itunes", "gb", "top-grossing"))
    assert not rule.matches(ChartKey("itunes", "us", "top-grossing"))
    assert not rule.matches(ChartKey("apple", "gb", "top-grossing"))


RULE = '[[alert]]\nname = "r"\napp = "deepseek"\nwhen = "rank <= 1"\n'


@pytest.mark.parametrize(
    ("toml", "error"),
    [
        (
            RULE.replace("rank <= 1", "rank >= 3"),
            "alert[0].when = 'rank >= 3': cannot read 'rank >= 3': expected \"rank <= N\", "
            '"enters top N", "leaves top N", "moves N", "moves up N", "moves down N", '
            '"climbs N", "drops N" or "overtakes APP"',
        ),
        (
            RULE + 'notify = ["log", "webhook:ops"]\n',
            "alert[0].notify = 'webhook:ops': no such target (defined: log)",
        ),
        (
            RULE + 'notify = ["email"]\n',
            "alert[0].notify = ['email']: 'email' is not a target "
            '(expected "log", "webhook:NAME" or "apprise:NAME")',
        ),
        (RULE + RULE, "alert[1].name = 'r': used by another rule"),
        (
            RULE + 'countries = ["us", "xx"]\n',
            "alert[0].countries = ['us', 'xx']: 'xx' is not an App Store storefront code "
            "(e.g. us, gb, jp)",
        ),
        (
            RULE + 'chart = "top-grossing"\nsource = "apple"\n',
            "alert[0].chart = 'top-grossing': not offered by apple (top-free, top-paid)",
        ),
        (
            RULE + 'cooldown = "soon"\n',
            "alert[0].cooldown = 'soon': not a duration: 'soon' (expected e.g. 30s, 15m, 1h, 7d)",
        ),
        (
            RULE.replace("rank <= 1", "overtakes deepseek"),
            "alert[0].when = 'overtakes deepseek': an app cannot overtake itself",
        ),
        (
            RULE + "countries = []\n",
            'alert[0].countries = []: needs at least one country (or "all")',
        ),
        (RULE + 'channel = "#general"\n', "alert[0].channel: unknown key"),
        ('[[alert]]\nname = "r"\nwhen = "rank <= 1"\n', "alert[0].app = {...}: Field required"),
        (
            '[notify.webhook.team]\nurl = "https://x.example/h"\nsecret = "env:APPRANK_NO_SUCH"\n',
            "notify.webhook.team.secret: environment variable APPRANK_NO_SUCH is not set",
        ),
        (
            '[notify.webhook.team]\nurl = "hooks.example.com"\n',
            "notify.webhook.team.url = 'hooks.example.com': must start with http:// or https://",
        ),
    ],
)
def test_bad_rules_and_targets_are_one_line_config_errors(
    write_config: Callable[..., Path], toml: str, error: str
) -> None:
    path = write_config(toml)
    result = runner.invoke(app, ["alerts", "list", "--config", str(path)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {path}: {error}\n"
    assert result.stdout == ""


def test_the_alerts_package_imports_nothing() -> None:
    # Callers import the module they use: the package itself loads no evaluation code.
    code = (
        "import sys, tracker.alerts\n"
        "loaded = [m for m in sys.modules if m.startswith(('tracker.alerts.', 'tracker.config'))]\n"
        "print(loaded, [n for n in vars(tracker.alerts) if not n.startswith('__')])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[] []\n"
