"""`apprank reparse` end to end, in process (so a test can change a parser): the real captures
fetched over loopback HTTP, reported unchanged; a parser change reported and, with --apply,
written; the options checked as every command checks them."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Apprank
from tests.conftest import FeedServer, real_fixture
from tracker.fetch.sources.apple import AppleSource
from tracker.models import ChartRequest, ChartSnapshot

REAL = {
    "/api/v2/us/apps/top-free/100/apps.json": "v2-us-top-free-100-2026-08-03.json",
    "/api/v2/cn/apps/top-free/100/apps.json": "v2-cn-top-free-100-2026-08-03.json",
    "/hk/rss/topfreeapplications/limit=100/json": "legacy-hk-topfree-100-2024-09.json",
}


@pytest.fixture
def fetched(tmp_path: Path, feed_server: FeedServer, apprank: Apprank) -> Path:
    for path, name in REAL.items():
        feed_server.serve(path, real_fixture(name))
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "apprank.db"}"\n'
        "[http]\nretries = 0\ntimeout = 5\n"
        f'[sources.apple]\nbase_url = "{feed_server.base_url}"\n'
        f'[sources.itunes]\nbase_url = "{feed_server.base_url}"\n'
        '[[track]]\ncountries = ["us", "cn"]\ncharts = ["top-free"]\n'
        '[[track]]\nsource = "itunes"\ncountries = ["hk"]\ncharts = ["top-free"]\n',
        encoding="utf-8",
    )
    done = apprank("fetch", "-c", config)
    assert (done.code, done.stdout) == (0, "3 charts stored, 0 failed\n"), done.stderr
    return config


def test_an_unchanged_archive_reports_no_difference(fetched: Path, apprank: Apprank) -> None:
    done = apprank("reparse", "-c", fetched, "--json")
    assert done.code == 0, done.stderr
    report = json.loads(done.stdout)
    assert isinstance(report.pop("seconds"), float)
    assert report == {
        "snapshots": 3,
        "differ": 0,
        "refused_now_parse": 0,
        "still_refused": 0,
        "unchanged": 3,
        "not_archived": 0,
        "now_refused": 0,
        "changes": {"ranks": 0, "depth": 0, "feed_updated_at": 0, "listings": 0},
        "applied": False,
        "replaced": 0,
        "created": 0,
        "examples": [],
    }
    text = apprank("reparse", "-c", fetched)
    assert (text.code, text.stderr) == (0, "")
    assert text.stdout == (
        "3 snapshots: 3 unchanged, 0 differ, 0 not archived, 0 refused now\n"
        "refused bodies: 0 now parse, 0 still refused\n"
    )


def test_a_parser_change_is_reported_then_applied(
    fetched: Path, apprank: Apprank, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = AppleSource.parse

    def parse(self: AppleSource, request: ChartRequest, body: bytes, *, url: str = "") -> Any:
        snap: ChartSnapshot = original(self, request, body, url=url)
        if request.key.country != "us":
            return snap
        first = snap.entries[0]._replace(name="Fixed name")
        return dataclasses.replace(snap, entries=(first, *snap.entries[1:]))

    monkeypatch.setattr(AppleSource, "parse", parse)
    top = json.loads(apprank("top", "-c", fetched, "--json").stdout)
    dry = apprank("reparse", "-c", fetched)
    assert (dry.code, dry.stderr) == (0, "")
    lines = dry.stdout.splitlines()
    assert (
        lines[0] == "3 snapshots: 2 unchanged, 1 differ (listings 1), 0 not archived, 0 refused now"
    )
    assert lines[2] == f"  e.g. apple us top-free at {top['captured_at']}: listings"
    assert lines[3] == "nothing written: --apply replaces what differs"
    assert json.loads(apprank("top", "-c", fetched, "--json").stdout) == top
    applied = apprank("reparse", "-c", fetched, "--apply", "--json")
    assert applied.code == 0, applied.stderr
    assert {k: v for k, v in json.loads(applied.stdout).items() if k in ("differ", "replaced")} == {
        "differ": 1,
        "replaced": 1,
    }
    after = json.loads(apprank("top", "-c", fetched, "--json").stdout)
    assert after["entries"][0]["name"] == "Fixed name"
    assert after["entries"][1:] == top["entries"][1:]
    assert after["provenance"] == top["provenance"]  # the same body, fetched from the same URL
    again = apprank("reparse", "-c", fetched, "--apply")
    assert again.stdout.splitlines()[-1] == "replaced 0 snapshots; made 0 from refused bodies"


def test_options_are_checked(tmp_path: Path, apprank: Apprank) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "none.db"}"\n', encoding="utf-8")
    bad = apprank("reparse", "-c", config, "--since", "yesterday")
    assert bad.code == 2 and bad.stderr.startswith("Error: --since: not a time: 'yesterday'")
    backwards = apprank("reparse", "-c", config, "--since", "2025-02-01", "--until", "2025-01-01")
    assert (backwards.code, backwards.stderr) == (2, "Error: --since is after --until\n")
    missing = apprank("reparse", "-c", config, "--apply")
    assert missing.code == 1 and missing.stderr.startswith(f"Error: no database at {tmp_path}")
    assert not (tmp_path / "none.db").exists()  # never made here
    helped = apprank("reparse", "--help")
    assert helped.code == 0 and "apprank reparse --since 2025-01-01 --apply" in helped.stdout
