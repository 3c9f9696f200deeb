"""The raw archive in the store: bodies kept byte for byte, once each, compressed against the
chart's previous body with a capped chain, refused bodies with their attempts, and retention
that never leaves a kept body undecodable; on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text

from tests.conftest import real_fixture
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.store import frames
from tracker.store.archive import MAX_CHAIN, body_of, payload_digests, read_body, snapshot_at
from tracker.store.archive_prune import prune_archive
from tracker.store.copy import copy_history
from tracker.store.engine import open_engine
from tracker.store.writer import Attempt, SnapshotWriter

T0 = datetime(2025, 1, 27, tzinfo=UTC)
US = ChartKey("apple", "us", "top-free")
GB = ChartKey("apple", "gb", "top-free")
BASE = real_fixture("v2-us-top-free-100-2026-08-03.json")


def _body(hour: int, key: ChartKey = US) -> bytes:
    """An hourly body as a feed serves them: the same chart, a new `updated` and a rank or two
    moved."""
    updated = (T0 + timedelta(hours=hour)).isoformat().encode()
    moved = BASE.replace(b'"name": "', b'"name": "%d ' % hour, 1 + hour % 3)
    moved = moved.replace(b'"country": "us"', b'"country": "%s"' % key.country.encode())
    return moved.replace(b'"updated": "', b'"updated": "' + updated + b" ", 1)


def _save(writer: SnapshotWriter, key: ChartKey, hour: int, body: bytes | None) -> int:
    at = T0 + timedelta(hours=hour)
    entries = (ChartEntry(1, str(1000 + hour % 5), f"App {hour}", "Dev"),)
    snapshot = ChartSnapshot(ChartRequest(key, 100), entries, None)
    return writer.save(snapshot, at, Attempt(at, 5, "ok", 200, body=body)).snapshot_id


def _rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def _served(engine: Engine, snapshot_id: int) -> bytes:
    (payload_id,) = _rows(engine, f"SELECT payload_id FROM snapshot WHERE id = {snapshot_id}")[0]
    assert isinstance(payload_id, int)
    return body_of(engine, payload_id)


def test_a_body_comes_back_byte_for_byte_and_an_identical_one_is_stored_once(db_url: str) -> None:
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    first = _save(writer, US, 0, BASE)
    again = _save(writer, US, 1, BASE)  # served unchanged an hour later
    other = _save(writer, GB, 1, BASE)  # the same bytes from another chart
    assert _rows(engine, "SELECT count(*) FROM payload") == [(1,)]
    assert _served(engine, first) == _served(engine, again) == _served(engine, other) == BASE
    (size, codec, chain) = _rows(engine, "SELECT size, codec, chain FROM payload")[0]
    assert (size, codec, chain) == (len(BASE), "zstd", 0)
    with engine.connect() as conn:
        digests = payload_digests(conn, [first, again, other])
    assert digests == dict.fromkeys([first, again, other], hashlib.sha256(BASE).digest())


def test_each_body_is_compressed_against_the_last_and_the_chain_is_capped(db_url: str) -> None:
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    hours = 2 * (MAX_CHAIN + 1) + 3
    ids = [_save(writer, US, h, _body(h)) for h in range(hours)]
    rows = _rows(engine, "SELECT id, codec, base_id, chain, length(data) FROM payload ORDER BY id")
    chains = [row[3] for row in rows]
    # A plain frame, then MAX_CHAIN bodies each against the one before, and again.
    assert chains == [h % (MAX_CHAIN + 1) for h in range(hours)]
    for row, previous in zip(rows[1:], rows, strict=False):
        _, codec, base_id, chain, _ = row
        assert codec == ("zstd" if chain == 0 else "zstd-dict")
        assert base_id == (None if chain == 0 else previous[0])
    assert rows[0][1:4] == ("zstd", None, 0)
    plain = [row[4] for row in rows if row[3] == 0]
    against = [row[4] for row in rows if row[3] != 0]
    assert max(against) * 5 < min(plain)  # near-identical bodies cost a fraction of a frame
    assert [_served(engine, i) for i in ids] == [_body(h) for h in range(hours)]


def test_a_new_writer_goes_on_from_the_stored_chain(db_url: str) -> None:
    engine = open_engine(db_url)
    _save(SnapshotWriter(engine), US, 0, _body(0))
    _save(SnapshotWriter(engine), US, 1, _body(1))  # remembers nothing: reads its base
    later = SnapshotWriter(engine)
    ids = [_save(later, US, h, _body(h)) for h in (2, 3)]
    assert _rows(engine, "SELECT chain, base_id FROM payload ORDER BY id") == [
        (0, None),
        (1, 1),
        (2, 2),
        (3, 3),
    ]
    assert [_served(engine, i) for i in ids] == [_body(2), _body(3)]


def test_one_batch_with_a_chart_twice_chains_within_the_batch(db_url: str) -> None:
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    items = []
    for hour in (0, 1, 1):
        at = T0 + timedelta(hours=hour)
        snap = ChartSnapshot(ChartRequest(US, 100), (ChartEntry(1, "1", "A", "D"),), None)
        items.append((snap, at, Attempt(at, 5, "ok", 200, body=_body(hour))))
    saved = writer.save_many(items, slots=[0, 3600, None])
    assert _rows(engine, "SELECT chain, base_id FROM payload ORDER BY id") == [(0, None), (1, 1)]
    assert [_served(engine, s.snapshot_id) for s in saved] == [_body(0), _body(1), _body(1)]


def test_bodies_begun_as_they_arrive_are_stored_as_those_begun_in_the_write(
    db_url: str, tmp_path: Path
) -> None:
    begun = open_engine(db_url)
    plain = open_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    early, late = SnapshotWriter(begun), SnapshotWriter(plain)
    for hour in range(5):
        early.begin(US, _body(hour))  # as a fetch hands it over on arrival
        _save(early, US, hour, _body(hour))
        _save(late, US, hour, _body(hour))
    columns = "SELECT id, sha256, size, codec, base_id, chain, data FROM payload ORDER BY id"
    assert _rows(begun, columns) == _rows(plain, columns)
    assert [row[5] for row in _rows(begun, columns)] == [0, 1, 2, 3, 4]


def test_a_body_begun_but_not_the_one_saved_is_never_stored(db_url: str) -> None:
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    _save(writer, US, 0, _body(0))
    writer.begin(US, _body(7))  # a fetch that never got saved, say
    saved = _save(writer, US, 1, _body(1))
    assert _served(engine, saved) == _body(1)
    digests = {bytes(row[0]) for row in _rows(engine, "SELECT sha256 FROM payload")}
    assert digests == {hashlib.sha256(_body(h)).digest() for h in (0, 1)}


def test_a_body_begun_against_a_base_another_writer_has_passed_is_made_again(
    db_url: str,
) -> None:
    engine = open_engine(db_url)
    ours, theirs = SnapshotWriter(engine), SnapshotWriter(engine)
    _save(ours, US, 0, _body(0))
    ours.begin(US, _body(2))  # compressed against body 0, which it remembers
    _save(theirs, US, 1, _body(1))  # another daemon stores the chart's next body meanwhile
    saved = _save(ours, US, 2, _body(2))
    assert _rows(engine, "SELECT id, chain, base_id FROM payload ORDER BY id") == [
        (1, 0, None),
        (2, 1, 1),
        (3, 2, 2),  # against body 1, the chart's latest when it was written
    ]
    assert _served(engine, saved) == _body(2)


def test_a_refused_body_is_archived_with_its_failed_attempt(db_url: str) -> None:
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    _save(writer, US, 0, _body(0))
    refused = b'{"feed": {"results": "not a list"}}'
    failed = Attempt(T0 + timedelta(hours=1), 4, "format", 200, "bad feed", "u", body=refused)
    writer.record_failure(US, failed)
    writer.record_failure(US, Attempt(T0 + timedelta(hours=2), 4, "timeout", None, "slow", "u"))
    rows = _rows(engine, "SELECT outcome, payload_id FROM fetch_attempt ORDER BY id")
    assert [row[0] for row in rows] == ["ok", "format", "timeout"]
    assert rows[2][1] is None
    payload_id = rows[1][1]
    assert isinstance(payload_id, int)
    assert body_of(engine, payload_id) == refused
    assert _served(engine, _save(writer, US, 3, _body(3))) == _body(3)  # chained on it


def test_the_latest_snapshot_at_or_before_a_time(db_url: str) -> None:
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    ids = [_save(writer, US, h, _body(h)) for h in range(3)]
    assert snapshot_at(engine, GB) is None
    latest = snapshot_at(engine, US)
    assert latest is not None and latest.snapshot_id == ids[2]
    earlier = snapshot_at(engine, US, T0 + timedelta(hours=1, minutes=30))
    assert earlier is not None and earlier.captured_at == T0 + timedelta(hours=1)
    assert snapshot_at(engine, US, T0 - timedelta(seconds=1)) is None


def test_retention_keeps_every_kept_body_decodable(db_url: str) -> None:
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    hours = 48
    writer.record_failure(US, Attempt(T0, 1, "empty", 200, "e", body=b"{}"))
    ids = {(k, h): _save(writer, k, h, _body(h, k)) for h in range(hours) for k in (US, GB)}
    # Hour 5's body served again at hour 40: its payload stays, though stored long before.
    again = _save(writer, US, 40, _body(5))
    cutoff = T0 + timedelta(hours=30)
    removed = prune_archive(engine, cutoff, page=7)  # pages cut through the chains
    # Each chart's bodies of hours 0..29 but hour 5 (US), and the refused body.
    assert removed == 30 + 29 + 1
    for (key, hour), snapshot_id in ids.items():
        kept = _rows(engine, f"SELECT payload_id FROM snapshot WHERE id = {snapshot_id}")[0][0]
        if hour < 30:
            assert kept is None, (key, hour)
        else:
            assert _served(engine, snapshot_id) == _body(hour, key)
    assert _served(engine, again) == _body(5)
    assert _rows(engine, "SELECT count(*) FROM fetch_attempt WHERE payload_id IS NOT NULL") == [
        (2 * (hours - 30) + 1,)  # the ok attempts since the cutoff, and hour 40's again
    ]
    # Chains were re-rooted where their bases went, and their counts follow.
    rows = _rows(engine, "SELECT id, codec, base_id, chain FROM payload ORDER BY id")
    by_id = {row[0]: row for row in rows}
    for _, codec, base_id, chain in rows:
        assert (codec == "zstd") == (base_id is None) == (chain == 0)
        if base_id is not None:
            assert chain == by_id[base_id][3] + 1
    # New bodies still chain on what is left, and a second prune finds nothing to do.
    assert _served(engine, _save(writer, US, hours, _body(hours))) == _body(hours)
    assert prune_archive(engine, cutoff) == 0
    with engine.connect() as conn:
        cache: dict[int, bytes] = {}
        for row in rows:
            read_body(conn, int(row[0]), cache)  # every kept body decodes, checked by digest


def test_nothing_is_archived_without_a_body(db_url: str) -> None:
    engine = open_engine(db_url)
    snapshot_id = _save(SnapshotWriter(engine), US, 0, None)
    assert _rows(engine, "SELECT count(*) FROM payload") == [(0,)]
    found = snapshot_at(engine, US)
    assert found is not None and (found.snapshot_id, found.payload_id) == (snapshot_id, None)


def test_a_damaged_body_is_an_error_not_wrong_bytes(db_url: str) -> None:
    engine = open_engine(db_url)
    snapshot_id = _save(SnapshotWriter(engine), US, 0, BASE)
    other = frames.compress(BASE.replace(b"Duolingo", b"Duolinga"))
    with engine.begin() as conn:
        conn.execute(text("UPDATE payload SET data = :d"), {"d": other})
    try:
        _served(engine, snapshot_id)
    except Exception as exc:
        assert str(exc) == "the archived body 1 does not match its digest"
    else:
        raise AssertionError("a damaged body was read as good")


def test_the_newest_body_outlives_its_snapshots(db_url: str) -> None:
    engine = open_engine(db_url)
    writer = SnapshotWriter(engine)
    for hour in range(3):
        _save(writer, US, hour, _body(hour))
    # SQLite would number the next row as the deleted newest one: a writer remembering it
    # must never meet another body under its id.
    assert prune_archive(engine, T0 + timedelta(days=1)) == 2
    assert _rows(engine, "SELECT id, codec, chain FROM payload") == [(3, "zstd", 0)]
    assert _rows(engine, "SELECT count(*) FROM snapshot WHERE payload_id IS NULL") == [(3,)]
    assert _served(engine, _save(writer, US, 30, _body(30))) == _body(30)


def test_a_copy_carries_the_history_without_the_archive(tmp_path: Path, db_url: str) -> None:
    source = open_engine(f"sqlite:///{tmp_path / 'source.db'}")
    writer = SnapshotWriter(source)
    for hour in range(3):
        _save(writer, US, hour, _body(hour))
    writer.record_failure(US, Attempt(T0, 1, "format", 200, "bad", "u", body=b"{}"))
    destination = open_engine(db_url)
    copy_history(source, destination, batch=2)
    copy_history(source, destination, batch=2)  # again: nothing is copied twice
    assert _rows(destination, "SELECT count(*), count(payload_id) FROM snapshot") == [(3, 0)]
    assert _rows(destination, "SELECT count(*), count(payload_id) FROM fetch_attempt") == [(4, 0)]
    assert _rows(destination, "SELECT count(*) FROM payload") == [(0,)]


def test_the_first_compressions_on_several_threads_at_once_all_succeed() -> None:
    # The writer compresses on two threads; zstandard is imported at first use, which must be
    # thread-safe (Python 3.11's importlib LazyLoader is not: CPython gh-114763). A fresh
    # interpreter, so that the first import happens under the race.
    import subprocess
    import sys

    code = (
        "import sys, threading\n"
        "from tracker.store import frames\n"
        "assert 'zstandard' not in sys.modules\n"
        "errors = []\n"
        "barrier = threading.Barrier(8)\n"
        "def work():\n"
        "    barrier.wait()\n"
        "    try:\n"
        "        frame = frames.compress(b'x' * 1000, b'y' * 100)\n"
        "        assert frames.decompress(frame, b'y' * 100) == b'x' * 1000\n"
        "    except Exception as exc:\n"
        "        errors.append(repr(exc))\n"
        "threads = [threading.Thread(target=work) for _ in range(8)]\n"
        "[t.start() for t in threads]\n"
        "[t.join() for t in threads]\n"
        "print(errors)\n"
    )
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert (done.returncode, done.stdout, done.stderr) == (0, "[]\n", "")
