"""Copy a whole history from one database into another (e.g. SQLite to PostgreSQL), merging.

Rows are matched by natural keys, never by id: apps by (store, store id), charts by their key,
rankings by digest, snapshots by (chart, captured_at), fetch attempts by their content (and
their snapshot's time), alert events by event id, deliveries with their event. Source ids are
remapped to the destination's, so a destination holding data of its own keeps all of it and
gains what it lacks, and copying again adds exactly what is new. Every column of a copied
table is carried (the table definitions say which), except the ids being remapped.

Not copied: `chart_claim` (guards the present slot of daemons on the source; snapshots carry
their slot anyway), `daemon_heartbeat` and `daemon_cycle` (the liveness and log of the source's
daemons: copied, `apprank status` on the destination would report someone else's daemon).

Before writing anything the copy looks for conflicts (a destination snapshot of the same chart
at the same time with other ranks, or in the same daemon slot at another time) and refuses the
whole copy if it finds one. Then apps and charts are copied, then snapshots in batches of one
transaction each: a batch holds its snapshots' new rankings with every rank row, the snapshots
and their fetch attempts. A failure midway therefore leaves a consistent prefix: whole
snapshots only, each chart's in time order; running the copy again completes it. At the end
every source chart is verified in the destination by snapshot count and a checksum over
(captured_at, ranking digest), every ranking copied now by its rank rows, and every attempt
and alert event by presence; a mismatch is a StoreError.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, select

from tracker.errors import StoreError
from tracker.store.bulk import bulk_entries, insert_ids, insert_rows
from tracker.store.copy_check import (
    Conflict,
    Verified,
    attempt_key,
    attempts_of,
    charts_in,
    check_entries,
    find_conflicts,
    ints,
    raw_rows,
    snapshots_of,
    verify_charts,
)
from tracker.store.engine import read_connection, write_transaction
from tracker.store.migrate import target_metadata

# Parents before children; the order of the report.
TABLES = (
    "app",
    "chart",
    "ranking",
    "ranking_entry",
    "snapshot",
    "fetch_attempt",
    "alert_event",
    "alert_delivery",
)
NOT_COPIED = ("chart_claim", "daemon_heartbeat", "daemon_cycle")
BATCH = 500  # snapshots per transaction (with their rankings' rank rows: ~50,000 rows)
APP_BATCH = 5000
IN_LIST = 500  # values per IN (...): under SQLite's old limit of 999 parameters
NATURAL_KEYS = {
    "app": ("store", "store_id"),
    "chart": ("source", "country", "kind", "category", "device"),
}

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class TableCopy:
    table: str
    source_rows: int
    copied: int
    destination_rows: int


@dataclass(frozen=True, slots=True)
class CopyReport:
    tables: list[TableCopy]
    verified: Verified  # source charts and snapshots found whole in the destination
    rankings_checked: int  # rankings copied now whose rank rows were compared


@dataclass(slots=True)
class _Run:
    """What one copy learnt and wrote: id maps source -> destination, and counts."""

    source: Engine
    destination: Engine
    batch: int
    progress: Progress | None
    apps: dict[int, int] = field(default_factory=dict)
    charts: dict[int, int] = field(default_factory=dict)
    new_rankings: list[tuple[int, int]] = field(default_factory=list)  # (source id, dest id)
    copied: Counter[str] = field(default_factory=Counter)
    snapshots: list[dict[str, Any]] = field(default_factory=list)  # pending, with attempts
    attempts: list[dict[str, Any]] = field(default_factory=list)  # pending, on their own
    done: int = 0
    total: int = 0


def _table(name: str) -> Table:
    return target_metadata().tables[name]


def _count(engine: Engine, name: str) -> int:
    with read_connection(engine) as conn:
        return conn.execute(select(func.count()).select_from(_table(name))).scalar_one()


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def copy_history(
    source: Engine, destination: Engine, *, progress: Progress | None = None, batch: int = BATCH
) -> CopyReport:
    """Merge the source's history into the destination; returns counts and what was verified.

    Raises StoreError on a conflict (before writing anything) or when the verification at the
    end finds the destination short of anything the source holds.
    """
    before = {name: _count(source, name) for name in TABLES}
    conflicts = find_conflicts(source, destination)
    if conflicts:
        raise StoreError(_refusal(conflicts))
    run = _Run(source, destination, max(1, batch), progress, total=before["snapshot"])
    run.apps = _copy_keyed(run, "app")
    run.charts = _copy_keyed(run, "chart")
    _copy_snapshots(run)
    _copy_alerts(run)
    verified = verify_charts(source, destination, run.charts)
    checked = check_entries(source, destination, run.new_rankings)
    tables = [
        TableCopy(name, before[name], run.copied[name], _count(destination, name))
        for name in TABLES
    ]
    return CopyReport(tables, verified, checked)


def _refusal(conflicts: list[Conflict]) -> str:
    shown = "; ".join(c.describe() for c in conflicts[:3])
    more = f" (and {len(conflicts) - 3} more)" if len(conflicts) > 3 else ""
    return (
        f"copy refused, nothing was copied: the destination holds {len(conflicts)} "
        f"conflicting snapshot(s): {shown}{more}"
    )


def _copy_keyed(run: _Run, name: str) -> dict[int, int]:
    """Copy the rows of a table with a natural key that the destination lacks; map the ids."""
    table, key = _table(name), NATURAL_KEYS[name]
    with read_connection(run.source) as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c.id))]
    with read_connection(run.destination) as conn:
        have = {
            tuple(r[:-1]): r[-1]
            for r in conn.execute(select(*(table.c[k] for k in key), table.c.id))
        }
    ids: dict[int, int] = {}
    missing = []
    for row in rows:
        found = have.get(tuple(row[k] for k in key))
        if found is None:
            missing.append(row)
        else:  # the destination's own metadata is kept
            ids[row["id"]] = found
    for chunk in _chunks(missing, APP_BATCH):
        with write_transaction(run.destination) as conn:
            made = insert_ids(conn, table, [_without(r, "id") for r in chunk])
        ids.update(zip((r["id"] for r in chunk), made, strict=True))
        run.copied[name] += len(chunk)
        if run.progress:
            run.progress(name, run.copied[name], len(missing))
    return ids


def _without(row: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in names}


def _copy_snapshots(run: _Run) -> None:
    """Per source chart: the snapshots and attempts the destination lacks, in batches."""
    charts = _table("chart")
    with read_connection(run.source) as conn:
        source_charts = list(conn.execute(select(charts.c.id).order_by(charts.c.id)).scalars())
    with read_connection(run.destination) as conn:
        existing = charts_in(conn)
    for source_chart in source_charts:
        target = run.charts[source_chart]
        with read_connection(run.source) as conn:
            snaps = snapshots_of(conn, source_chart)
            tries = attempts_of(conn, source_chart)
        if target in existing:
            with read_connection(run.destination) as conn:
                theirs, their_tries = snapshots_of(conn, target), attempts_of(conn, target)
        else:
            theirs, their_tries = [], []
        _plan_chart(run, target, snaps, tries, theirs, their_tries)
    _flush(run)


def _plan_chart(
    run: _Run,
    target: int,
    snaps: list[dict[str, Any]],
    tries: list[dict[str, Any]],
    theirs: list[dict[str, Any]],
    their_tries: list[dict[str, Any]],
) -> None:
    """Queue one chart's missing snapshots (each with its attempts) and lone attempts."""
    held = Counter(s["captured_at"] for s in theirs)
    their_ids = {s["captured_at"]: s["id"] for s in theirs}
    new: dict[Any, dict[str, Any]] = {}
    for snap in snaps:
        if held[snap["captured_at"]] > 0:
            held[snap["captured_at"]] -= 1
            run.done += 1
            continue
        row = {**snap, "chart_id": target, "attempts": []}
        new.setdefault(snap["captured_at"], row)
        run.snapshots.append(row)
    their_keys = Counter(map(attempt_key, their_tries))
    for attempt in tries:
        key = attempt_key(attempt)
        if their_keys[key] > 0:
            their_keys[key] -= 1
            continue
        at = attempt.pop("snapshot_at")
        row = {**attempt, "chart_id": target}
        if at is not None and at in new:
            new[at]["attempts"].append(row)
        else:
            row["snapshot_id"] = None if at is None else their_ids.get(at)
            run.attempts.append(row)
    if len(run.snapshots) >= run.batch or len(run.attempts) >= run.batch * 10:
        _flush(run)


def _flush(run: _Run) -> None:
    """Write the queued snapshots and attempts in transactions of `batch` snapshots."""
    while run.snapshots or run.attempts:
        snaps, run.snapshots = run.snapshots[: run.batch], run.snapshots[run.batch :]
        lone = [] if run.snapshots else run.attempts
        with write_transaction(run.destination) as conn:
            attempts = _write_snapshots(run, conn, snaps) + lone
            if attempts:
                insert_rows(conn, _table("fetch_attempt"), [_without(a, "id") for a in attempts])
        if lone:
            run.attempts = []
        run.copied["snapshot"] += len(snaps)
        run.copied["fetch_attempt"] += len(attempts)
        run.done += len(snaps)
        if run.progress and snaps:
            run.progress("snapshot", run.done, run.total)


def _write_snapshots(
    run: _Run, conn: Connection, snaps: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Insert the snapshots (and rankings they need); returns their attempts, ids set."""
    if not snaps:
        return []
    ranking_ids = _rankings(run, conn, {s["digest"]: s["ranking_id"] for s in snaps})
    rows = [
        {**_without(s, "id", "digest", "attempts"), "ranking_id": ranking_ids[s["digest"]]}
        for s in snaps
    ]
    made = insert_ids(conn, _table("snapshot"), rows)
    attempts = []
    for snap, snapshot_id in zip(snaps, made, strict=True):
        for attempt in snap["attempts"]:
            attempts.append({**attempt, "snapshot_id": snapshot_id})
    return attempts


def _rankings(run: _Run, conn: Connection, wanted: dict[bytes, int]) -> dict[bytes, int]:
    """Destination ranking ids by digest, copying (with rank rows) those it lacks."""
    ranking, entry = _table("ranking"), _table("ranking_entry")
    found: dict[bytes, int] = {}
    for chunk in _chunks(list(wanted), IN_LIST):
        found.update(
            (bytes(digest), ranking_id)
            for digest, ranking_id in conn.execute(
                select(ranking.c.digest, ranking.c.id).where(ranking.c.digest.in_(chunk))
            )
        )
    missing = [wanted[d] for d in wanted if d not in found]  # source ranking ids
    if not missing:
        return found
    rows: list[dict[str, Any]] = []
    entries: list[tuple[int, ...]] = []
    with read_connection(run.source) as source:
        for chunk in _chunks(missing, IN_LIST):
            rows.extend(
                dict(r._mapping)
                for r in source.execute(
                    select(ranking).where(ranking.c.id.in_(chunk)).order_by(ranking.c.id)
                )
            )
            columns = ", ".join(c.name for c in entry.c)
            entries.extend(
                raw_rows(
                    source,
                    f"SELECT {columns} FROM {entry.name} WHERE ranking_id IN ({ints(chunk)}) "
                    "ORDER BY ranking_id, rank",
                )
            )
    made = insert_ids(conn, ranking, [_without(r, "id") for r in rows])
    ids = dict(zip((r["id"] for r in rows), made, strict=True))
    run.new_rankings.extend(ids.items())
    found.update((r["digest"], ids[r["id"]]) for r in rows)
    _insert_entries(conn, entry, entries, ids, run.apps)
    run.copied["ranking"] += len(rows)
    run.copied["ranking_entry"] += len(entries)
    return found


def _insert_entries(
    conn: Connection,
    entry: Table,
    entries: list[tuple[int, ...]],
    rankings: dict[int, int],
    apps: dict[int, int],
) -> None:
    names = [c.name for c in entry.c]
    r, a = names.index("ranking_id"), names.index("app_id")
    remapped = [
        tuple(rankings[v] if i == r else apps[v] if i == a else v for i, v in enumerate(row))
        for row in entries
    ]
    if names == ["ranking_id", "rank", "app_id"]:  # the drivers' bulk path (COPY on PostgreSQL)
        bulk_entries(conn, entry, remapped)  # type: ignore[arg-type]
    else:
        insert_rows(conn, entry, [dict(zip(names, row, strict=True)) for row in remapped])


def _copy_alerts(run: _Run) -> None:
    """Alert events the destination lacks (by event id), each with its deliveries.

    An event names its snapshot by id; the copy points it at the destination's snapshot of
    the same chart and time.
    """
    event, delivery = _table("alert_event"), _table("alert_delivery")
    with read_connection(run.source) as conn:
        events = [dict(r._mapping) for r in conn.execute(select(event).order_by(event.c.id))]
    with read_connection(run.destination) as conn:
        have = set(conn.execute(select(event.c.event_id)).scalars())
    missing = [e for e in events if e["event_id"] not in have]
    for chunk in _chunks(missing, run.batch):
        ids = [e["id"] for e in chunk]
        with read_connection(run.source) as conn:
            sends = [
                dict(r._mapping)
                for r in conn.execute(select(delivery).where(delivery.c.alert_id.in_(ids)))
            ]
        with write_transaction(run.destination) as conn:
            rows = [
                {**_without(e, "id"), "snapshot_id": _snapshot_of_event(conn, e)} for e in chunk
            ]
            made = dict(zip(ids, insert_ids(conn, event, rows), strict=True))
            if sends:
                insert_rows(conn, delivery, [{**d, "alert_id": made[d["alert_id"]]} for d in sends])
        run.copied["alert_event"] += len(chunk)
        run.copied["alert_delivery"] += len(sends)
    with read_connection(run.destination) as conn:
        have = set(conn.execute(select(event.c.event_id)).scalars())
    lost = [e["event_id"] for e in events if e["event_id"] not in have]
    if lost:
        raise StoreError(f"copy incomplete: {len(lost)} alert event(s) missing, e.g. {lost[0]}")


def _snapshot_of_event(conn: Connection, event: dict[str, Any]) -> int:
    charts, snapshot = _table("chart"), _table("snapshot")
    key = (event["source"], event["country"], event["chart"], event["category"], event["device"])
    found = conn.execute(
        select(snapshot.c.id)
        .join(charts, charts.c.id == snapshot.c.chart_id)
        .where(
            (charts.c.source == key[0])
            & (charts.c.country == key[1])
            & (charts.c.kind == key[2])
            & (charts.c.category == key[3])
            & (charts.c.device == key[4])
            & (snapshot.c.captured_at == event["captured_at"])
        )
        .order_by(snapshot.c.id)
        .limit(1)
    ).scalar()
    if found is None:
        raise StoreError(
            f"alert event {event['event_id']}: no snapshot of {'/'.join(key)} at "
            f"{event['captured_at'].isoformat()} in the destination"
        )
    return int(found)
