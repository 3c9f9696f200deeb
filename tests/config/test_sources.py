"""Each source's facts have one home (tracker/config/sources.py), which the configuration
validates against and the fetch layer's source classes read; `[sources]` over the defaults."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tracker.config.facts import SOURCE_FACTS
from tracker.config.load import config_from_dict
from tracker.errors import ConfigError
from tracker.fetch.sources import SOURCES

FACTS = ("name", "charts", "devices", "max_depth", "supports_categories", "default_base_url")


def test_the_fetch_sources_are_the_configured_facts() -> None:
    assert list(SOURCES) == list(SOURCE_FACTS) == ["apple", "itunes", "googleplay"]
    for name, source in SOURCES.items():
        facts = SOURCE_FACTS[name]
        assert {f: getattr(source, f) for f in FACTS} == {f: getattr(facts, f) for f in FACTS}
    assert SOURCE_FACTS["apple"].max_depth == 100 and SOURCE_FACTS["itunes"].max_depth == 200
    assert SOURCE_FACTS["googleplay"].max_depth == 200
    assert [f.store for f in SOURCE_FACTS.values()] == ["apple", "apple", "googleplay"]


def test_the_configuration_loads_no_fetch_code() -> None:
    code = (
        "import sys, tracker.config.load\n"
        "print([m for m in sys.modules if m.startswith(('tracker.fetch', 'httpx', 'orjson'))])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


def test_sources_default_to_each_sources_server() -> None:
    config = config_from_dict({"sources": {"itunes": {"base_url": "http://127.0.0.1:9/x/"}}})
    assert config.base_url("apple") == "https://rss.marketingtools.apple.com"
    assert config.base_url("itunes") == "http://127.0.0.1:9/x"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"track": [{"source": "play"}]}, "track[0].source = 'play': unknown source (expected "),
        (
            {"alert": [{"name": "r", "app": "1", "when": "rank <= 1", "source": "play"}]},
            "alert[0].source = 'play': unknown source (expected one of: apple, itunes, googleplay)",
        ),
        (
            {"track": [{"source": "itunes", "depth": 201}]},
            "track[0].depth = 201: must be 1..200 for itunes",
        ),
        (
            {"alert": [{"name": "r", "app": "1", "when": "rank <= 1", "device": "watch"}]},
            "alert[0].device = 'watch': unknown device (expected one of: ipad, iphone, mac, phone)",
        ),
    ],
)
def test_tracks_and_rules_are_checked_against_the_facts(
    data: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_dict(data, "c.toml")
    assert str(caught.value).startswith(f"c.toml: {message}")
