"""Copy a whole history from one database into another (e.g. SQLite to PostgreSQL), merging.

Rows are matched by natural keys, never by id: apps by (store, store id), charts by their key,
rankings by digest, snapshots by (chart, captured_at), fetch attempts by their content (and
their snapshot's time), app listings by (app, storefront, valid_from), alert events by event id,
deliveries with their event. Source ids are remapped to the destination's, so a destination
holding data of its own keeps all of it and gains what it lacks, and copying again adds exactly
what is new. Every column of a copied table is carried (the table definitions say which),
except the ids being remapped.

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

This module runs the copy (apps, charts and alert events itself); the snapshots are copied by
copy_snapshots.py, the app listings by copy_listings.py, the conflicts and verification are in
copy_check.py, and the state the steps share is copy_run.py's CopyRun.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from tracker.errors import StoreError
from tracker.store.bulk import insert_ids, insert_rows
from tracker.store.copy_check import (
    Conflict,
    Verified,
    check_entries,
    find_conflicts,
    verify_charts,
)
from tracker.store.copy_listings import copy_listings
from tracker.store.copy_run import BATCH, CopyRun, Progress, chunks, named_table, without
from tracker.store.copy_snapshots import copy_snapshots
from tracker.store.engine import read_connection, write_transaction

# Parents before children; the order of the report.
TABLES = (
    "app",
    "chart",
    "ranking",
    "ranking_entry",
    "snapshot",
    "fetch_attempt",
    "app_listing",
    "alert_event",
    "alert_delivery",
)
NOT_COPIED = ("chart_claim", "daemon_heartbeat", "daemon_cycle")
APP_BATCH = 5000
NATURAL_KEYS = {
    "app": ("store", "store_id"),
    "chart": ("source", "country", "kind", "category", "device"),
}


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


def _count(engine: Engine, name: str) -> int:
    with read_connection(engine) as conn:
        return conn.execute(select(func.count()).select_from(named_table(name))).scalar_one()


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
    run = CopyRun(source, destination, max(1, batch), progress, total=before["snapshot"])
    run.apps = _copy_keyed(run, "app")
    run.charts = _copy_keyed(run, "chart")
    copy_snapshots(run)
    copy_listings(run)  # after the snapshots they point at
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


def _copy_keyed(run: CopyRun, name: str) -> dict[int, int]:
    """Copy the rows of a table with a natural key that the destination lacks; map the ids."""
    table, key = named_table(name), NATURAL_KEYS[name]
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
    for chunk in chunks(missing, APP_BATCH):
        with write_transaction(run.destination) as conn:
            made = insert_ids(conn, table, [without(r, "id") for r in chunk])
        ids.update(zip((r["id"] for r in chunk), made, strict=True))
        run.copied[name] += len(chunk)
        if run.progress:
            run.progress(name, run.copied[name], len(missing))
    return ids


def _copy_alerts(run: CopyRun) -> None:
    """Alert events the destination lacks (by event id), each with its deliveries.

    An event names its snapshot by id; the copy points it at the destination's snapshot of
    the same chart and time.
    """
    event, delivery = named_table("alert_event"), named_table("alert_delivery")
    with read_connection(run.source) as conn:
        events = [dict(r._mapping) for r in conn.execute(select(event).order_by(event.c.id))]
    with read_connection(run.destination) as conn:
        have = set(conn.execute(select(event.c.event_id)).scalars())
    missing = [e for e in events if e["event_id"] not in have]
    for chunk in chunks(missing, run.batch):
        ids = [e["id"] for e in chunk]
        with read_connection(run.source) as conn:
            sends = [
                dict(r._mapping)
                for r in conn.execute(select(delivery).where(delivery.c.alert_id.in_(ids)))
            ]
        with write_transaction(run.destination) as conn:
            rows = [{**without(e, "id"), "snapshot_id": _snapshot_of_event(conn, e)} for e in chunk]
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
    charts, snapshot = named_table("chart"), named_table("snapshot")
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
