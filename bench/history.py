"""history: `apprank history` of 2 apps x 10 countries over one year of hourly snapshots, in a
database holding >= 50 million rank rows.

The database is generated once (a year of hourly top-100 charts, 19 storefronts x 3 charts,
every snapshot a distinct ranking: 57 x 8,760 x 100 = 50M rank rows) by writing the apprank
schema directly with raw sqlite3, indexes built after the load, and cached in bench/.cache/.
Floor: the same buckets computed by hand-written SQL through raw sqlite3: the presence grid
grouped in SQL plus the ranks by the faster of two join orders, measured in the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

CACHE = Path(__file__).parent / ".cache"
COUNTRIES = ("us", "gb", "de", "fr", "jp", "kr", "in", "br", "cn", "au",
             "ca", "it", "es", "nl", "se", "mx", "tr", "sa", "id")  # fmt: skip
CHARTS = (("apple", "top-free"), ("apple", "top-paid"), ("itunes", "top-grossing"))
START = datetime(2025, 1, 1, tzinfo=UTC)
HOURS = 8772  # 57 charts x 8,772 h x 100 = 50.0M rank rows; queries span 8,760 h
APPS = 4000
WATCHED = (1, 2)  # internal ids of the two apps asked about


def build(path: Path, hours: int) -> None:
    from tracker.store.engine import dispose_all, open_engine

    open_engine(f"sqlite:///{path}")
    dispose_all()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
        "AND tbl_name IN ('ranking_entry', 'snapshot')"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO app (id, store, store_id, name, developer) VALUES (?, 'apple', ?, ?, ?)",
        [(i, str(6000000000 + i), f"App {i}", f"Dev {i % 97}") for i in range(1, APPS + 1)],
    )
    charts = [(c, s, k) for c, (s, k) in enumerate(
        [(s, k) for _ in COUNTRIES for s, k in CHARTS], start=1)]  # fmt: skip
    conn.executemany(
        "INSERT INTO chart (id, source, country, kind, category, device) "
        "VALUES (?, ?, ?, ?, 'all', 'iphone')",
        [(cid, s, COUNTRIES[(cid - 1) // 3], k) for cid, s, k in charts],
    )
    conn.execute("COMMIT")
    rng = random.Random(7)
    lists = {cid: rng.sample(range(1, APPS + 1), 100) for cid, _, _ in charts}
    ranking_id = 0
    for hour in range(hours):
        at = int((START + timedelta(hours=hour)).timestamp())
        rankings, entries, snapshots = [], [], []
        for cid, _, _ in charts:
            ids = lists[cid]
            for _ in range(4):  # churn: neighbours swap, an app leaves, one enters
                i = rng.randrange(99)
                ids[i], ids[i + 1] = ids[i + 1], ids[i]
            new = rng.randrange(1, APPS + 1)
            if new not in ids:
                ids[rng.randrange(100)] = new
            ranking_id += 1
            digest = hashlib.blake2b(f"{ranking_id}".encode(), digest_size=16).digest()
            rankings.append((ranking_id, digest, 100))
            entries.extend((ranking_id, r, a) for r, a in enumerate(ids, start=1))
            snapshots.append((ranking_id, cid, at, at, 100, 100, ranking_id))
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO ranking (id, digest, size) VALUES (?, ?, ?)", rankings)
        conn.executemany("INSERT INTO ranking_entry VALUES (?, ?, ?)", entries)
        conn.executemany(
            "INSERT INTO snapshot (id, chart_id, captured_at, feed_updated_at, depth_requested, "
            "depth_returned, ranking_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            snapshots,
        )
        conn.execute("COMMIT")
        if hour % 1000 == 0:
            print(f"  generating: hour {hour}/{hours}", flush=True)
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("ANALYZE")
    conn.close()


# The floor: the best of two hand-written join orders (SQLite's planner picks the first here),
# plus the presence grid grouped in SQL.
FLOOR_SQL = {
    "snapshots first": """
SELECT s.chart_id, e.app_id, s.captured_at / 3600 AS b, MIN(e.rank)
FROM snapshot s JOIN ranking_entry e ON e.ranking_id = s.ranking_id
WHERE s.chart_id IN ({charts}) AND e.app_id IN (1, 2)
  AND s.captured_at BETWEEN ? AND ?
GROUP BY s.chart_id, e.app_id, b
""",
    "entries first": """
SELECT s.chart_id, e.app_id, s.captured_at / 3600 AS b, MIN(e.rank)
FROM ranking_entry e CROSS JOIN snapshot s
WHERE s.ranking_id = e.ranking_id AND s.chart_id IN ({charts}) AND e.app_id IN (1, 2)
  AND s.captured_at BETWEEN ? AND ?
GROUP BY s.chart_id, e.app_id, b
""",
}
PRESENCE_SQL = """
SELECT chart_id, captured_at / 3600 AS b, MAX(depth_returned) FROM snapshot
WHERE chart_id IN ({charts}) AND captured_at BETWEEN ? AND ? GROUP BY chart_id, b
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench history")
    parser.add_argument("--quick", action="store_true", help="a month instead of a year")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    hours = 720 if args.quick else HOURS
    CACHE.mkdir(exist_ok=True)
    from tracker.store.migrate import HEAD

    db = CACHE / f"history-{hours}-schema{HEAD}.db"  # rebuilt when the schema changes
    if not db.exists():
        started = time.perf_counter()
        partial = db.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        build(partial, hours)
        partial.rename(db)
        print(f"  generated {db} in {time.perf_counter() - started:.0f} s")
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT count(*) FROM ranking_entry").fetchone()[0]
    charts = [r[0] for r in conn.execute(
        "SELECT id FROM chart WHERE kind = 'top-free' ORDER BY id LIMIT 10")]  # fmt: skip
    lo = int(START.timestamp())
    hi = int((START + timedelta(hours=min(hours, 8760) - 1)).timestamp())
    placeholders = ",".join(map(str, charts))
    floors: dict[str, list[float]] = {name: [] for name in FLOOR_SQL}
    for _ in range(args.repeats):
        for name, ranks_sql in FLOOR_SQL.items():
            started = time.perf_counter()
            conn.execute(PRESENCE_SQL.format(charts=placeholders), (lo, hi)).fetchall()
            conn.execute(ranks_sql.format(charts=placeholders), (lo, hi)).fetchall()
            floors[name].append(time.perf_counter() - started)
    conn.close()
    floor_by_order = {name: statistics.median(times) for name, times in floors.items()}

    from tracker.query.history import ChartSelection, history
    from tracker.store.engine import open_engine

    engine = open_engine(f"sqlite:///{db}")
    ours = []
    series = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        series = history(
            engine,
            [str(6000000000 + a) for a in WATCHED],
            ChartSelection.of("top-free", countries=COUNTRIES[:10]),
            since=START,
            until=START + timedelta(hours=min(hours, 8760) - 1),
        )
        ours.append(time.perf_counter() - started)
    cli = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "tracker", "history", "6000000001", "6000000002",
             "--country", ",".join(COUNTRIES[:10]), "--csv"],
            env={"APPRANK_DATABASE_URL": f"sqlite:///{db}", "PATH": "/usr/bin:/bin"},
            capture_output=True, check=True,
        )  # fmt: skip
        cli.append(time.perf_counter() - started)
    ours_s, floor_s = statistics.median(ours), min(floor_by_order.values())
    points = sum(len(s.ranks) for s in series)
    print(
        f"database                 {rows:,} rank rows; {len(series)} series x "
        f"{points // max(1, len(series))} hourly buckets"
    )
    print(f"history() in-process     {ours_s * 1000:8.1f} ms  (target < 200 ms)")
    for name, seconds in floor_by_order.items():
        print(f"raw sqlite3, {name:15s} {seconds * 1000:6.1f} ms")
    print(f"floor (the best of them) {floor_s * 1000:8.1f} ms")
    print(f"ratio to floor           {ours_s / floor_s:8.2f}x  (target <= 2x)")
    print(
        f"apprank history (CLI)    {statistics.median(cli) * 1000:8.1f} ms  "
        "(with interpreter start-up)"
    )


if __name__ == "__main__":
    main()
