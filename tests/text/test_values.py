"""One rule for what a stored value may be, applied at parse time: whatever a fetch stores,
export, import and copy accept, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tracker.errors import FeedFormatError
from tracker.fetch.sources import AppleSource
from tracker.files import export as exp
from tracker.files.importer import import_file
from tracker.models import ChartKey, ChartRequest
from tracker.store.engine import open_engine
from tracker.store.writer import Attempt, SnapshotWriter
from tracker.text.values import (
    TEXT_MAX,
    clean_text,
    is_package_name,
    is_package_name_list,
    is_store_id,
)

SOURCE = AppleSource()
REQUEST = ChartRequest(ChartKey("apple", "us", "top-free"), 10)
URL = "http://feed/us"


def feed(*rows: dict[str, Any]) -> bytes:
    return json.dumps({"feed": {"country": "us", "results": list(rows)}}).encode()


def row(app_id: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"id": app_id, "name": name, "artistName": "Dev", **extra}


@pytest.mark.parametrize(
    ("value", "ok"),
    [("6737597349", True), ("1" * 64, True), ("1" * 65, False), ("", False), ("12a", False),
     ("٣٣٣", False), ("³", False), ("１２", False), (" 12", False)],
)  # fmt: skip
def test_a_store_id_is_ascii_digits_within_the_column(value: str, ok: bool) -> None:
    assert is_store_id(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [("com.deepseek.chat", True), ("a.b", True), ("com.King_2.x9", True),
     ("a." + "b" * 148, True), ("a." + "b" * 149, False), ("com", False), ("", False),
     ("1com.app", False), ("com.1app", False), ("com..app", False), ("com.app.", False),
     (".com.app", False), ("com.ex-ample", False), ("com.app ", False), ("com.app\n", False),
     ("cöm.app", False), ("6737597349", False)],
)  # fmt: skip
def test_a_google_play_id_is_a_java_package_name_of_two_segments_or_more(
    value: str, ok: bool
) -> None:
    assert is_package_name(value) is ok
    assert is_package_name_list(["com.fine.app", value, "org.also.fine"]) is ok


def test_no_package_names_are_a_valid_list() -> None:
    assert is_package_name_list([]) is True


@pytest.mark.parametrize(
    ("app_id", "shown"),
    [("٣٣٣", "'٣٣٣'"), ("12³", "'12³'"), ("9" * 5000, "'" + "9" * 200 + "…' (5,000 chars)")],
    ids=["arabic-indic", "superscript", "5000-digits"],
)
def test_a_chart_with_an_unstorable_id_is_refused_naming_the_rank(app_id: str, shown: str) -> None:
    with pytest.raises(FeedFormatError) as caught:
        SOURCE.parse(REQUEST, feed(row("1", "Fine"), row(app_id, "Odd")), url=URL)
    assert str(caught.value) == (
        f"app id {shown} at rank 2 is not a store id (1 to 64 ASCII digits) from {URL}"
    )


@pytest.mark.parametrize("name", ["", "   ", "\x00", "\n\t"], ids=["empty", "spaces", "nul", "ws"])
def test_a_chart_with_an_unusable_name_is_refused_naming_the_rank(name: str) -> None:
    with pytest.raises(FeedFormatError) as caught:
        SOURCE.parse(REQUEST, feed(row("1", "Fine"), row("2", name)), url=URL)
    assert str(caught.value) == f"result 2 has an empty name from {URL}"


def test_control_characters_become_spaces_and_long_text_is_cut() -> None:
    huge = "N" * 9_000_000
    snapshot = SOURCE.parse(
        REQUEST,
        feed(
            row("1", "Evil\x00App\x1b[2J", artistName="Dev\nCorp"),
            row("2", huge, artistName="\x07"),
            row("3", "Money $\\frac{1}{$ maker — 多邻国 'quoted' \"x\""),
        ),
        url=URL,
    )
    first, second, third = snapshot.entries
    assert (first.name, first.developer) == ("Evil App [2J", "Dev Corp")
    assert second.name == "N" * (TEXT_MAX - 1) + "…" and len(second.name) == TEXT_MAX
    assert second.developer is None  # a developer of nothing but a control character
    assert third.name == "Money $\\frac{1}{$ maker — 多邻国 'quoted' \"x\""  # kept exactly


def test_clean_text_keeps_ordinary_text_as_it_is() -> None:
    for text in (
        "DeepSeek - AI Assistant",
        "多邻国Duolingo英语日语法语",
        "  padded  ",
        "x" * TEXT_MAX,
    ):
        assert clean_text(text) == text


def test_what_fetch_stores_export_and_import_accept(db_url: str, tmp_path: Path) -> None:
    """Hostile names, cleaned at parse time, store on both databases and survive a round trip
    through the CSV export into a fresh database, byte for byte."""
    snapshot = SOURCE.parse(
        REQUEST,
        feed(
            row("1", "Evil\x00App"),
            row("2", "=SUM(1)+\x1b]0;t\x07"),
            row("3", "L" * 600, artistName="D" * 600),
        ),
        url=URL,
    )
    engine = open_engine(db_url)
    at = datetime(2025, 1, 27, 6, tzinfo=UTC)
    SnapshotWriter(engine).save(snapshot, at, Attempt(at, 10, "ok", 200))
    first = csv_export(engine)
    assert "Evil App" in first.decode("utf-8-sig")
    path = tmp_path / "history.csv"
    path.write_bytes(first)
    fresh = open_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    report = import_file(fresh, path)
    assert (report.snapshots_added, report.rows_added, report.bad_rows) == (1, 3, 0)
    assert csv_export(fresh) == first
    engine.dispose()
    fresh.dispose()


def csv_export(engine: Any) -> bytes:
    plan = exp.plan(engine, exp.Selection())
    assert plan is not None
    out = io.BytesIO()
    exp.write_csv(exp.iter_snapshots(engine, plan), out, bom=True)
    return out.getvalue()
