"""Claims: each (chart, slot) goes to exactly one daemon, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from tracker.models import ChartKey, ChartRequest
from tracker.store.claims import claim, prune, share, slot_start
from tracker.store.engine import open_engine
from tracker.store.writer import SnapshotWriter

NOW = datetime(2025, 1, 27, 10, 17, 42, tzinfo=UTC)
REQUESTS = [ChartRequest(ChartKey("apple", cc, "top-free"), 100) for cc in ("us", "gb", "jp", "de")]


def test_slots_align_to_the_interval() -> None:
    assert slot_start(NOW, timedelta(hours=1)) == int(
        datetime(2025, 1, 27, 10, tzinfo=UTC).timestamp()
    )
    assert slot_start(NOW, timedelta(minutes=15)) == int(
        datetime(2025, 1, 27, 10, 15, tzinfo=UTC).timestamp()
    )


def test_the_first_claim_wins_and_the_next_slot_is_open_again(db_url: str) -> None:
    a, b = SnapshotWriter(open_engine(db_url)), SnapshotWriter(open_engine(db_url))
    slot = slot_start(NOW, timedelta(hours=1))
    assert claim(a, REQUESTS[:2], slot, "daemon-a", NOW) == REQUESTS[:2]
    assert claim(b, REQUESTS, slot, "daemon-b", NOW) == REQUESTS[2:]
    assert claim(a, REQUESTS, slot, "daemon-a", NOW) == REQUESTS[:2]  # idempotent for the owner
    assert claim(b, REQUESTS, slot + 3600, "daemon-b", NOW) == REQUESTS
    assert prune(a.engine, slot + 3600) == 4
    assert claim(a, REQUESTS, slot, "daemon-a", NOW) == REQUESTS  # forgotten, so free again


def test_racing_claimers_split_every_chart_exactly_once(db_url: str) -> None:
    requests = [
        ChartRequest(ChartKey("apple", cc, k), 100)
        for cc in ("us", "gb", "jp", "de", "fr", "kr")
        for k in ("top-free", "top-paid")
    ]
    slot = slot_start(NOW, timedelta(hours=1))
    SnapshotWriter(open_engine(db_url)).remember_charts({})
    won: dict[str, list[ChartRequest]] = {}
    barrier = threading.Barrier(3)

    def run(owner: str) -> None:
        writer = SnapshotWriter(open_engine(db_url))
        barrier.wait()
        won[owner] = claim(writer, requests, slot, owner, NOW)

    threads = [threading.Thread(target=run, args=(f"d{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    taken = [r for got in won.values() for r in got]
    assert sorted(taken, key=str) == sorted(requests, key=str)


CREW = ["host-a:101", "host-b:202", "host-c:303"]
MANY = [
    ChartRequest(ChartKey("apple", cc, kind), 100)
    for cc in ("us", "gb", "jp", "de", "fr", "kr", "br", "it")
    for kind in ("top-free", "top-paid", "top-grossing")
]


def test_the_live_daemons_share_each_slot_exactly_once_and_agree_on_the_split() -> None:
    slot = slot_start(NOW, timedelta(hours=1))
    shares = {me: share(MANY, slot, CREW, me) for me in CREW}
    mine = {me: got for me, (got, _rest) in shares.items()}
    assert sorted((r for got in mine.values() for r in got), key=str) == sorted(MANY, key=str)
    for me, (got, rest) in shares.items():
        assert sorted(got + rest, key=str) == sorted(MANY, key=str)
        assert got, f"{me} was given nothing of {len(MANY)} charts"
    # The order of the list of daemons does not matter: each daemon reads it from the database.
    assert share(MANY, slot, reversed(CREW), CREW[0]) == shares[CREW[0]]


def test_the_charts_are_dealt_afresh_each_slot() -> None:
    slot = slot_start(NOW, timedelta(hours=1))
    splits = {tuple(map(str, share(MANY, slot + 3600 * n, CREW, CREW[0])[0])) for n in range(4)}
    assert len(splits) == 4


def test_alone_a_daemon_takes_everything_even_if_it_has_not_beaten_yet() -> None:
    assert share(MANY, 0, [], "me:1") == (MANY, [])
    assert share(MANY, 0, ["me:1"], "me:1") == (MANY, [])
