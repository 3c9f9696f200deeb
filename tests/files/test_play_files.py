"""Export and import of Google Play rows: JSONL carries each row's price, currency, rating and
installs as its storefront listed them then (App Store rows carry none), import stores them as
listings again, and the round trip is byte-identical; CSV keeps its columns."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine, text

from tracker.errors import ImportFileError
from tracker.files import export as exp
from tracker.files.importer import import_file
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.store.engine import open_engine
from tracker.store.writer import Attempt, SnapshotWriter

T0 = datetime(2025, 1, 27, 12, tzinfo=UTC)
APPLE_US = ChartKey("apple", "us", "top-free")
PLAY_US = ChartKey("googleplay", "us", "top-paid", "all", "phone")
PLAY_DE = ChartKey("googleplay", "de", "top-free", "GAME_PUZZLE", "phone")
MINECRAFT, CANDY = "com.mojang.minecraftpe", "com.king.candycrushsaga"


def _play(key: ChartKey, *rows: tuple[str, str, int, str, float | None, str]) -> ChartSnapshot:
    entries = tuple(
        ChartEntry(rank, app_id, name, "Dev", None, None, None, None, None, *details)
        for rank, (app_id, name, *details) in enumerate(rows, 1)
    )
    return ChartSnapshot(ChartRequest(key, 100), entries, None)


def _history(engine: Engine) -> None:
    """Two hours of three charts; Minecraft's US price drops in the second."""
    writer = SnapshotWriter(engine)
    apple = ChartSnapshot(
        ChartRequest(APPLE_US, 100), (ChartEntry(1, "6737597349", "DeepSeek", "DeepSeek"),), None
    )
    puzzle = _play(PLAY_DE, (CANDY, "Candy Crush Saga", 0, "EUR", 4.6, "1.000.000.000+"))
    for hour, price in ((0, 6_990_000), (1, 4_990_000)):
        at = T0 + timedelta(hours=hour)
        paid = _play(PLAY_US, (MINECRAFT, "Minecraft", price, "USD", 4.5, "50,000,000+"))
        unrated = _play(PLAY_US, (MINECRAFT, "Minecraft", price, "USD", None, "50,000,000+"))
        snapshots = (apple, paid if hour == 0 else unrated, puzzle)
        writer.save_many([(s, at, Attempt(at, 5, "ok", 200)) for s in snapshots])


def _export(engine: Engine, fmt: str) -> bytes:
    plan = exp.plan(engine, exp.Selection())
    assert plan is not None
    out = io.BytesIO()
    rows = exp.iter_snapshots(engine, plan)
    exp.write_csv(rows, out) if fmt == "csv" else exp.write_jsonl(rows, out)
    return out.getvalue()


_LISTINGS = (
    "SELECT a.store_id, l.country, l.valid_from, l.price_micros, l.currency, l.rating, "
    "l.installs FROM app_listing l JOIN app a ON a.id = l.app_id "
    "ORDER BY a.store_id, l.country, l.valid_from"
)


def _listings(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(_LISTINGS))]


@pytest.fixture
def played(tmp_path: Path) -> Engine:
    engine = open_engine(f"sqlite:///{tmp_path / 'played.db'}")
    _history(engine)
    return engine


def test_jsonl_rows_carry_what_each_storefront_listed_then(played: Engine) -> None:
    rows = [orjson.loads(line) for line in _export(played, "jsonl").splitlines()]
    details = ("price_micros", "currency", "rating", "installs")
    shown = [
        (r["captured_at"][11:16], r["country"], r["app_id"], *(r.get(c) for c in details))
        for r in rows
    ]
    assert shown == [
        ("12:00", "us", "6737597349", None, None, None, None),
        ("12:00", "de", CANDY, 0, "EUR", 4.6, "1.000.000.000+"),
        ("12:00", "us", MINECRAFT, 6_990_000, "USD", 4.5, "50,000,000+"),
        ("13:00", "us", "6737597349", None, None, None, None),
        ("13:00", "de", CANDY, 0, "EUR", 4.6, "1.000.000.000+"),
        # The rating the feed left out is the one listed before.
        ("13:00", "us", MINECRAFT, 4_990_000, "USD", 4.5, "50,000,000+"),
    ]
    assert set(rows[0]) == set(exp.COLUMNS)  # an App Store row: the export's fields only


def test_csv_keeps_its_columns(played: Engine) -> None:
    lines = _export(played, "csv").decode().splitlines()
    assert lines[0] == ",".join(exp.COLUMNS)
    assert lines[3] == (
        "2025-01-27T12:00:00Z,googleplay,us,top-paid,all,phone,1,com.mojang.minecraftpe,"
        "Minecraft,Dev,false"
    )


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_import_export_is_byte_identical(
    played: Engine, db_url: str, tmp_path: Path, fmt: str
) -> None:
    first = _export(played, fmt)
    path = tmp_path / f"played.{fmt}"
    path.write_bytes(first)
    engine = open_engine(db_url)
    report = import_file(engine, path)
    assert (report.snapshots_added, report.rows_added, report.bad_rows) == (6, 6, 0)
    assert _export(engine, fmt) == first
    if fmt == "jsonl":  # the listings again, as fetched
        assert _listings(engine) == _listings(played)
    else:  # names only: CSV has no price
        assert {r[3:] for r in _listings(engine)} == {(None, None, None, None)}


def test_jsonl_details_are_checked_with_line_numbers(
    played: Engine, engine: Engine, tmp_path: Path
) -> None:
    lines = _export(played, "jsonl").decode().splitlines()
    lines[1] = lines[1].replace('"currency":"EUR"', '"currency":"Euro"')
    lines[2] = lines[2].replace('"price_micros":6990000', '"price_micros":-1')
    lines[4] = lines[4].replace('"rating":4.6', '"rating":"high"')
    lines[5] = lines[5].replace('"installs":"50,000,000+"', '"installs":50000000')
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        import_file(engine, path)
    assert str(caught.value).splitlines()[1:] == [
        "  line 2: currency 'Euro' is not three capital letters",
        "  line 3: price_micros '-1' is not a whole number of micros",
        "  line 5: rating 'high' is not a number from 0 to 5",
        "  line 6: installs '50000000' is not text",
    ]
