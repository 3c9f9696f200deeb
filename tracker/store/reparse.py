"""`apprank reparse`: re-derive stored snapshots from the raw archive with the current parsers.

A parser bug found next year is fixed in last year's history this way. For every snapshot in the
window whose body is archived (tracker/store/archive.py), the body is parsed again by its chart's
source (tracker/fetch/sources, `parse(request, body, url=...)` with the depth requested and the
URL its attempt fetched) and compared with what is stored: the ranks and app ids, the depth
returned, the feed's time, and what the listings say each app was called (and the rest of its
fields) in that storefront at that time. Each refused body (a `format` or `empty` attempt whose
body was archived) is parsed again too.

Without `apply` nothing is written. With it, each snapshot that differs is replaced in its own
transaction (tracker/store/reparse_write.py), and each refused body that now parses becomes a
snapshot. A snapshot whose body the current parser refuses is counted (`now_refused`) and left
as it is: reparse never deletes history. Snapshots without a body (stored before the archive,
with `[archive] keep = "off"`, pruned, imported) are counted as `not_archived`.

A storefront's snapshots are visited in time order, in pages, across its charts: its listings
are one history, and fixing a snapshot's listing moves a row to the next snapshot that showed it
(tracker/store/reparse_listings.py). The dry run makes the same changes to the histories held in
memory, so it counts what `apply` would change.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, text

from tracker.errors import FeedFormatError
from tracker.fetch.sources import SOURCES
from tracker.models import ChartKey, ChartRequest, ChartSnapshot
from tracker.store.app_writer import store_of
from tracker.store.archive import read_body
from tracker.store.bulk import raw_select_in
from tracker.store.engine import read_connection, write_transaction
from tracker.store.listing_writer import Meta, Storefront, entry_meta
from tracker.store.reparse_listings import Histories, NextShowing, next_showing, refit
from tracker.store.reparse_report import EXAMPLES, Example, ReparseReport
from tracker.store.reparse_write import Target, create, replace
from tracker.store.schema.views import chart_key
from tracker.timeutil import from_epoch, to_epoch

PAGE = 500  # snapshots read per page

_CHARTS_SQL = "SELECT id, source, country, kind, category, device FROM chart"
_PAGE_SQL = """
SELECT s.id, s.chart_id, s.captured_at, s.feed_updated_at, s.depth_requested,
       s.depth_returned, s.ranking_id, s.payload_id
FROM snapshot s
WHERE s.chart_id IN :charts AND s.captured_at <= :hi
  AND (s.captured_at > :at OR (s.captured_at = :at AND s.id > :id))
ORDER BY s.captured_at, s.id LIMIT :limit
"""
_RANKS_SQL = """
SELECT e.ranking_id, e.rank, a.store_id, e.app_id FROM ranking_entry e JOIN app a ON a.id = e.app_id
WHERE e.ranking_id IN :rankings ORDER BY e.ranking_id, e.rank
"""
_URLS_SQL = "SELECT snapshot_id, url FROM fetch_attempt WHERE snapshot_id IN :ids"
_APPS_SQL = "SELECT store_id, id FROM app WHERE store = :store AND store_id IN :ids"
_REFUSED_SQL = """
SELECT a.id, a.chart_id, a.started_at, a.duration_ms, a.url, a.payload_id FROM fetch_attempt a
WHERE a.chart_id IN :charts AND a.snapshot_id IS NULL AND a.payload_id IS NOT NULL
  AND a.outcome IN ('format', 'empty') AND a.started_at >= :lo AND a.started_at <= :hi
ORDER BY a.started_at, a.id
"""
# The attempt nearest a refused one (before it, else after it) that made a snapshot: whether a
# refused body's chart was simulated, and the depth it asked for.
_NEIGHBOUR_SQL = """
SELECT s.simulated, s.depth_requested FROM fetch_attempt a
JOIN snapshot s ON s.id = a.snapshot_id
WHERE a.chart_id = :chart AND a.started_at {op} :t ORDER BY a.started_at {order} LIMIT 1
"""
# The depth a refused fetch asked for, from its URL (both sources put it there).
_DEPTH = re.compile(r"/(\d+)/apps\.json|/limit=(\d+)")
_NEVER, _FOREVER = -(2**62), 2**62


def reparse(
    engine: Engine,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    apply: bool = False,
) -> ReparseReport:
    """Re-parse the archived bodies of the snapshots captured (and the refused attempts started)
    in [since, until]; with `apply`, replace what differs."""
    started = time.perf_counter()
    report = ReparseReport(applied=apply)
    lo = _NEVER if since is None else to_epoch(since)
    hi = _FOREVER if until is None else to_epoch(until)
    with read_connection(engine) as conn:
        charts = {int(row.id): chart_key(row) for row in conn.execute(text(_CHARTS_SQL))}
    fronts: dict[Storefront, list[int]] = {}
    for chart_id, key in sorted(charts.items()):
        fronts.setdefault((key.source, key.country), []).append(chart_id)
    for front, chart_ids in sorted(fronts.items()):
        run = _Storefront(engine, front, chart_ids, charts, report)
        run.snapshots(lo, hi)
        run.refused(lo, hi)
    report.seconds = time.perf_counter() - started
    return report


@dataclass(slots=True)
class _Differs:
    target: Target
    parsed: ChartSnapshot
    was: list[int]  # the app ids of its stored ranking


class _Storefront:
    """One storefront's pass: its listing histories and each chart's latest body, in memory."""

    def __init__(
        self,
        engine: Engine,
        front: Storefront,
        chart_ids: list[int],
        charts: dict[int, ChartKey],
        report: ReparseReport,
    ) -> None:
        self.engine, self.front, self.chart_ids = engine, front, chart_ids
        self.charts, self.report = charts, report
        # The store of the storefront's apps, as the writer stored them: one source, one store,
        # so a store id names one app in this pass (`ids`).
        self.store = store_of(front[0])
        self.histories = Histories(front, {})
        self.ids: dict[str, int] = {}  # store id -> app id
        self.absent: set[str] = set()  # store ids of no stored app (as of this pass's reads)
        self.bodies: dict[int, tuple[int, bytes]] = {}  # chart id -> (payload id, body)
        self.ranks: dict[int, list[tuple[int, str, int]]] = {}  # ranking -> (rank, store id, app)

    def snapshots(self, lo: int, hi: int) -> None:
        at, last = lo - 1, 0
        while True:
            with read_connection(self.engine) as conn:
                params = {"charts": self.chart_ids, "hi": hi, "at": at, "id": last, "limit": PAGE}
                page = _all(conn, _PAGE_SQL, ["charts"], **params)
                if not page:
                    return
                at, last = int(page[-1].captured_at), int(page[-1].id)
                fixes = self._page(conn, page)
            if self.report.applied:
                for fix in fixes:
                    with write_transaction(self.engine) as conn:
                        after = replace(conn, fix.target, fix.parsed, fix.was, self.ids, self.store)
                    self.histories.rows.update(after)
                    self._applied()
                    self.report.replaced += 1

    def _page(self, conn: Connection, page: Sequence[Any]) -> list[_Differs]:
        report = self.report
        report.snapshots += len(page)
        archived = [row for row in page if row.payload_id is not None]
        report.not_archived += len(page) - len(archived)
        urls = dict(_all(conn, _URLS_SQL, ["ids"], ids=[int(row.id) for row in archived]))
        parsed = []
        for row in archived:
            key = self.charts[int(row.chart_id)]
            body = self._body(conn, int(row.chart_id), int(row.payload_id))
            chart = _parse(ChartRequest(key, int(row.depth_requested)), body, urls.get(row.id))
            if chart is None:
                report.now_refused += 1
            else:
                parsed.append((row, chart))
        self._read_ranks(conn, [int(row.ranking_id) for row, _ in parsed])
        self._known(conn, [e.app_id for _, chart in parsed for e in chart.entries])
        stored_apps = {a for row, _ in parsed for _, _, a in self.ranks[int(row.ranking_id)]}
        self.histories.load(conn, sorted(stored_apps))
        find = next_showing(conn, self.chart_ids)
        fixes = []
        for row, chart in parsed:
            stored = self.ranks[int(row.ranking_id)]
            was = [a for _, _, a in stored]
            at, chart_id = int(row.captured_at), int(row.chart_id)
            target = Target(self.front, self.chart_ids, chart_id, at, int(row.id))
            aspects = []
            if [(r, s) for r, s, _ in stored] != [(e.rank, e.app_id) for e in chart.entries]:
                aspects.append("ranks")
            if int(row.depth_returned) != chart.depth_returned:
                aspects.append("depth")
            if row.feed_updated_at != _epoch(chart.feed_updated_at):
                aspects.append("feed_updated_at")
            if self._listings_change(conn, target, chart, was, find):
                aspects.append("listings")
            if not aspects:
                report.unchanged += 1
                continue
            report.differ += 1
            report.changes.update(aspects)
            if len(report.examples) < EXAMPLES:
                key, when = self.charts[chart_id], from_epoch(at)
                report.examples.append(Example(int(row.id), key, when, tuple(aspects)))
            fixes.append(_Differs(target, chart, was))
        return fixes

    def _listings_change(
        self,
        conn: Connection,
        target: Target,
        parsed: ChartSnapshot,
        was: list[int],
        find: NextShowing,
    ) -> bool:
        """Refit the in-memory histories as `apply` will refit the stored ones; whether any
        changed. An app the database lacks has no history: that it is new is a change."""
        ids, rows = self.ids, self.histories.rows
        shown: dict[int, Meta] = {}
        changed = False
        for entry in parsed.entries:
            app_id = ids.get(entry.app_id)
            if app_id is None:
                changed = True
            else:
                shown[app_id] = entry_meta(entry)
        self.histories.load(conn, [a for a in shown if a not in rows])
        sid = target.snapshot_id if target.snapshot_id is not None else 0
        for app_id, raw in shown.items():
            history = rows[app_id]
            if len(history) == 1 and history[0].meta == raw:
                continue  # the common case: one listing, the fields it lists (refit's own check)
            changed |= refit(history, app_id, target.at, sid, raw, find)
        for app_id in was:
            if app_id not in shown:  # in the stored ranking, not in the new parse
                changed |= refit(rows[app_id], app_id, target.at, sid, None, find)
        return changed

    def _known(self, conn: Connection, store_ids: list[str]) -> None:
        missing = [s for s in store_ids if s not in self.ids and s not in self.absent]
        if missing:
            found = _all(conn, _APPS_SQL, ["ids"], store=self.store, ids=missing)
            self.ids.update((str(s), int(i)) for s, i in found)
            self.absent.update(s for s in missing if s not in self.ids)

    def _read_ranks(self, conn: Connection, rankings: list[int]) -> None:
        if len(self.ranks) > 20_000:
            self.ranks.clear()  # memory stays flat over a long history
        missing = sorted({r for r in rankings if r not in self.ranks})
        for start in range(0, len(missing), PAGE):
            chunk = missing[start : start + PAGE]
            self.ranks.update({r: [] for r in chunk})
            found: Sequence[Any]
            if conn.dialect.name == "sqlite":  # the raw driver: a row per rank, 100 a snapshot
                found = raw_select_in(conn, _RANKS_SQL.replace(":rankings", "({})"), [], chunk)
            else:
                found = _all(conn, _RANKS_SQL, ["rankings"], rankings=chunk)
            ids = self.ids
            for ranking, rank, store_id, app_id in found:
                self.ranks[ranking].append((rank, store_id, app_id))
                ids[store_id] = app_id

    def _applied(self) -> None:
        """Forget what a write made stale: the apps a parse named are stored now, and a ranking
        left unused was deleted (SQLite may give its id to the next one made)."""
        self.absent.clear()
        self.ranks.clear()

    def _body(self, conn: Connection, chart_id: int, payload_id: int) -> bytes:
        """A body, decompressed against the chart's previous one when that is its base."""
        cache = {pid: body for pid, body in self.bodies.values()}
        body = read_body(conn, payload_id, cache)
        self.bodies[chart_id] = (payload_id, body)
        return body

    def refused(self, lo: int, hi: int) -> None:
        with read_connection(self.engine) as conn:
            attempts = _all(conn, _REFUSED_SQL, ["charts"], charts=self.chart_ids, lo=lo, hi=hi)
        for attempt in attempts:
            chart_id = int(attempt.chart_id)
            key = self.charts[chart_id]
            with read_connection(self.engine) as conn:
                simulated, depth = _neighbour(conn, attempt, key)
                body = self._body(conn, chart_id, int(attempt.payload_id))
            parsed = _parse(ChartRequest(key, depth), body, attempt.url)
            if parsed is None:
                self.report.still_refused += 1
                continue
            self.report.refused_now_parse += 1
            if not self.report.applied:
                continue
            at = _captured(attempt, parsed, simulated)
            target = Target(self.front, self.chart_ids, chart_id, at, None)
            with write_transaction(self.engine) as conn:
                ids = (int(attempt.id), int(attempt.payload_id))
                _, after = create(conn, target, parsed, ids, simulated, self.ids, self.store)
            self.histories.rows.update(after)
            self._applied()
            self.report.created += 1


def _parse(request: ChartRequest, body: bytes, url: str | None) -> ChartSnapshot | None:
    """The chart the current parser reads in `body`; None when it refuses it, as a fetch would
    (a format error, or no rows)."""
    try:
        parsed = SOURCES[request.key.source].parse(request, body, url=url or "")
    except FeedFormatError:
        return None
    return parsed if parsed.entries else None


def _neighbour(conn: Connection, attempt: Any, key: ChartKey) -> tuple[bool, int]:
    """(simulated, depth requested) for a refused attempt's snapshot: the flag of the nearest
    attempt of its chart that made a snapshot (before it, else after it); the depth from its
    URL, else that snapshot's, else the source's deepest."""
    near = None
    for op, order in (("<=", "DESC"), (">=", "ASC")):
        statement = text(_NEIGHBOUR_SQL.format(op=op, order=order))
        params = {"chart": int(attempt.chart_id), "t": int(attempt.started_at)}
        near = conn.execute(statement, params).first()
        if near is not None:
            break
    match = _DEPTH.search(attempt.url or "")
    if match:
        depth = int(match.group(1) or match.group(2))
    else:
        depth = int(near.depth_requested) if near else SOURCES[key.source].max_depth
    return near is not None and bool(near.simulated), depth


def _captured(attempt: Any, parsed: ChartSnapshot, simulated: bool) -> int:
    """When a refused body's snapshot was captured: as a fetch stamps its snapshot, when the
    response was in (the attempt's end); for a simulated chart, whose time is the simulator's
    clock (sent in a header no attempt keeps), the feed's own time, which it stamps on the hour."""
    if simulated and parsed.feed_updated_at is not None:
        return to_epoch(parsed.feed_updated_at)
    return int(attempt.started_at) + round((attempt.duration_ms or 0) / 1000)


def _epoch(value: object) -> int | None:
    if value is None:
        return None
    return to_epoch(value) if isinstance(value, datetime) else int(str(value))


def _all(conn: Connection, sql: str, expanding: list[str], **params: Any) -> Sequence[Any]:
    statement = text(sql).bindparams(*[bindparam(name, expanding=True) for name in expanding])
    return conn.execute(statement, params).all()
