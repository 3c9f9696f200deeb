"""Feed-controlled text in errors is bounded: a 4 MB bad id costs a 200-character quote (and its
length) in the stored attempt, the log line and `status --json`, not 4 MB each."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import orjson
import pytest

from tests.conftest import FeedServer, run_apprank
from tracker.config.load import config_from_dict
from tracker.errors import FeedFormatError
from tracker.fetch.cycle import run_fetch
from tracker.fetch.sources import SOURCES
from tracker.models import ChartKey, ChartRequest
from tracker.store.engine import open_engine
from tracker.store.writer import SnapshotWriter
from tracker.text.redact import quoted
from tracker.timeutil import parse_feed_time

HUGE = "a" * 4 * 1024 * 1024
CUT = "'" + "a" * 200 + "…' (4,194,304 chars)"
PATH = "/api/v2/us/apps/top-free/100/apps.json"


def v2_feed(results: list[dict[str, object]], **feed: object) -> bytes:
    return orjson.dumps({"feed": {"country": "us", "results": results, **feed}})


def test_a_4_mb_bad_id_is_quoted_in_200_characters_everywhere(
    write_config, feed_server: FeedServer, tmp_path: Path
) -> None:
    feed_server.serve(PATH, v2_feed([{"id": HUGE, "name": "x"}]))
    config = write_config(
        f"""
[http]
retries = 0
[sources.apple]
base_url = "{feed_server.base_url}"
[[track]]
name = "t"
countries = ["us"]
charts = ["top-free"]
"""
    )
    fetch = run_apprank("fetch", "--config", config, "--json")
    status = run_apprank("status", "--config", config, "--json")
    expected = (
        f"app id {CUT} at rank 1 is not a store id (1 to 64 ASCII digits) "
        f"from {feed_server.base_url}{PATH}"
    )
    assert fetch.code == 1
    assert [c["error"] for c in json.loads(fetch.stdout)["charts"]] == [expected]
    assert [s["last_error"] for s in json.loads(status.stdout)] == [expected]
    with sqlite3.connect(tmp_path / "apprank.db") as conn:
        assert conn.execute("SELECT error FROM fetch_attempt").fetchall() == [(expected,)]
    for text in (fetch.stdout, fetch.stderr, status.stdout):
        assert len(text) < 5_000


def test_the_fetch_log_line_of_a_4_mb_bad_id_is_short(
    feed_server: FeedServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The line the daemon logs for a failed chart (`apprank fetch` prints its summary instead)."""
    feed_server.serve(PATH, v2_feed([{"id": HUGE, "name": "x"}]))
    config = config_from_dict(
        {
            "database": {"url": f"sqlite:///{tmp_path / 'apprank.db'}"},
            "http": {"retries": 0},
            "sources": {"apple": {"base_url": feed_server.base_url}},
        }
    )
    request = ChartRequest(ChartKey("apple", "us", "top-free"), 100)
    caplog.set_level(logging.WARNING, logger="apprank")
    run_fetch(config, [request], SnapshotWriter(open_engine(config.database.url)))
    [line] = [r.getMessage() for r in caplog.records if r.name == "apprank.fetch"]
    why = "is not a store id (1 to 64 ASCII digits)"
    assert line.endswith(f": app id {CUT} at rank 1 {why} from {feed_server.base_url}{PATH}")
    assert len(line) < 600


@pytest.mark.parametrize(
    ("feed", "message"),
    [
        (
            v2_feed([{"id": HUGE, "name": "x"}]),
            f"app id {CUT} at rank 1 is not a store id (1 to 64 ASCII digits) from u",
        ),
        (v2_feed([{"id": "1", "name": "x"}], country=HUGE), f"the feed is for {CUT} (u)"),
        (
            v2_feed([{"id": "1", "name": "x"}], updated=HUGE),
            f"unreadable feed time {CUT} in `feed.updated` of u",
        ),
    ],
    ids=["app-id", "country", "feed-time"],  # the values themselves are 4 MB
)
def test_apple_feed_errors_quote_at_most_200_characters(feed: bytes, message: str) -> None:
    request = ChartRequest(ChartKey("apple", "us", "top-free"), 100)
    with pytest.raises(FeedFormatError) as caught:
        SOURCES["apple"].parse(request, feed, url="u")
    assert str(caught.value).endswith(message)
    assert len(str(caught.value)) < 300


def test_quoted_keeps_short_values_and_says_the_length_of_long_ones() -> None:
    assert quoted("abc") == "'abc'"
    assert quoted("x" * 200) == repr("x" * 200)
    assert quoted(HUGE) == CUT
    assert quoted("9" * 300, bare=True) == "9" * 200 + "… (300 chars)"
    assert quoted(list(range(1000)), limit=10) == "[0, 1, 2, … (4,890 chars)"
    with pytest.raises(ValueError, match=r"^unreadable feed time 'b{200}…' \(1,000 chars\)$"):
        parse_feed_time("b" * 1000)
