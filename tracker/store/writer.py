"""The write path: one transaction per snapshot, bulk inserts, attempts recorded."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from tracker.sources.base import ChartEntry, ChartKey, ChartSnapshot
from tracker.store.engine import write_transaction
from tracker.store.schema import App, Chart, FetchAttempt, Ranking, RankingEntry, Snapshot

APP = App.__table__
CHART = Chart.__table__
RANKING = Ranking.__table__
ENTRY = RankingEntry.__table__
SNAPSHOT = Snapshot.__table__
ATTEMPT = FetchAttempt.__table__

_AppMeta = tuple[str, str | None, str | None, str | None, str | None, str | None, str | None]


@dataclass(frozen=True, slots=True)
class Attempt:
    """How one fetch went, for the `fetch_attempt` table."""

    started_at: datetime
    duration_ms: int
    outcome: str
    http_status: int | None = None
    error: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Saved:
    snapshot_id: int
    ranking_id: int
    new_ranking: bool


def ranking_digest(store_ids: list[str]) -> bytes:
    return hashlib.blake2b(",".join(store_ids).encode(), digest_size=16).digest()


def _meta(entry: ChartEntry) -> _AppMeta:
    return (
        entry.name,
        entry.developer,
        entry.bundle_id,
        entry.icon_url,
        entry.url,
        entry.genre,
        entry.release_date.isoformat() if entry.release_date else None,
    )


_META_COLUMNS = ("name", "developer", "bundle_id", "icon_url", "url", "genre", "release_date")


class SnapshotWriter:
    """Stores snapshots and attempts. Caches chart and app ids (they never change once made)."""

    def __init__(self, engine: Engine, store: str = "apple") -> None:
        self.engine = engine
        self.store = store
        self._charts: dict[ChartKey, int] = {}
        self._apps: dict[str, tuple[int, _AppMeta]] = {}
        self._lock = threading.Lock()

    def chart_id(self, conn: Connection, key: ChartKey) -> int:
        cached = self._charts.get(key)
        if cached is not None:
            return cached
        where = (
            (CHART.c.source == key.source)
            & (CHART.c.country == key.country)
            & (CHART.c.kind == key.chart)
            & (CHART.c.category == key.category)
            & (CHART.c.device == key.device)
        )
        chart_id = conn.execute(select(CHART.c.id).where(where)).scalar()
        if chart_id is None:
            chart_id = conn.execute(
                insert(CHART).values(
                    source=key.source,
                    country=key.country,
                    kind=key.chart,
                    category=key.category,
                    device=key.device,
                )
            ).inserted_primary_key[0]
        return chart_id

    def save(
        self,
        snapshot: ChartSnapshot,
        captured_at: datetime,
        attempt: Attempt,
        *,
        slot: int | None = None,
    ) -> Saved:
        """Store a snapshot and its successful attempt in one transaction."""
        with self._lock, write_transaction(self.engine) as conn:
            chart_id = self.chart_id(conn, snapshot.request.key)
            new_apps = self._upsert_apps(conn, snapshot.entries)
            ranking_id, new_ranking = self._ranking(conn, snapshot.entries, new_apps)
            snapshot_id = conn.execute(
                insert(SNAPSHOT).values(
                    chart_id=chart_id,
                    captured_at=captured_at,
                    feed_updated_at=snapshot.feed_updated_at,
                    depth_requested=snapshot.request.depth,
                    depth_returned=snapshot.depth_returned,
                    ranking_id=ranking_id,
                    slot=slot,
                )
            ).inserted_primary_key[0]
            self._insert_attempt(conn, chart_id, attempt, snapshot_id)
        # Only remember ids once the transaction that made them committed.
        self._charts[snapshot.request.key] = chart_id
        self._apps.update(new_apps)
        return Saved(snapshot_id, ranking_id, new_ranking)

    def record_failure(self, key: ChartKey, attempt: Attempt) -> None:
        """Store a failed attempt (never a rank)."""
        with self._lock, write_transaction(self.engine) as conn:
            chart_id = self.chart_id(conn, key)
            self._insert_attempt(conn, chart_id, attempt, None)
        self._charts[key] = chart_id

    def _insert_attempt(
        self, conn: Connection, chart_id: int, attempt: Attempt, snapshot_id: int | None
    ) -> None:
        conn.execute(
            insert(ATTEMPT).values(
                chart_id=chart_id,
                started_at=attempt.started_at,
                duration_ms=attempt.duration_ms,
                outcome=attempt.outcome,
                http_status=attempt.http_status,
                error=attempt.error,
                url=attempt.url,
                snapshot_id=snapshot_id,
            )
        )

    def _upsert_apps(
        self, conn: Connection, entries: tuple[ChartEntry, ...]
    ) -> dict[str, tuple[int, _AppMeta]]:
        """Insert unseen apps, update changed metadata; returns the cache additions."""
        fresh: dict[str, tuple[int, _AppMeta]] = {}
        unknown = [e.app_id for e in entries if e.app_id not in self._apps]
        if unknown:
            for row in conn.execute(
                select(APP.c.id, APP.c.store_id, *[APP.c[c] for c in _META_COLUMNS]).where(
                    (APP.c.store == self.store) & APP.c.store_id.in_(unknown)
                )
            ):
                fresh[row[1]] = (row[0], tuple(row[2:]))  # type: ignore[assignment]
        inserts = []
        updates = []
        for entry in entries:
            known = fresh.get(entry.app_id) or self._apps.get(entry.app_id)
            meta = _meta(entry)
            if known is None:
                inserts.append(entry)
            elif known[1] != meta:
                updates.append({"b_id": known[0], **dict(zip(_META_COLUMNS, meta, strict=True))})
                fresh[entry.app_id] = (known[0], meta)
        if inserts:
            rows = [
                {
                    "store": self.store,
                    "store_id": e.app_id,
                    **dict(zip(_META_COLUMNS, _meta(e), strict=True)),
                }
                for e in inserts
            ]
            result = conn.execute(insert(APP).returning(APP.c.id, APP.c.store_id), rows)
            ids = {store_id: app_id for app_id, store_id in result}
            for entry in inserts:
                fresh[entry.app_id] = (ids[entry.app_id], _meta(entry))
        if updates:
            conn.execute(
                update(APP)
                .where(APP.c.id == bindparam("b_id"))
                .values({c: bindparam(c) for c in _META_COLUMNS}),
                updates,
            )
        return fresh

    def _ranking(
        self,
        conn: Connection,
        entries: tuple[ChartEntry, ...],
        new_apps: dict[str, tuple[int, _AppMeta]],
    ) -> tuple[int, bool]:
        digest = ranking_digest([e.app_id for e in entries])
        existing = conn.execute(select(RANKING.c.id).where(RANKING.c.digest == digest)).scalar()
        if existing is not None:
            return existing, False
        ranking_id = conn.execute(
            insert(RANKING).values(digest=digest, size=len(entries))
        ).inserted_primary_key[0]
        if entries:
            known = self._apps
            rows = [
                {
                    "ranking_id": ranking_id,
                    "rank": e.rank,
                    "app_id": (new_apps.get(e.app_id) or known[e.app_id])[0],
                }
                for e in entries
            ]
            if conn.dialect.name == "sqlite":
                conn.execute(insert(ENTRY), rows)  # executemany: SQLite's fastest path
            else:
                conn.execute(insert(ENTRY).values(rows))  # one multi-row INSERT, one round trip
        return ranking_id, True
