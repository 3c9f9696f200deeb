"""storage: bytes on disk per stored rank row after a simulated year, VACUUMed, indexes included.

Floor: the same (ranking, rank, app) rows in a narrow integer table WITHOUT ROWID with an
(app, ranking) index, filled by raw sqlite3. Also checks that an unchanged re-fetch adds 0 rows.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from contextlib import closing
from pathlib import Path

from bench.world import World
from tracker.store.engine import dispose_all, open_engine
from tracker.store.writer import Attempt, SnapshotWriter


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench storage")
    parser.add_argument("--countries", type=int, default=4)
    parser.add_argument("--hours", type=int, default=8760, help="a year of hourly cycles")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    hours = 1000 if args.quick else args.hours
    world = World(countries=("us", "gb", "jp", "de", "fr", "cn", "kr", "br")[: args.countries])
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "apprank.db"
        writer = SnapshotWriter(open_engine(f"sqlite:///{db}"))
        started = time.perf_counter()
        last = []
        for hour in range(hours):
            at = World.time(hour)
            last = list(world.snapshots(hour))
            writer.save_many([(s, at, Attempt(at, 120, "ok", 200, None, _url(s))) for s in last])
            world.step()
        fill = time.perf_counter() - started
        # an unchanged re-fetch: same charts again
        before = _count(db, "ranking_entry")
        at = World.time(hours)
        writer.save_many([(s, at, Attempt(at, 120, "ok", 200, None, _url(s))) for s in last])
        added = _count(db, "ranking_entry") - before
        dispose_all()
        rows = _count(db, "ranking_entry")
        _vacuum(db)
        ours = os.path.getsize(db)
        floor_db = Path(tmp) / "floor.db"
        conn = sqlite3.connect(floor_db, isolation_level=None)
        conn.execute(
            "CREATE TABLE r (ranking INTEGER, rank INTEGER, app INTEGER, "
            "PRIMARY KEY (ranking, rank)) WITHOUT ROWID"
        )
        conn.execute("CREATE INDEX r_app ON r (app, ranking)")
        conn.execute(f"ATTACH '{db}' AS ours")
        conn.execute("BEGIN")
        conn.execute("INSERT INTO r SELECT ranking_id, rank, app_id FROM ours.ranking_entry")
        conn.execute("COMMIT")
        conn.execute("DETACH ours")
        conn.close()
        _vacuum(floor_db)
        floor = os.path.getsize(floor_db)
    print(
        f"history                  {hours} hourly cycles x {len(world.keys)} charts, "
        f"{rows:,} rank rows stored (filled in {fill:.0f} s)"
    )
    print(
        f"apprank database         {ours / rows:6.1f} bytes per rank row "
        f"({ours / 1e6:,.1f} MB, everything included)"
    )
    print(
        f"floor (narrow table)     {floor / rows:6.1f} bytes per rank row ({floor / 1e6:,.1f} MB)"
    )
    print(f"ratio to floor           {ours / floor:6.2f}x  (target <= 1.25x)")
    print(f"unchanged re-fetch added {added} rank rows (target 0)")


def _url(snapshot) -> str:
    key = snapshot.request.key
    return (
        f"https://rss.marketingtools.apple.com/api/v2/{key.country}/apps/{key.chart}/100/apps.json"
    )


def _count(db: Path, table: str) -> int:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _vacuum(db: Path) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("VACUUM")
    conn.close()


if __name__ == "__main__":
    main()
