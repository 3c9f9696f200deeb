"""Google Play's apps beside the App Store's (issue 18): each app is stored under its chart's
store (`SourceFacts.store`), with the price, currency, rating and install count each storefront
listed; reads find an app by its package name as by an App Store id; reparse looks each
storefront's apps up in its own store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text

from tests.fetch.sources.playpayload import PlayApp, answer
from tracker.fetch.sources import SOURCES
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.query.selection import app_ids_by_store_id
from tracker.store.copy import copy_history
from tracker.store.engine import open_engine, read_connection
from tracker.store.listings import find_by_name, labels
from tracker.store.reads import latest_chart
from tracker.store.reparse import reparse
from tracker.store.writer import Attempt, SnapshotWriter

T0 = datetime(2025, 1, 27, 12, tzinfo=UTC)
APPLE_US = ChartKey("apple", "us", "top-free")
PLAY_US = ChartKey("googleplay", "us", "top-free", "all", "phone")
PLAY_US_PAID = ChartKey("googleplay", "us", "top-paid", "all", "phone")
PLAY_DE_PUZZLE = ChartKey("googleplay", "de", "top-free", "GAME_PUZZLE", "phone")

DEEPSEEK_IOS, CHATGPT_IOS = "6737597349", "6448311069"
DEEPSEEK, CHATGPT, CANDY = "com.deepseek.chat", "com.openai.chatgpt", "com.king.candycrushsaga"

# rank, id, name, developer, price_micros, currency, rating, installs
Row = tuple[int, str, str, str, int | None, str | None, float | None, str | None]


def _snapshot(key: ChartKey, *rows: Row) -> ChartSnapshot:
    entries = tuple(
        ChartEntry(
            rank,
            app_id,
            name,
            developer,
            price_micros=price,
            currency=currency,
            rating=rating,
            installs=installs,
        )
        for rank, app_id, name, developer, price, currency, rating, installs in rows
    )
    return ChartSnapshot(ChartRequest(key, 100), entries, None)


APPLE = _snapshot(
    APPLE_US,
    (1, DEEPSEEK_IOS, "DeepSeek - AI Assistant", "DeepSeek", None, None, None, None),
    (2, CHATGPT_IOS, "ChatGPT", "OpenAI", None, None, None, None),
)
PLAY = _snapshot(
    PLAY_US,
    (1, CHATGPT, "ChatGPT", "OpenAI", 0, "USD", 4.7, "500,000,000+"),
    (2, DEEPSEEK, "DeepSeek - AI Assistant", "DeepSeek", 0, "USD", 4.4, "10,000,000+"),
)
PUZZLE = _snapshot(
    PLAY_DE_PUZZLE,
    (1, CANDY, "Candy Crush Saga", "King", 0, "EUR", 4.6, "1,000,000,000+"),
    (2, DEEPSEEK, "DeepSeek – KI-Assistent", "DeepSeek", 0, "EUR", 4.5, "10,000,000+"),
)


def _save(writer: SnapshotWriter, at: datetime, *snapshots: ChartSnapshot) -> None:
    writer.save_many([(s, at, Attempt(at, 10, "ok", 200)) for s in snapshots])


def _rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with read_connection(engine) as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


_APPS = (
    "SELECT store, store_id, name, developer, price_micros, currency, rating, installs "
    "FROM app ORDER BY store, store_id"
)
_LISTINGS = (
    "SELECT a.store, a.store_id, l.source, l.country, l.valid_from, l.name, l.developer, "
    "l.price_micros, l.currency, l.rating, l.installs FROM app_listing l "
    "JOIN app a ON a.id = l.app_id ORDER BY a.store, a.store_id, l.country, l.valid_from"
)


def test_one_batch_stores_each_app_under_its_charts_store(db_url: str) -> None:
    engine = open_engine(db_url)
    _save(SnapshotWriter(engine), T0, APPLE, PLAY, PUZZLE)
    assert _rows(engine, _APPS) == [
        ("apple", CHATGPT_IOS, "ChatGPT", "OpenAI", None, None, None, None),
        ("apple", DEEPSEEK_IOS, "DeepSeek - AI Assistant", "DeepSeek", None, None, None, None),
        # An app new in a batch takes the last entry the batch showed of it (Germany's here).
        ("googleplay", DEEPSEEK, "DeepSeek – KI-Assistent", "DeepSeek", 0, "EUR", 4.5,
         "10,000,000+"),
        ("googleplay", CANDY, "Candy Crush Saga", "King", 0, "EUR", 4.6, "1,000,000,000+"),
        ("googleplay", CHATGPT, "ChatGPT", "OpenAI", 0, "USD", 4.7, "500,000,000+"),
    ]  # fmt: skip
    at = int(T0.timestamp())
    assert _rows(engine, _LISTINGS) == [
        ("apple", CHATGPT_IOS, "apple", "us", at, "ChatGPT", "OpenAI", None, None, None, None),
        ("apple", DEEPSEEK_IOS, "apple", "us", at, "DeepSeek - AI Assistant", "DeepSeek",
         None, None, None, None),
        # One app, two storefronts: each keeps what it listed.
        ("googleplay", DEEPSEEK, "googleplay", "de", at, "DeepSeek – KI-Assistent", "DeepSeek",
         0, "EUR", 4.5, "10,000,000+"),
        ("googleplay", DEEPSEEK, "googleplay", "us", at, "DeepSeek - AI Assistant", "DeepSeek",
         0, "USD", 4.4, "10,000,000+"),
        ("googleplay", CANDY, "googleplay", "de", at, "Candy Crush Saga", "King", 0, "EUR", 4.6,
         "1,000,000,000+"),
        ("googleplay", CHATGPT, "googleplay", "us", at, "ChatGPT", "OpenAI", 0, "USD", 4.7,
         "500,000,000+"),
    ]  # fmt: skip
    play = latest_chart(engine, PLAY_US)
    assert play is not None
    assert [(e.rank, e.app_id, e.name) for e in play.entries] == [
        (1, CHATGPT, "ChatGPT"),
        (2, DEEPSEEK, "DeepSeek - AI Assistant"),
    ]
    apple = latest_chart(engine, APPLE_US)
    assert apple is not None
    assert [e.app_id for e in apple.entries] == [DEEPSEEK_IOS, CHATGPT_IOS]


def test_an_unchanged_play_listing_adds_no_rows_and_a_new_price_adds_one(db_url: str) -> None:
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    paid = (1, "com.mojang.minecraftpe", "Minecraft", "Mojang", 6_990_000, "USD", 4.5, "50M+")
    other = (2, "com.ninja.fruit", "Fruit Ninja", "Halfbrick", 990_000, "USD", 4.3, "1M+")
    _save(writer, T0, _snapshot(PLAY_US_PAID, paid, other))
    _save(writer, T0 + timedelta(hours=1), _snapshot(PLAY_US_PAID, paid, other))
    # A writer that starts afresh reads the histories instead of its cache: no row either.
    _save(SnapshotWriter(engine), T0 + timedelta(hours=2), _snapshot(PLAY_US_PAID, paid, other))
    assert len(_rows(engine, _LISTINGS)) == 2
    cheaper = (1, "com.mojang.minecraftpe", "Minecraft", "Mojang", 4_990_000, "USD", 4.5, "50M+")
    _save(writer, T0 + timedelta(hours=3), _snapshot(PLAY_US_PAID, cheaper, other))
    _save(writer, T0 + timedelta(hours=4), _snapshot(PLAY_US_PAID, cheaper, other))
    minecraft = [r for r in _rows(engine, _LISTINGS) if r[1] == "com.mojang.minecraftpe"]
    hours = [int((T0 + timedelta(hours=h)).timestamp()) for h in (0, 3)]
    assert [(r[4], r[7], r[8]) for r in minecraft] == [
        (hours[0], 6_990_000, "USD"),
        (hours[1], 4_990_000, "USD"),
    ]
    assert len(_rows(engine, _LISTINGS)) == 3
    # The app's own columns follow its latest listing.
    apps = {r[1]: r for r in _rows(engine, _APPS)}
    assert apps["com.mojang.minecraftpe"][4:] == (4_990_000, "USD", 4.5, "50M+")
    assert apps["com.ninja.fruit"][4:] == (990_000, "USD", 4.3, "1M+")


def test_a_rating_the_feed_leaves_out_keeps_the_one_listed_before(db_url: str) -> None:
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    rated = (1, CHATGPT, "ChatGPT", "OpenAI", 0, "USD", 4.7, "500,000,000+")
    unrated = (1, CHATGPT, "ChatGPT", "OpenAI", 0, "USD", None, "500,000,000+")
    _save(writer, T0, _snapshot(PLAY_US, rated))
    _save(writer, T0 + timedelta(hours=1), _snapshot(PLAY_US, unrated))
    assert [r[9] for r in _rows(engine, _LISTINGS)] == [4.7]


def test_one_app_statement_per_store_in_a_mixed_batch(pg_url: str) -> None:
    engine = open_engine(pg_url)
    inserts: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT INTO app "):
            inserts.append(statement)

    _save(SnapshotWriter(engine), T0, APPLE, PLAY, PUZZLE)
    assert len(inserts) == 2  # the App Store's two apps, then Google Play's three
    assert len(_rows(engine, _APPS)) == 5


def test_reads_find_an_app_by_its_package_name(db_url: str) -> None:
    engine = open_engine(db_url)
    _save(SnapshotWriter(engine), T0, APPLE, PLAY, PUZZLE)
    with read_connection(engine) as conn:
        found = app_ids_by_store_id(conn, [DEEPSEEK, DEEPSEEK_IOS, "com.unknown.app"])
        assert {sid: row[1:] for sid, row in found.items()} == {
            DEEPSEEK: ("DeepSeek – KI-Assistent", "DeepSeek"),
            DEEPSEEK_IOS: ("DeepSeek - AI Assistant", "DeepSeek"),
        }
        # The US storefront's name stands for the app across its storefronts.
        assert labels(conn, [DEEPSEEK, CANDY]) == {
            DEEPSEEK: ("DeepSeek - AI Assistant", "DeepSeek"),
            CANDY: ("Candy Crush Saga", "King"),
        }
        assert find_by_name(conn, "deepseek", 5) == [
            (DEEPSEEK_IOS, "DeepSeek - AI Assistant"),
            (DEEPSEEK, "DeepSeek - AI Assistant"),
        ]
        assert find_by_name(conn, "KI-Assistent", 5) == [(DEEPSEEK, "DeepSeek – KI-Assistent")]


_PLAY_URL = "https://play.google.com/_/PlayStoreUi/data/batchexecute?rpcids=vyAe2&hl=en&gl=US"
_BODY = answer(
    [
        PlayApp(CHATGPT, "ChatGPT", "OpenAI", rating=4.7, installs="500,000,000+"),
        PlayApp(DEEPSEEK, "DeepSeek - AI Assistant", "DeepSeek"),
    ]
)


def _archived(writer: SnapshotWriter, snapshot: ChartSnapshot, at: datetime) -> None:
    writer.save(snapshot, at, Attempt(at, 10, "ok", 200, None, _PLAY_URL, body=_BODY))


def test_an_unchanged_play_archive_reparses_to_no_difference(db_url: str) -> None:
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    parsed = SOURCES["googleplay"].parse(ChartRequest(PLAY_US, 100), _BODY, url=_PLAY_URL)
    _archived(writer, parsed, T0)
    _archived(writer, parsed, T0 + timedelta(hours=1))
    writer.save(APPLE, T0, Attempt(T0, 10, "ok", 200))  # no body: counted, not parsed
    report = reparse(engine, apply=True)
    assert (report.snapshots, report.unchanged, report.differ, report.not_archived) == (3, 2, 0, 1)


def test_reparse_looks_each_storefronts_apps_up_in_its_own_store(db_url: str) -> None:
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    _save(writer, T0, APPLE, PUZZLE)
    # A stored snapshot short of an app its body lists, which Germany's chart stored: reparse
    # finds it among Google Play's apps (looked up as the App Store's, it would be made again).
    short = _snapshot(PLAY_US, (1, CHATGPT, "ChatGPT", "OpenAI", 0, "USD", 4.7, "500,000,000+"))
    _archived(writer, short, T0 + timedelta(hours=1))
    report = reparse(engine, apply=True)
    assert (report.differ, report.replaced) == (1, 1)
    assert set(report.changes) >= {"ranks", "depth"}
    assert _rows(engine, "SELECT store, count(*) FROM app GROUP BY store ORDER BY store") == [
        ("apple", 2),
        ("googleplay", 3),
    ]
    fixed = latest_chart(engine, PLAY_US)
    assert fixed is not None
    assert [(e.rank, e.app_id) for e in fixed.entries] == [(1, CHATGPT), (2, DEEPSEEK)]
    deepseek_us = [r for r in _rows(engine, _LISTINGS) if r[1] == DEEPSEEK and r[3] == "us"]
    assert [(r[5], r[7], r[8], r[9], r[10]) for r in deepseek_us] == [
        ("DeepSeek - AI Assistant", 0, "USD", 4.52, "1,000,000+")
    ]


def test_db_copy_carries_prices_ratings_and_installs(tmp_path: Path, db_url: str) -> None:
    source = open_engine(f"sqlite:///{tmp_path / 'source.db'}")
    writer = SnapshotWriter(source)
    _save(writer, T0, APPLE, PLAY, PUZZLE)
    repriced = _snapshot(
        PLAY_US,
        (1, CHATGPT, "ChatGPT", "OpenAI", 0, "USD", 4.8, "1,000,000,000+"),
        (2, DEEPSEEK, "DeepSeek - AI Assistant", "DeepSeek", 0, "USD", 4.4, "10,000,000+"),
    )
    _save(writer, T0 + timedelta(hours=1), repriced)
    destination = open_engine(db_url)
    copy_history(source, destination)
    assert len(_rows(source, _LISTINGS)) == 7
    assert _rows(destination, _APPS) == _rows(source, _APPS)
    assert _rows(destination, _LISTINGS) == _rows(source, _LISTINGS)
    copy_history(source, destination)  # again: nothing new
    assert len(_rows(destination, _LISTINGS)) == 7
