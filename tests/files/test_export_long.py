"""Long export: exact CSV and JSONL, filters, paging, atomic files, flat memory."""

from __future__ import annotations

import io
import os
import tracemalloc
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine

from tests.files.generate import generate
from tests.query.story import CHATGPT, DEEPSEEK, at, save
from tracker.errors import UsageError
from tracker.files import export as exp
from tracker.store.engine import open_engine
from tracker.store.writer import SnapshotWriter

HEADER = (
    "captured_at,source,country,chart,category,device,rank,app_id,app_name,developer,simulated\r\n"
)


def export_csv(engine: Engine, selection: exp.Selection | None = None, **kwargs) -> bytes:
    plan = exp.plan(engine, selection or exp.Selection())
    out = io.BytesIO()
    exp.write_csv(exp.iter_snapshots(engine, plan) if plan else iter(()), out, **kwargs)
    return out.getvalue()


def test_csv_has_a_header_and_one_row_per_snapshot_and_rank(story: Engine) -> None:
    text = export_csv(story).decode("utf-8")
    lines = text.split("\r\n")
    assert lines[0] + "\r\n" == HEADER
    assert lines[1:5] == [
        "2025-01-26T00:05:00Z,apple,us,top-free,all,iphone,1,6448311069,ChatGPT,OpenAI,false",
        "2025-01-26T00:05:00Z,apple,us,top-free,all,iphone,2,835599320,TikTok,TikTok Ltd.,false",
        "2025-01-26T00:05:00Z,apple,us,top-free,all,iphone,3,310633997,WhatsApp Messenger,"
        "WhatsApp Inc.,false",
        "2025-01-26T00:06:00Z,apple,gb,top-free,all,iphone,1,310633997,WhatsApp Messenger,"
        "WhatsApp Inc.,false",
    ]
    assert lines[-4:] == [
        "2025-01-26T04:07:00Z,apple,jp,top-free,all,iphone,1,544007664,YouTube,Google,false",
        "2025-01-26T04:07:00Z,apple,jp,top-free,all,iphone,2,835599320,TikTok,TikTok Ltd.,false",
        "2025-01-26T04:07:00Z,apple,jp,top-free,all,iphone,3,6448311069,ChatGPT,OpenAI,false",
        "",
    ]
    assert len(lines) == 1 + 30 + 1  # header, 10 snapshots x 3 ranks, final CRLF


def test_bom_only_when_asked(story: Engine) -> None:
    assert export_csv(story, bom=True).startswith(b"\xef\xbb\xbf" + HEADER.encode())
    assert export_csv(story).startswith(HEADER.encode())


def test_snapshots_at_the_same_second_sort_by_chart(engine: Engine) -> None:
    writer = SnapshotWriter(engine)
    for country in ("us", "gb", "at"):  # stored in this order, exported by country
        save(writer, country, at("01:00"), ["ds"])
    save(writer, "us", at("01:00"), ["gpt"], source="itunes")
    save(writer, "us", at("00:59"), ["wa"], chart="top-paid")
    rows = [line.split(",")[:4] for line in export_csv(engine).decode().splitlines()[1:]]
    assert rows == [
        ["2025-01-26T00:59:00Z", "apple", "us", "top-paid"],
        ["2025-01-26T01:00:00Z", "apple", "at", "top-free"],
        ["2025-01-26T01:00:00Z", "apple", "gb", "top-free"],
        ["2025-01-26T01:00:00Z", "apple", "us", "top-free"],
        ["2025-01-26T01:00:00Z", "itunes", "us", "top-free"],
    ]


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (exp.Selection(app_ids=[DEEPSEEK]), 7),
        (exp.Selection(app_ids=[DEEPSEEK, CHATGPT]), 7 + 10),
        (exp.Selection(countries=["GB"]), 12),
        (exp.Selection(countries=["gb", "jp"]), 15),
        (exp.Selection(charts=["top-paid"]), 0),
        (exp.Selection(sources=["itunes"]), 0),
        (exp.Selection(since=at("02:35"), until=at("04:05")), 9),
        (exp.Selection(since=at("04:06")), 6),
        (exp.Selection(until=at("00:05")), 3),
        (exp.Selection(app_ids=["999"]), 0),
    ],
    ids=[
        "app",
        "apps",
        "country",
        "countries",
        "chart",
        "source",
        "range",
        "since",
        "until",
        "unknown-app",
    ],
)
def test_filters(story: Engine, selection: exp.Selection, expected: int) -> None:
    lines = export_csv(story, selection).decode().splitlines()
    assert len(lines[1:]) == expected
    if selection.app_ids:
        assert {line.split(",")[7] for line in lines[1:]} <= set(selection.app_ids)


def test_bad_selection_is_a_usage_error(story: Engine) -> None:
    for selection, message in [
        (exp.Selection(charts=["top-cool"]), "unknown chart 'top-cool'"),
        (exp.Selection(sources=["play"]), "unknown source 'play'"),
        (exp.Selection(countries=["zz"]), "'zz' is not an App Store storefront code"),
        (exp.Selection(since=at("02:00"), until=at("01:00")), "--since is after --until"),
    ]:
        with pytest.raises(UsageError, match=message):
            exp.plan(story, selection)


def test_jsonl_carries_the_same_fields_raw(story: Engine) -> None:
    plan = exp.plan(story, exp.Selection(countries=["jp"]))
    out = io.BytesIO()
    assert exp.write_jsonl(exp.iter_snapshots(story, plan), out) == 3
    first = out.getvalue().splitlines()[0]
    assert first == (
        b'{"captured_at":"2025-01-26T04:07:00Z","source":"apple","country":"jp",'
        b'"chart":"top-free","category":"all","device":"iphone","rank":1,'
        b'"app_id":"544007664","app_name":"YouTube","developer":"Google","simulated":false}'
    )
    assert list(orjson.loads(first)) == list(exp.COLUMNS)


def test_paging_never_splits_or_drops_rows(
    story: Engine, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = SnapshotWriter(engine)
    save(writer, "us", at("00:00"), ["ds", "gpt"])
    save(writer, "us", at("00:00").replace(day=28), ["gpt", "ds"])  # two days of nothing between
    save(writer, "gb", at("00:00").replace(day=28), ["wa"])
    for db in (story, engine):
        monkeypatch.undo()  # the reference read uses the default chunking
        plan = exp.plan(db, exp.Selection())
        assert plan is not None
        whole = list(exp.iter_rows(db, plan))
        for page_rows in (1, 2, 7):
            assert list(exp.iter_rows(db, plan, page_rows=page_rows)) == whole
        # Entries are fetched for a few snapshots at a time: any chunking gives the same rows.
        for rows, rankings in ((1, 500), (4, 1), (5, 2)):
            monkeypatch.setattr(exp, "CHUNK_ROWS", rows)
            monkeypatch.setattr(exp, "CHUNK_RANKINGS", rankings)
            assert list(exp.iter_rows(db, plan)) == whole
    assert [row[:2] for row in whole] == [
        (int(at("00:00").timestamp()), "apple"),
        (int(at("00:00").timestamp()), "apple"),
        (int(at("00:00").replace(day=28).timestamp()), "apple"),
        (int(at("00:00").replace(day=28).timestamp()), "apple"),
        (int(at("00:00").replace(day=28).timestamp()), "apple"),
    ]


def test_memory_stays_flat_on_a_large_history(tmp_path: Path) -> None:
    rows = generate(tmp_path / "big.db", countries=4, hours=75, depth=100)
    engine = open_engine(f"sqlite:///{tmp_path / 'big.db'}")
    plan = exp.plan(engine, exp.Selection())
    assert plan is not None
    tracemalloc.start()
    try:
        with open(os.devnull, "wb") as sink:
            written = exp.write_csv(exp.iter_snapshots(engine, plan, page_rows=3000), sink)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written == rows == 30_000
    # 30,000 rows held at once take about 20 MB; a stream holds one fetch batch.
    assert peak < 5_000_000, f"traced peak {peak:,} bytes"


def test_a_failed_write_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "history.csv"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError), exp.open_output(target) as out:
        out.write(b"half a file")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.csv"]
    with exp.open_output(target) as out:
        out.write(b"new")
    assert target.read_bytes() == b"new"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.csv"]


def test_output_paths_are_checked(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a directory"), exp.open_output(tmp_path):
        pass
    with exp.open_output(tmp_path / "x" / "y") as out:  # missing folders are created
        out.write(b"y")
    assert (tmp_path / "x" / "y").read_bytes() == b"y"
