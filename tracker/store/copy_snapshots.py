"""Copying the snapshots: per source chart, the snapshots and fetch attempts the destination
lacks, written in transactions of a batch of snapshots each, with the rankings (and their rank
rows) they need and the destination lacks."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Connection, Table, select

from tracker.store.bulk import bulk_entries, insert_ids, insert_rows
from tracker.store.copy_check import (
    attempt_key,
    attempts_of,
    charts_in,
    ints,
    raw_rows,
    snapshots_of,
)
from tracker.store.copy_run import IN_LIST, CopyRun, chunks, named_table, without
from tracker.store.engine import read_connection, write_transaction


def copy_snapshots(run: CopyRun) -> None:
    """Per source chart: the snapshots and attempts the destination lacks, in batches."""
    charts = named_table("chart")
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
    run: CopyRun,
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


def _flush(run: CopyRun) -> None:
    """Write the queued snapshots and attempts in transactions of `batch` snapshots."""
    while run.snapshots or run.attempts:
        snaps, run.snapshots = run.snapshots[: run.batch], run.snapshots[run.batch :]
        lone = [] if run.snapshots else run.attempts
        with write_transaction(run.destination) as conn:
            attempts = _write_snapshots(run, conn, snaps) + lone
            if attempts:
                insert_rows(
                    conn,
                    named_table("fetch_attempt"),
                    [without(a, "id", "payload_id") for a in attempts],
                )
        if lone:
            run.attempts = []
        run.copied["snapshot"] += len(snaps)
        run.copied["fetch_attempt"] += len(attempts)
        run.done += len(snaps)
        if run.progress and snaps:
            run.progress("snapshot", run.done, run.total)


def _write_snapshots(
    run: CopyRun, conn: Connection, snaps: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Insert the snapshots (and rankings they need); returns their attempts, ids set."""
    if not snaps:
        return []
    ranking_ids = _rankings(run, conn, {s["digest"]: s["ranking_id"] for s in snaps})
    rows = [
        # The raw archive is not copied: the source's payload ids mean nothing here.
        {
            **without(s, "id", "digest", "attempts", "payload_id"),
            "ranking_id": ranking_ids[s["digest"]],
        }
        for s in snaps
    ]
    made = insert_ids(conn, named_table("snapshot"), rows)
    attempts = []
    for snap, snapshot_id in zip(snaps, made, strict=True):
        for attempt in snap["attempts"]:
            attempts.append({**attempt, "snapshot_id": snapshot_id})
    return attempts


def _rankings(run: CopyRun, conn: Connection, wanted: dict[bytes, int]) -> dict[bytes, int]:
    """Destination ranking ids by digest, copying (with rank rows) those it lacks."""
    ranking, entry = named_table("ranking"), named_table("ranking_entry")
    found: dict[bytes, int] = {}
    for chunk in chunks(list(wanted), IN_LIST):
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
        for chunk in chunks(missing, IN_LIST):
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
    made = insert_ids(conn, ranking, [without(r, "id") for r in rows])
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
