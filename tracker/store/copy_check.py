"""The reads behind `apprank db copy`: per-chart rows, conflicts found before writing, and the
verification after it (counts and checksums per chart, rank rows per copied ranking).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Engine, Table, select

from tracker.errors import StoreError
from tracker.store.bulk import driver
from tracker.store.engine import read_connection
from tracker.store.migrate import target_metadata
from tracker.timeutil import from_epoch, isoformat_z, to_epoch

IN_LIST = 500
CHART_KEY = ("source", "country", "kind", "category", "device")
# Attempt columns that are ids, not content: remapped, so no part of an attempt's identity.
# payload_id too: the raw archive's bodies are not copied (docs/archive.md), so a copied attempt
# has none, and the one in the source is still the same attempt.
_ATTEMPT_IDS = ("id", "chart_id", "snapshot_id", "payload_id")


def _table(name: str) -> Table:
    return target_metadata().tables[name]


@dataclass(frozen=True, slots=True)
class Conflict:
    """A source snapshot the destination contradicts."""

    chart: str
    captured_at: datetime
    why: str

    def describe(self) -> str:
        return f"{self.chart} at {isoformat_z(self.captured_at)} ({self.why})"


@dataclass(frozen=True, slots=True)
class Verified:
    charts: int
    snapshots: int


def chart_keys(conn: Connection) -> dict[int, tuple[str, ...]]:
    charts = _table("chart")
    return {
        row[0]: tuple(row[1:])
        for row in conn.execute(select(charts.c.id, *(charts.c[k] for k in CHART_KEY)))
    }


def charts_in(conn: Connection) -> set[int]:
    charts = _table("chart")
    return set(conn.execute(select(charts.c.id)).scalars())


def snapshots_of(conn: Connection, chart_id: int) -> list[dict[str, Any]]:
    """A chart's snapshots, every column plus the ranking's digest, oldest first."""
    snapshot, ranking = _table("snapshot"), _table("ranking")
    rows = conn.execute(
        select(snapshot, ranking.c.digest)
        .join(ranking, ranking.c.id == snapshot.c.ranking_id)
        .where(snapshot.c.chart_id == chart_id)
        .order_by(snapshot.c.captured_at, snapshot.c.id)
    )
    return [dict(r._mapping) for r in rows]


def attempts_of(conn: Connection, chart_id: int) -> list[dict[str, Any]]:
    """A chart's fetch attempts, every column plus their snapshot's time (`snapshot_at`)."""
    attempt, snapshot = _table("fetch_attempt"), _table("snapshot")
    rows = conn.execute(
        select(attempt, snapshot.c.captured_at.label("snapshot_at"))
        .outerjoin(snapshot, snapshot.c.id == attempt.c.snapshot_id)
        .where(attempt.c.chart_id == chart_id)
        .order_by(attempt.c.started_at, attempt.c.id)
    )
    return [dict(r._mapping) for r in rows]


def attempt_key(attempt: dict[str, Any]) -> tuple[Any, ...]:
    """What identifies an attempt across databases: its content and its snapshot's time."""
    return tuple(v for k, v in attempt.items() if k not in _ATTEMPT_IDS)


def _pairs(engine: Engine) -> Iterator[tuple[tuple[str, ...], int]]:
    with read_connection(engine) as conn:
        yield from ((key, chart_id) for chart_id, key in chart_keys(conn).items())


def _chart_rows(conn: Connection, chart_id: int) -> list[tuple[int, int | None, bytes]]:
    """(captured_at epoch, slot, ranking digest) of a chart's snapshots."""
    snapshot, ranking = _table("snapshot"), _table("ranking")
    rows = conn.execute(
        select(snapshot.c.captured_at, snapshot.c.slot, ranking.c.digest)
        .join(ranking, ranking.c.id == snapshot.c.ranking_id)
        .where(snapshot.c.chart_id == chart_id)
    )
    return [(to_epoch(at), slot, bytes(digest)) for at, slot, digest in rows]


def find_conflicts(source: Engine, destination: Engine) -> list[Conflict]:
    """Source snapshots the destination holds otherwise: same chart and time but other ranks,
    or the same daemon slot at another time (its unique key would refuse the insert)."""
    theirs = dict(_pairs(destination))
    found: list[Conflict] = []
    for key, source_chart in _pairs(source):
        target = theirs.get(key)
        if target is None:
            continue
        with read_connection(source) as conn:
            mine = _chart_rows(conn, source_chart)
        with read_connection(destination) as conn:
            held = _chart_rows(conn, target)
        at_time: dict[int, set[bytes]] = {}
        at_slot: dict[int, int] = {}
        for at, slot, digest in held:
            at_time.setdefault(at, set()).add(digest)
            if slot is not None:
                at_slot[slot] = at
        name = "/".join(key)
        for at, slot, digest in mine:
            when = from_epoch(at)
            if at in at_time and digest not in at_time[at]:
                found.append(Conflict(name, when, "the destination's snapshot has other ranks"))
            elif slot is not None and at_slot.get(slot, at) != at:
                other = isoformat_z(from_epoch(at_slot[slot]))
                found.append(Conflict(name, when, f"its daemon slot is taken by one at {other}"))
    return found


def _checksum(rows: Iterable[tuple[int, bytes]]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for at, ranking in rows:
        digest.update(at.to_bytes(8, "big", signed=True) + ranking)
    return digest.hexdigest()


def verify_charts(source: Engine, destination: Engine, charts: dict[int, int]) -> Verified:
    """Each source chart's snapshots in the destination: the same count and a checksum over
    (captured_at, ranking digest); each of its attempts present. Raises StoreError if not."""
    checked = snapshots = 0
    names = dict(_pairs(source))
    for key, source_chart in names.items():
        target = charts[source_chart]
        with read_connection(source) as conn:
            mine = sorted((at, d) for at, _, d in _chart_rows(conn, source_chart))
            tries = Counter(map(attempt_key, attempts_of(conn, source_chart)))
        with read_connection(destination) as conn:
            times = {at for at, _ in mine}
            held = sorted((at, d) for at, _, d in _chart_rows(conn, target) if at in times)
            their_tries = Counter(map(attempt_key, attempts_of(conn, target)))
        name = "/".join(key)
        if len(held) != len(mine) or _checksum(held) != _checksum(mine):
            raise StoreError(
                f"copy verification failed for chart {name}: {len(mine)} snapshots in the "
                f"source (checksum {_checksum(mine)[:12]}), {len(held)} at those times in the "
                f"destination (checksum {_checksum(held)[:12]})"
            )
        short = sum((tries - their_tries).values())
        if short:
            raise StoreError(
                f"copy verification failed for chart {name}: {short} fetch attempt(s) of the "
                "source are not in the destination"
            )
        checked += 1
        snapshots += len(mine)
    return Verified(checked, snapshots)


def raw_rows(conn: Connection, sql: str) -> list[tuple[Any, ...]]:
    """Rows through the raw driver, as its plain tuples: the rank rows are most of a copy, and
    SQLAlchemy's per-row processing would cost more than reading them."""
    cursor = driver(conn).cursor()
    try:
        cursor.execute(sql)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows
    finally:
        cursor.close()


def ints(values: Iterable[int]) -> str:
    """An SQL list of integers (ids this code read itself, so inlining them is safe)."""
    return ", ".join(str(int(v)) for v in values)


def _entries(conn: Connection, ranking_ids: Sequence[int]) -> dict[int, list[tuple[Any, ...]]]:
    """(rank, app store, app store id) of each ranking, in rank order."""
    out: dict[int, list[tuple[Any, ...]]] = {i: [] for i in ranking_ids}
    rows = raw_rows(
        conn,
        "SELECT e.ranking_id, e.rank, a.store, a.store_id FROM ranking_entry e "
        f"JOIN app a ON a.id = e.app_id WHERE e.ranking_id IN ({ints(ranking_ids)}) "
        "ORDER BY e.ranking_id, e.rank",
    )
    for ranking_id, group in groupby(rows, itemgetter(0)):
        out[ranking_id] = [row[1:] for row in group]
    return out


def check_entries(source: Engine, destination: Engine, pairs: Sequence[tuple[int, int]]) -> int:
    """The rankings this copy made have the source's rank rows: same ranks, same apps (by store
    id, so a wrong id mapping shows). Returns how many were checked; raises StoreError if not."""
    for start in range(0, len(pairs), IN_LIST):
        chunk = pairs[start : start + IN_LIST]
        with read_connection(source) as conn:
            mine = _entries(conn, [s for s, _ in chunk])
        with read_connection(destination) as conn:
            held = _entries(conn, [d for _, d in chunk])
        for source_id, target_id in chunk:
            if mine[source_id] != held[target_id]:
                raise StoreError(
                    f"copy verification failed: ranking {target_id} in the destination has "
                    f"{len(held[target_id])} rank rows unlike the source's ranking {source_id} "
                    f"({len(mine[source_id])})"
                )
    return len(pairs)
