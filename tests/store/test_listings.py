"""App listings: what each storefront showed for an app, as a history of changes.

Written by the SnapshotWriter (tracker/store/listing_writer.py), read by tracker/store/listings.py,
seeded by migration 0007 from the one name a database knew.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import Engine, create_engine, text

from tracker.models import (
    ChartEntry,
    ChartKey,
    ChartRequest,
    ChartSnapshot,
    entry_app_id,
    entry_rank,
)
from tracker.store import migrate
from tracker.store.copy import copy_history
from tracker.store.engine import open_engine, read_connection
from tracker.store.listing_writer import META_COLUMNS, Listing, entry_meta, merged, observe
from tracker.store.listings import DETAIL_COLUMNS, NameCache, labels, names_at
from tracker.store.writer import Attempt, SnapshotWriter
from tracker.timeutil import to_epoch

T0 = datetime(2026, 8, 3, 6, tzinfo=UTC)
CN = ChartKey("apple", "cn", "top-free")
DE = ChartKey("apple", "de", "top-free")
US = ChartKey("apple", "us", "top-free")
US_LEGACY = ChartKey("itunes", "us", "top-free")
DUO = "570060128"


def _snapshot(key: ChartKey, *entries: tuple[str, str]) -> ChartSnapshot:
    rows = tuple(
        ChartEntry(rank, app_id, name, f"dev {app_id}")
        for rank, (app_id, name) in enumerate(entries, 1)
    )
    return ChartSnapshot(ChartRequest(key, 100), rows, None)


def _save(writer: SnapshotWriter, at: datetime, *snapshots: ChartSnapshot) -> list[int]:
    saved = writer.save_many([(s, at, Attempt(at, 10, "ok", 200)) for s in snapshots])
    return [s.snapshot_id for s in saved]


def _rows(engine: Engine) -> list[tuple[str, str, str, int, str, bool]]:
    """(store id, source, country, valid_from, name, has a snapshot) of every listing row."""
    with read_connection(engine) as conn:
        return [
            (r[0], r[1], r[2], int(r[3]), r[4], r[5] is not None)
            for r in conn.execute(
                text(
                    "SELECT a.store_id, l.source, l.country, l.valid_from, l.name, l.snapshot_id "
                    "FROM app_listing l JOIN app a ON a.id = l.app_id "
                    "ORDER BY a.store_id, l.source, l.country, l.valid_from"
                )
            )
        ]


def _named(engine: Engine, key: ChartKey, store_id: str, at: datetime) -> str:
    with read_connection(engine) as conn:
        app_id = conn.execute(
            text("SELECT id FROM app WHERE store_id = :s"), {"s": store_id}
        ).scalar_one()
        return names_at(conn, (key.source, key.country), [app_id], to_epoch(at))[app_id][0]


def test_each_storefront_keeps_its_own_name_and_an_unchanged_one_adds_no_row(db_url: str) -> None:
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    cn = _snapshot(CN, (DUO, "多邻国Duolingo英语日语法语"), ("1", "WeChat"))
    de = _snapshot(DE, ("2", "Spotify"), (DUO, "Duolingo: Sprachen und Schach"))
    for hour in range(3):
        _save(writer, T0 + timedelta(hours=hour), cn, de)
    t0 = to_epoch(T0)
    assert _rows(engine) == [
        ("1", "apple", "cn", t0, "WeChat", True),
        ("2", "apple", "de", t0, "Spotify", True),
        (DUO, "apple", "cn", t0, "多邻国Duolingo英语日语法语", True),
        (DUO, "apple", "de", t0, "Duolingo: Sprachen und Schach", True),
    ]
    # A new writer (another process) reads the same histories and adds nothing either.
    _save(SnapshotWriter(engine), T0 + timedelta(hours=3), de, cn)
    assert len(_rows(engine)) == 4
    assert _named(engine, CN, DUO, T0) == "多邻国Duolingo英语日语法语"
    assert _named(engine, DE, DUO, T0) == "Duolingo: Sprachen und Schach"


def test_a_rename_is_valid_from_the_snapshot_that_first_showed_it(db_url: str) -> None:
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    before, after = _snapshot(US, (DUO, "Duolingo")), _snapshot(US, (DUO, "Duolingo - Language"))
    _save(writer, T0, before)
    _save(writer, T0 + timedelta(hours=1), before)
    [renamed] = _save(writer, T0 + timedelta(hours=2), after)
    _save(writer, T0 + timedelta(hours=3), after)
    assert _rows(engine) == [
        (DUO, "apple", "us", to_epoch(T0), "Duolingo", True),
        (DUO, "apple", "us", to_epoch(T0 + timedelta(hours=2)), "Duolingo - Language", True),
    ]
    with read_connection(engine) as conn:
        assert (
            conn.execute(
                text("SELECT snapshot_id FROM app_listing ORDER BY valid_from DESC LIMIT 1")
            ).scalar_one()
            == renamed
        )
    assert _named(engine, US, DUO, T0 + timedelta(minutes=119)) == "Duolingo"
    assert _named(engine, US, DUO, T0 + timedelta(hours=2)) == "Duolingo - Language"
    # Earlier than any listing: the first one.
    assert _named(engine, US, DUO, T0 - timedelta(days=1)) == "Duolingo"


def test_an_app_renamed_in_one_chart_is_followed_in_every_chart_of_its_storefront(
    db_url: str,
) -> None:
    """The cache decides most entries at once; an app it cannot decide in one chart (renamed
    there) is looked at in every chart of the storefront, even where that chart shows what the
    cache holds, and a new app beside it is stored."""
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    paid = ChartKey("apple", "us", "top-paid")
    first = _snapshot(US, (DUO, "Duolingo"), ("1", "WeChat"))
    _save(writer, T0, first, _snapshot(paid, ("2", "X")))
    renamed, shown_again = T0 + timedelta(hours=1), T0 + timedelta(hours=1, seconds=30)
    renaming = _snapshot(paid, ("2", "X"), (DUO, "Duolingo Max"), ("3", "New"))
    writer.save_many(
        [
            (renaming, renamed, Attempt(renamed, 10, "ok", 200)),
            # Thirty seconds later the free chart still shows the old name, as the cache has it.
            (first, shown_again, Attempt(shown_again, 10, "ok", 200)),
        ]
    )
    assert _rows(engine) == [
        ("1", "apple", "us", to_epoch(T0), "WeChat", True),
        ("2", "apple", "us", to_epoch(T0), "X", True),
        ("3", "apple", "us", to_epoch(renamed), "New", True),
        (DUO, "apple", "us", to_epoch(T0), "Duolingo", True),
        (DUO, "apple", "us", to_epoch(renamed), "Duolingo Max", True),
        (DUO, "apple", "us", to_epoch(shown_again), "Duolingo", True),
    ]
    with read_connection(engine) as conn:
        assert conn.execute(text("SELECT count(*) FROM app")).scalar_one() == 4
    # The next hour shows the same again: the cache decides every entry, nothing is added.
    _save(writer, T0 + timedelta(hours=2), first)
    assert len(_rows(engine)) == 6


def test_an_entrys_listing_is_its_fields_after_its_rank_and_id() -> None:
    """What the store keeps per storefront (META_COLUMNS, `entry[2:]`) is named and ordered as
    ChartEntry's own fields, Google Play's details last."""
    entry = ChartEntry(7, "42", "Name", "Dev", "com.x", "icon", "url", "Games", "2026-01-02",
                       990000, "USD", 4.5, "1,000+")  # fmt: skip
    listed = ("name", "developer", "bundle_id", "icon_url", "url", "genre", "release_date")
    assert (*listed, *DETAIL_COLUMNS) == META_COLUMNS
    assert entry_meta(entry) == tuple(getattr(entry, column) for column in META_COLUMNS)
    assert (entry_rank(entry), entry_app_id(entry)) == (7, "42")


def test_older_snapshots_stored_later_keep_the_history_true(db_url: str) -> None:
    """An import or a copy brings snapshots older than what is stored: a change is still valid
    from the first snapshot that showed it, and the fast path never takes an old snapshot for
    a current one."""
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    old, new = _snapshot(US, (DUO, "Duolingo")), _snapshot(US, (DUO, "Duolingo - Language"))
    _save(writer, T0 + timedelta(hours=5), new)  # the live fetch
    _save(writer, T0 + timedelta(hours=3), new)  # imported: showed the new name earlier
    assert _rows(engine) == [
        (DUO, "apple", "us", to_epoch(T0 + timedelta(hours=3)), new.entries[0].name, True)
    ]
    _save(writer, T0, old)  # imported: the old name before that
    _save(writer, T0 + timedelta(hours=1), old, _snapshot(US_LEGACY, (DUO, "Duolingo")))
    assert _rows(engine) == [
        (DUO, "apple", "us", to_epoch(T0), "Duolingo", True),
        (DUO, "apple", "us", to_epoch(T0 + timedelta(hours=3)), "Duolingo - Language", True),
        (DUO, "itunes", "us", to_epoch(T0 + timedelta(hours=1)), "Duolingo", True),
    ]
    _save(writer, T0 + timedelta(hours=6), new)  # live again: nothing new
    assert len(_rows(engine)) == 3


def test_a_field_a_feed_leaves_out_keeps_what_was_listed() -> None:
    """The RSS v2 feed has no genre for ranks 1 to 10: an app moving into the top 10 and out
    again is not a change back and forth."""
    full = ("Duolingo", "Duolingo", None, "icon", "url", "Education", "2012-11-13")
    history = [Listing(100, full, 1, id=7)]
    observe(history, 200, 2, ("Duolingo", "Duolingo", None, "icon", "url", None, "2012-11-13"))
    assert history == [Listing(100, full, 1, id=7)]
    observe(history, 300, 3, ("Duolingo", "Duolingo", None, "icon", "url", "Games", "2012-11-13"))
    assert [listing.meta[5] for listing in history] == ["Education", "Games"]
    assert merged(("a", None), None) == ("a", None)


def test_observe_moves_a_listing_back_rather_than_adding_a_second_one() -> None:
    meta = ("Duolingo", None, None, None, None, None, None)
    history = [Listing(500, meta, 5, id=1)]
    observe(history, 300, 3, meta)
    assert history == [Listing(300, meta, 3, id=1, moved=True)]
    other = ("Duolingo - Language", None, None, None, None, None, None)
    observe(history, 300, 4, other)  # the same second, other values: the first stays
    observe(history, 100, 1, other)
    assert history == [Listing(100, other, 1), Listing(300, meta, 3, id=1, moved=True)]


def test_one_label_for_several_storefronts(db_url: str) -> None:
    """The US storefront's latest name, else the name most storefronts show."""
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    jp, fr = ChartKey("apple", "jp", "top-free"), ChartKey("apple", "fr", "top-free")
    _save(
        writer,
        T0,
        _snapshot(CN, (DUO, "多邻国"), ("9", "Nine")),
        _snapshot(DE, (DUO, "Duolingo DE"), ("9", "Neun")),
        _snapshot(fr, (DUO, "Duolingo DE"), ("9", "Neuf")),
        _snapshot(jp, ("9", "Neun")),
    )
    _save(writer, T0 + timedelta(hours=1), _snapshot(US, (DUO, "Duolingo")))
    with read_connection(engine) as conn:
        found = labels(conn, [DUO, "9", "404"])
    assert found == {DUO: ("Duolingo", f"dev {DUO}"), "9": ("Neun", "dev 9")}


def _at_0006(url: str) -> Engine:
    """A database at revision 0006 holding two storefronts' snapshots, as that apprank left it:
    one name per app, the last one any feed showed."""
    engine = create_engine(url)
    with engine.begin() as conn:
        command.upgrade(migrate.alembic_config(conn), "0006")
    t0 = to_epoch(T0)
    statements = [
        "INSERT INTO app (id, store, store_id, name, developer) VALUES "
        f"(1, 'apple', '{DUO}', 'Duolingo: Sprachen und Schach', 'Duolingo'), "
        "(2, 'apple', '7', 'Lonely', NULL)",
        "INSERT INTO chart (id, source, country, kind, category, device) VALUES "
        "(1, 'apple', 'cn', 'top-free', 'all', 'iphone'), "
        "(2, 'apple', 'de', 'top-free', 'all', 'iphone'), "
        "(3, 'itunes', 'de', 'top-grossing', 'all', 'iphone')",
        "INSERT INTO ranking (id, digest, size) VALUES (1, :d1, 2), (2, :d2, 1)",
        "INSERT INTO ranking_entry (ranking_id, rank, app_id) "
        "VALUES (1, 1, 1), (1, 2, 2), (2, 1, 1)",
        "INSERT INTO snapshot (id, chart_id, captured_at, depth_requested, depth_returned, "
        f"ranking_id, simulated) VALUES (1, 1, {t0}, 100, 2, 1, false), "
        f"(2, 2, {t0}, 100, 1, 2, false), (3, 2, {t0 + 3600}, 100, 1, 2, false), "
        f"(4, 3, {t0}, 100, 1, 2, false)",
    ]
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), {"d1": b"1" * 16, "d2": b"2" * 16})
        if conn.dialect.name == "postgresql":  # explicit ids leave the sequences behind
            for table in ("app", "chart", "ranking", "snapshot"):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) "
                         f"FROM {table}")
                )  # fmt: skip
    engine.dispose()
    return engine


def test_upgrade_gives_each_storefront_the_one_known_name_as_of_the_upgrade(db_url: str) -> None:
    _at_0006(db_url)
    started = int(time.time())
    engine = open_engine(db_url, check=False)
    migrate.upgrade(engine)
    finished = int(time.time())
    rows = _rows(engine)
    assert [r[:3] + r[4:] for r in rows] == [
        (DUO, "apple", "cn", "Duolingo: Sprachen und Schach", False),
        (DUO, "apple", "de", "Duolingo: Sprachen und Schach", False),
        (DUO, "itunes", "de", "Duolingo: Sprachen und Schach", False),
        ("7", "apple", "cn", "Lonely", False),
    ]
    assert all(started <= r[3] <= finished for r in rows)  # "as of the upgrade"
    with read_connection(engine) as conn:
        assert conn.execute(text("SELECT count(*) FROM snapshot")).scalar_one() == 4
        assert conn.execute(text("SELECT count(*) FROM ranking_entry")).scalar_one() == 3
    # The snapshots from before the upgrade read the one name; the next fetch corrects China.
    assert _named(engine, CN, DUO, T0) == "Duolingo: Sprachen und Schach"
    later = datetime.fromtimestamp(finished + 60, UTC)
    _save(SnapshotWriter(engine), later, _snapshot(CN, (DUO, "多邻国Duolingo英语日语法语")))
    assert _named(engine, CN, DUO, later) == "多邻国Duolingo英语日语法语"
    assert _named(engine, DE, DUO, later) == "Duolingo: Sprachen und Schach"
    assert len(_rows(engine)) == 5


def test_db_copy_carries_listings_and_merges_them_by_natural_key(
    db_url: str, tmp_path: Path
) -> None:
    source = open_engine(f"sqlite:///{tmp_path / 'source.db'}")
    writer = SnapshotWriter(source)
    _save(writer, T0, _snapshot(CN, (DUO, "多邻国")), _snapshot(US, (DUO, "Duolingo")))
    _save(writer, T0 + timedelta(hours=2), _snapshot(US, (DUO, "Duolingo - Language")))
    destination = open_engine(db_url)
    _save(SnapshotWriter(destination), T0 - timedelta(days=1), _snapshot(US, (DUO, "Duolingo")))
    first = copy_history(source, destination)
    assert {t.table: t.copied for t in first.tables}["app_listing"] == 3
    day = 86400
    assert _rows(destination) == [
        (DUO, "apple", "cn", to_epoch(T0), "多邻国", True),
        (DUO, "apple", "us", to_epoch(T0) - day, "Duolingo", True),  # the destination's own
        (DUO, "apple", "us", to_epoch(T0), "Duolingo", True),
        (DUO, "apple", "us", to_epoch(T0) + 7200, "Duolingo - Language", True),
    ]
    with read_connection(destination) as conn:
        # Each copied row points at the destination's snapshot of its chart and time.
        pointing = conn.execute(
            text(
                "SELECT count(*) FROM app_listing l JOIN snapshot s ON s.id = l.snapshot_id "
                "WHERE s.captured_at = l.valid_from"
            )
        ).scalar_one()
    assert pointing == 4
    assert _named(destination, CN, DUO, T0) == "多邻国"
    again = copy_history(source, destination)
    assert {t.table: t.copied for t in again.tables}["app_listing"] == 0


def test_db_copy_leaves_out_a_guess_where_the_destination_lists_the_app(
    db_url: str, tmp_path: Path
) -> None:
    """Rows "as of the upgrade" are the one name an old database knew: what the destination
    saw itself is better; a storefront it never saw the app in takes the guess."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _at_0006(url)
    source = open_engine(url, check=False)
    migrate.upgrade(source)
    destination = open_engine(db_url)
    later = T0 + timedelta(hours=2)
    _save(SnapshotWriter(destination), later, _snapshot(CN, (DUO, "多邻国Duolingo英语日语法语")))
    copy_history(source, destination)
    rows = [r[:3] + r[4:] for r in _rows(destination)]
    assert rows == [
        (DUO, "apple", "cn", "多邻国Duolingo英语日语法语", True),
        (DUO, "apple", "de", "Duolingo: Sprachen und Schach", False),
        (DUO, "itunes", "de", "Duolingo: Sprachen und Schach", False),
        ("7", "apple", "cn", "Lonely", False),
    ]
    # The source's older CN snapshot reads the destination's own listing.
    assert _named(destination, CN, DUO, T0) == "多邻国Duolingo英语日语法语"


def test_the_name_cache_reads_each_app_once_and_starts_again_when_it_must(db_url: str) -> None:
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    _save(writer, T0, _snapshot(CN, (DUO, "多邻国"), ("1", "WeChat")), _snapshot(DE, (DUO, "Duo")))
    _save(writer, T0 + timedelta(hours=1), _snapshot(CN, (DUO, "多邻国 2"), ("1", "WeChat")))
    with read_connection(engine) as conn:
        ids = dict(conn.execute(text("SELECT store_id, id FROM app")).all())
        cache = NameCache(limit=2)
        cn, de = ("apple", "cn"), ("apple", "de")
        names = cache.read(conn, [cn], [ids[DUO]])
        assert names.at(cn, ids[DUO], to_epoch(T0)) == ("多邻国", f"dev {DUO}")
        assert names.at(cn, ids[DUO], to_epoch(T0) + 3600) == ("多邻国 2", f"dev {DUO}")
        assert names.single(cn) == {}  # renamed: no single listing
        names = cache.read(conn, [cn], [ids["1"]])  # one more app: read, the first kept
        assert names.single(cn) == {ids["1"]: ("WeChat", "dev 1")}
        assert names.at(cn, ids[DUO], to_epoch(T0)) == ("多邻国", f"dev {DUO}")
        names = cache.read(conn, [cn, de], [ids[DUO]])  # a new storefront: read again
        assert names.at(de, ids[DUO], to_epoch(T0)) == ("Duo", f"dev {DUO}")
        assert names.at(cn, ids["1"], to_epoch(T0)) is None  # dropped with the restart
