"""What the demo leaves behind is what the real commands make: its CSV is `apprank export`'s,
its config holds every alert rule that fired (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_apprank
from tests.demo.helpers import short_demo

# End to end in child processes (the demo, the daemon, the installed command, a browser): the
# minimum-versions pass of .ci/run leaves these out (see there).
pytestmark = pytest.mark.slow


def test_the_demos_csv_is_byte_for_byte_what_apprank_export_writes(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = run_apprank("demo", "--out", out, "--days", "0.1", "--countries", "us,gb")
    assert result.code == 0, result.stderr
    exported = tmp_path / "export.csv"
    again = run_apprank("export", "-o", exported, cwd=out)
    assert again.code == 0, again.stderr
    written = (out / "history.csv").read_bytes()
    assert written.startswith(b"\xef\xbb\xbfcaptured_at,")  # the BOM Excel needs
    assert written == exported.read_bytes()
    assert again.stdout == "800 rows written to " + str(exported) + "\n"
    assert f"csv       {out / 'history.csv'} (800 rows)" in result.stdout


def test_every_alert_rule_that_fired_can_be_tested_in_the_demo_folder(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    # The two hours in which DeepSeek passes ChatGPT for #1 in the US: both rules fire.
    result = run_apprank("demo", "--out", out, "--start", "2025-01-27T05:00",
                         "--days", "0.1", "--countries", "us")  # fmt: skip
    assert result.code == 0, result.stderr
    listed = run_apprank("alerts", "list", "--json", cwd=out)
    assert listed.code == 0, listed.stderr
    fired = sorted({event["rule"] for event in json.loads(listed.stdout)})
    assert fired == ["deepseek-number-one", "deepseek-passes-chatgpt"]
    for rule in fired:
        tested = run_apprank("alerts", "test", rule, cwd=out)
        assert (tested.code, tested.stderr, tested.stdout) == (0, "", "log: sent\n"), rule


def test_the_written_config_is_the_one_the_demo_ran(tmp_path: Path) -> None:
    from tracker.config.load import load_config

    out = tmp_path / "demo"
    assert short_demo(out).code == 0
    config = load_config(out / "config.toml")
    assert [rule.name for rule in config.alert] == ["deepseek-number-one",
                                                   "deepseek-passes-chatgpt"]  # fmt: skip
    assert config.database.url == f"sqlite:///{out.resolve() / 'apprank.db'}"
    assert config.track[0].countries == ["us"]
    # Google Play where the scenario scripts DeepSeek's climb there, among the chosen countries.
    assert [(t.source, t.countries) for t in config.track] == [
        ("apple", ["us"]),
        ("googleplay", ["us"]),
    ]
    assert {k: (dict(a.ids), a.label) for k, a in config.apps.items()} == {
        "deepseek": ({"apple": "6737597349", "googleplay": "com.deepseek.chat"}, "DeepSeek"),
        "chatgpt": ({"apple": "6448311069", "googleplay": "com.openai.chatgpt"}, "ChatGPT"),
    }
