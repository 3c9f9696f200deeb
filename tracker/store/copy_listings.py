"""Copying app listings (tracker/store/schema/listings.py), after the snapshots they point at.

A listing is matched by its natural key (app, source, country, valid_from); one the destination
lacks is copied with its app and its snapshot remapped (the snapshot by its chart and captured_at,
which the snapshot step has just copied). Two histories of one storefront merge into one: every
row says what a snapshot showed from then on, whichever database saw it. Except a row "as of the
upgrade" (no snapshot: migration 0007's guess from the one name a database knew): it is copied
only where the destination has no listing of that app in that storefront, since anything the
destination saw itself is better than a guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from tracker.errors import StoreError
from tracker.store.bulk import insert_rows
from tracker.store.copy_run import IN_LIST, CopyRun, chunks, named_table, without
from tracker.store.engine import read_connection, write_transaction

PAGE = 5000  # source rows read, and written in one transaction, at a time

Key = tuple[int, str, str, datetime]  # destination app id, source, country, valid_from


def copy_listings(run: CopyRun) -> None:
    """Copy the source's listing rows the destination lacks, a page of PAGE at a time."""
    after = 0
    while True:
        page = _source_page(run, after)
        if not page:
            return
        after = page[-1]["id"]
        rows = _missing(run, page)
        if rows:
            with write_transaction(run.destination) as conn:
                snapshots = _snapshot_ids(conn, {r["at"] for r in rows if r["at"] is not None})
                insert_rows(conn, named_table("app_listing"), [_row(r, snapshots) for r in rows])
        run.copied["app_listing"] += len(rows)


def _source_page(run: CopyRun, after: int) -> list[dict[str, Any]]:
    """Listing rows with ids above `after`, each with its snapshot's destination chart and time."""
    listing, snapshot = named_table("app_listing"), named_table("snapshot")
    query = (
        select(listing, snapshot.c.chart_id.label("chart"), snapshot.c.captured_at.label("taken"))
        .select_from(listing.outerjoin(snapshot, snapshot.c.id == listing.c.snapshot_id))
        .where(listing.c.id > after)
        .order_by(listing.c.id)
        .limit(PAGE)
    )
    with read_connection(run.source) as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for row in rows:
        row["app_id"] = run.apps[row["app_id"]]
        taken = row.pop("taken")
        row["at"] = None if row["snapshot_id"] is None else (run.charts[row["chart"]], taken)
        del row["chart"]
    return rows


def _missing(run: CopyRun, page: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of `page` the destination lacks (guesses only where it lists nothing)."""
    have = _keys(run, {r["app_id"] for r in page})
    listed = {key[:3] for key in have}
    out = []
    for row in page:
        key = (row["app_id"], row["source"], row["country"], row["valid_from"])
        if key in have or (row["snapshot_id"] is None and key[:3] in listed):
            continue
        have.add(key)
        out.append(row)
    return out


def _keys(run: CopyRun, app_ids: Iterable[int]) -> set[Key]:
    listing = named_table("app_listing")
    found: set[Key] = set()
    with read_connection(run.destination) as conn:
        for chunk in chunks(sorted(app_ids), IN_LIST):
            found.update(
                (r.app_id, r.source, r.country, r.valid_from)
                for r in conn.execute(
                    select(
                        listing.c.app_id, listing.c.source, listing.c.country, listing.c.valid_from
                    ).where(listing.c.app_id.in_(chunk))
                )
            )
    return found


def _snapshot_ids(
    conn: Connection, wanted: set[tuple[int, datetime]]
) -> dict[tuple[int, datetime], int]:
    """Destination snapshot ids by (chart id, captured_at): per chart, by its times."""
    snapshot = named_table("snapshot")
    by_chart: dict[int, list[datetime]] = {}
    for chart_id, taken in wanted:
        by_chart.setdefault(chart_id, []).append(taken)
    found: dict[tuple[int, datetime], int] = {}
    for chart_id, times in by_chart.items():
        for chunk in chunks(sorted(times), IN_LIST):
            for snapshot_id, taken in conn.execute(
                select(snapshot.c.id, snapshot.c.captured_at)
                .where((snapshot.c.chart_id == chart_id) & snapshot.c.captured_at.in_(chunk))
                .order_by(snapshot.c.id.desc())  # of equal times, the first one stored wins
            ):
                found[(chart_id, taken)] = snapshot_id
    lost = wanted - found.keys()
    if lost:
        chart_id, taken = min(lost)
        raise StoreError(
            f"copy incomplete: {len(lost)} listing(s) name a snapshot the destination lacks, "
            f"e.g. chart {chart_id} at {taken.isoformat()}"
        )
    return found


def _row(row: dict[str, Any], snapshots: dict[tuple[int, datetime], int]) -> dict[str, Any]:
    at = row["at"]
    return {**without(row, "id", "at"), "snapshot_id": None if at is None else snapshots[at]}
