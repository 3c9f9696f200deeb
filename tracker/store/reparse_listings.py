"""What `apprank reparse` does to app listings (tracker/store/schema/listings.py): make an app's
history in a storefront say what a re-parsed snapshot showed, as the writer would have recorded
it had the snapshot been parsed so the first time.

A history is a list of change points (`Listing`, valid_from order); a reader takes the row with
the latest valid_from at or before a snapshot's time (before the first: the first). A snapshot
shows something else when the parsed entry's fields (those it leaves out, None, taken from the
row) differ from that row's, or when there is no row (the writer records one for every app a
snapshot shows). Then:

- a row this snapshot introduced (`snapshot_id` is its id) now says something it did not show:
  it becomes valid from the next snapshot of the storefront that lists the app before the row
  after it (that one showed it: it read this row), or goes when there is none;
- the entry's fields are observed at the snapshot's time as the writer does (`observe`);
- a row saying what the row before it says is redundant and goes (an unchanged name adds no
  rows; only the steps above leave one).

A row another snapshot of the storefront introduced at the same second keeps it (the writer's
rule: the first stored keeps that second), so such a snapshot is not counted as differing.
"""

from __future__ import annotations

import copy
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, delete, text, update

from tracker.store.bulk import insert_ignoring_duplicates, raw_select_in
from tracker.store.listing_writer import (
    KEY_COLUMNS,
    LISTING,
    META_COLUMNS,
    Listing,
    Meta,
    Storefront,
    merged,
    observe,
)

IN_LIST = 500  # ids per IN (...): under SQLite's old limit of 999 parameters
# (snapshot id, captured_at epoch s) of the next snapshot listing an app, or None: see `refit`.
NextShowing = Callable[[int, int, int, int | None], tuple[int, int] | None]


def listed(history: Sequence[Listing], at: int) -> Listing | None:
    """The row a reader shows for a snapshot at `at` (listings.Names.at)."""
    if len(history) < 2:  # most apps: one listing in a storefront, ever
        return history[0] if history else None
    i = bisect_right(history, at, key=_valid_from)
    return history[i - 1] if i else history[0]


def _valid_from(row: Listing) -> int:
    return row.valid_from


def shows_other(history: Sequence[Listing], at: int, snapshot_id: int, raw: Meta | None) -> bool:
    """Whether a snapshot at `at` whose entry for the app has the fields `raw` (None: the app is
    not in it) is not what the history says of it. No history at all is not what the writer
    records for an app a snapshot shows (a reader would fall back to `app`'s columns)."""
    if raw is None:
        return any(row.snapshot_id == snapshot_id for row in history)
    shown = listed(history, at)
    if shown is None:
        return True
    if shown.meta == raw:  # the common case, without building the merged fields
        return False
    if shown.valid_from == at and shown.snapshot_id != snapshot_id:
        return False  # another snapshot of this second introduced it: the writer keeps it
    return merged(raw, shown.meta) != shown.meta


def refit(
    history: list[Listing],
    app_id: int,
    at: int,
    snapshot_id: int,
    raw: Meta | None,
    next_showing: NextShowing,
) -> bool:
    """Make `history` (the app's, in place) say what the snapshot showed; whether it changed."""
    if not shows_other(history, at, snapshot_id, raw):
        return False
    for row in [r for r in history if r.snapshot_id == snapshot_id]:
        i = history.index(row)
        upper = history[i + 1].valid_from if i + 1 < len(history) else None
        found = next_showing(app_id, row.valid_from, snapshot_id, upper)
        if found is None:
            history.pop(i)
        else:
            row.snapshot_id, row.valid_from = found
    if raw is not None:
        observe(history, at, snapshot_id, raw)
    _coalesce(history)
    return True


def _coalesce(history: list[Listing]) -> None:
    i = 1
    while i < len(history):
        if history[i].meta == history[i - 1].meta:
            history.pop(i)
        else:
            i += 1


@dataclass(slots=True)
class Histories:
    """One storefront's listing histories, app id -> rows, read once per app."""

    storefront: Storefront
    rows: dict[int, list[Listing]]

    def load(self, conn: Connection, app_ids: Sequence[int]) -> None:
        """Read the histories of the apps not read yet."""
        missing = [a for a in dict.fromkeys(app_ids) if a not in self.rows]
        self.rows.update(read_histories(conn, self.storefront, missing))

    def copies(self, app_ids: Sequence[int]) -> dict[int, list[Listing]]:
        return {a: copy.deepcopy(self.rows.get(a, [])) for a in app_ids}


_HISTORY_SQL = (
    f"SELECT id, app_id, valid_from, snapshot_id, {', '.join(META_COLUMNS)} FROM app_listing "
    "WHERE source = :source AND country = :country AND app_id IN :apps ORDER BY app_id, valid_from"
)


def read_histories(
    conn: Connection, storefront: Storefront, app_ids: Sequence[int]
) -> dict[int, list[Listing]]:
    """The apps' rows in the storefront (every app asked for has a list, maybe empty): one seek
    per app on uq_app_listing; the raw driver on SQLite (a page reads thousands of rows)."""
    out: dict[int, list[Listing]] = {a: [] for a in app_ids}
    source, country = storefront
    rows: list[Any] = []
    if conn.dialect.name == "sqlite":
        raw = _HISTORY_SQL.replace(":source", "?").replace(":country", "?").replace(":apps", "({})")
        rows = raw_select_in(conn, raw, [source, country], list(app_ids))
    else:
        statement = text(_HISTORY_SQL).bindparams(bindparam("apps", expanding=True))
        for start in range(0, len(app_ids), IN_LIST):
            chunk = list(app_ids[start : start + IN_LIST])
            params = {"source": source, "country": country, "apps": chunk}
            rows.extend(conn.execute(statement, params))
    for row_id, app_id, valid_from, snapshot_id, *meta in rows:
        out[app_id].append(Listing(int(valid_from), tuple(meta), snapshot_id, row_id))
    return out


def store_changes(
    conn: Connection,
    storefront: Storefront,
    before: dict[int, list[Listing]],
    after: dict[int, list[Listing]],
) -> None:
    """Write what turned `before` (as read in this transaction) into `after`, per app: rows gone
    are deleted, rows moved updated, new rows inserted, in that order (so a moved or new row
    never meets the unique key of one that goes)."""
    gone: list[int] = []
    moved: list[dict[str, object]] = []
    new: list[dict[str, object]] = []
    source, country = storefront
    for app_id, rows in after.items():
        was = {r.id: (r.valid_from, r.snapshot_id) for r in before.get(app_id, []) if r.id}
        kept = {r.id for r in rows if r.id is not None}
        gone.extend(i for i in was if i not in kept)
        for r in rows:
            if r.id is None:
                key = dict(zip(KEY_COLUMNS, (app_id, source, country, r.valid_from), strict=True))
                meta = dict(zip(META_COLUMNS, r.meta, strict=True))
                new.append({**key, "snapshot_id": r.snapshot_id, **meta})
            elif was.get(r.id) != (r.valid_from, r.snapshot_id):
                moved.append({"b_id": r.id, "b_from": r.valid_from, "b_snap": r.snapshot_id})
    for start in range(0, len(gone), IN_LIST):
        conn.execute(delete(LISTING).where(LISTING.c.id.in_(gone[start : start + IN_LIST])))
    if moved:
        conn.execute(
            update(LISTING)
            .where(LISTING.c.id == bindparam("b_id"))
            .values(valid_from=bindparam("b_from"), snapshot_id=bindparam("b_snap")),
            moved,
        )
    if new:
        conn.execute(insert_ignoring_duplicates(conn, LISTING, KEY_COLUMNS), new)


# The first snapshot of one chart after snapshot :sid at :lo in (captured_at, id) order, before
# :hi, whose ranking lists the app: on ix_snapshot_chart_time, a primary-key probe each. Strictly
# after: of two snapshots of one second that list the app, the row goes to the later one only
# (else each would hand it back to the other).
_NEXT_SQL = """
SELECT s.id, s.captured_at FROM snapshot s
WHERE s.chart_id = :chart AND s.captured_at >= :lo AND s.captured_at < :hi
  AND (s.captured_at > :lo OR s.id > :sid)
  AND EXISTS (SELECT 1 FROM ranking_entry e WHERE e.ranking_id = s.ranking_id AND e.app_id = :app)
ORDER BY s.captured_at, s.id LIMIT 1
"""
_FOREVER = 2**62


def next_showing(conn: Connection, chart_ids: Sequence[int]) -> NextShowing:
    """`NextShowing` over the storefront's charts, read through `conn`."""
    statement = text(_NEXT_SQL)

    def find(app_id: int, lo: int, snapshot_id: int, hi: int | None) -> tuple[int, int] | None:
        found = []
        for chart_id in chart_ids:
            params = {"chart": chart_id, "lo": lo, "hi": _FOREVER if hi is None else hi}
            row = conn.execute(statement, {**params, "sid": snapshot_id, "app": app_id}).first()
            if row is not None:
                found.append((int(row.captured_at), int(row.id)))
        if not found:
            return None
        at, first = min(found)
        return first, at

    return find
