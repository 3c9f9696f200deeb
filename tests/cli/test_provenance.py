"""Provenance (issue 17 item 5): `top --json` and `export --format jsonl` name where each snapshot
came from, the URL fetched and the SHA-256 of the body as served, over loopback HTTP; CSV stays
as it was; an export with provenance imports back."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from pathlib import Path

from tests.conftest import FeedServer, real_fixture, real_json, run_apprank

FREE = "/api/v2/us/apps/top-free/100/apps.json"
PAID = "/api/v2/jp/apps/top-paid/100/apps.json"
SERVED = {
    FREE: "v2-us-top-free-100-2026-08-03.json",
    PAID: "v2-jp-top-paid-98-2026-08-03.json",
}


def _config(folder: Path, base_url: str, extra: str = "") -> Path:
    config = folder / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{folder / "apprank.db"}"\n'
        "[http]\nretries = 0\ntimeout = 5\n"
        f'[sources.apple]\nbase_url = "{base_url}"\n'
        '[[track]]\ncountries = ["us"]\ncharts = ["top-free"]\n'
        '[[track]]\ncountries = ["jp"]\ncharts = ["top-paid"]\n' + extra,
        encoding="utf-8",
    )
    return config


def _fetched(folder: Path, server: FeedServer, extra: str = "") -> Path:
    for path, name in SERVED.items():
        server.serve(path, real_fixture(name))
    config = _config(folder, server.base_url, extra)
    done = run_apprank("fetch", "-c", config)
    assert (done.code, done.stdout) == (0, "2 charts stored, 0 failed\n"), done.stderr
    return config


def _captured(config: Path, country: str) -> str:
    with sqlite3.connect(config.parent / "apprank.db") as conn:
        (at,) = conn.execute(
            "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', s.captured_at, 'unixepoch') FROM snapshot s "
            "JOIN chart c ON c.id = s.chart_id WHERE c.country = ?",
            (country,),
        ).fetchone()
    return str(at)


def test_top_json_names_the_url_and_the_served_bodys_digest(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    config = _fetched(tmp_path, feed_server)
    for path, country, chart in ((FREE, "us", "top-free"), (PAID, "jp", "top-paid")):
        top = run_apprank("top", "-c", config, "--country", country, "--chart", chart, "--json")
        assert top.code == 0, top.stderr
        shown = json.loads(top.stdout)
        served = real_fixture(SERVED[path])
        assert shown["provenance"] == {
            "url": feed_server.base_url + path,
            "fetched_at": shown["captured_at"],
            "feed_updated_at": shown["feed_updated_at"],
            "payload_sha256": hashlib.sha256(served).hexdigest(),
            "depth_requested": 100,
            "depth_returned": len(real_json(SERVED[path])["feed"]["results"]),
            "source": "apple",
        }
        assert shown["captured_at"] == _captured(config, country)
    assert shown["provenance"]["depth_returned"] == 98  # the JP capture holds 98 of 100


def test_a_body_not_archived_has_no_digest_but_its_url(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    config = _fetched(tmp_path, feed_server, '[archive]\nkeep = "off"\n')
    shown = json.loads(run_apprank("top", "-c", config, "--json").stdout)["provenance"]
    assert (shown["url"], shown["payload_sha256"]) == (feed_server.base_url + FREE, None)


def test_every_jsonl_row_carries_its_snapshots_provenance_and_imports_back(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    config = _fetched(tmp_path, feed_server)
    out = tmp_path / "history.jsonl"
    done = run_apprank("export", "-c", config, "--format", "jsonl", "-o", out)
    assert (done.code, done.stdout) == (0, f"198 rows written to {out}\n"), done.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    by_country: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        by_country.setdefault(str(row["country"]), []).append(row)
    for path, country, chart in ((FREE, "us", "top-free"), (PAID, "jp", "top-paid")):
        options = ("--country", country, "--chart", chart, "--json")
        top = json.loads(run_apprank("top", "-c", config, *options).stdout)
        mine = by_country[country]
        assert {json.dumps(r["provenance"], sort_keys=True) for r in mine} == {
            json.dumps(top["provenance"], sort_keys=True)
        }
        assert len(mine) == top["provenance"]["depth_returned"]
        served = hashlib.sha256(real_fixture(SERVED[path])).hexdigest()
        assert mine[0]["provenance"]["payload_sha256"] == served  # type: ignore[index]
    # CSV is as it was: the same columns, no provenance.
    listed = run_apprank("export", "-c", config).stdout
    header = next(csv.reader(io.StringIO(listed)))
    assert header == [
        "captured_at", "source", "country", "chart", "category", "device",
        "rank", "app_id", "app_name", "developer", "simulated",
    ]  # fmt: skip
    # The file imports into another database, row for row (the import makes its own snapshots).
    other = tmp_path / "other"
    other.mkdir()
    copy = other / "config.toml"
    copy.write_text(f'[database]\nurl = "sqlite:///{other / "apprank.db"}"\n', encoding="utf-8")
    imported = run_apprank("import", "-c", copy, out)
    assert (imported.code, imported.stdout) == (
        0,
        "imported 2 snapshots (198 rows); 0 already stored\n",
    ), imported.stderr
    again = run_apprank("export", "-c", copy, "--format", "jsonl")
    copied = [json.loads(line) for line in again.stdout.splitlines()]
    assert [{k: v for k, v in r.items() if k != "provenance"} for r in copied] == [
        {k: v for k, v in r.items() if k != "provenance"} for r in rows
    ]
    # Imported snapshots have no attempt and no body: no URL, no digest.
    assert {(r["provenance"]["url"], r["provenance"]["payload_sha256"]) for r in copied} == {
        (None, None)
    }
