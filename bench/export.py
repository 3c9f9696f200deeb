"""Benchmark: `apprank export` of 1M rows next to `sqlite3 -csv`, and `apprank history` over a year.

    python bench/export.py            # builds bench/.cache/year.db once (about a minute)
    python bench/export.py --fresh    # rebuild the database first

The history: 10 countries x 8,760 hourly snapshots (one year) x depth 100 = 8.76M rank rows,
written straight into apprank's schema with sqlite3 executemany (the schema itself comes from
`open_engine`). Every snapshot is a fresh ranking, as with real hourly charts. Two tracked
apps appear in about 70% of the charts at random ranks.

Measured, each as the median of 3 runs, each run a fresh process:
- `apprank export -o FILE` of the first 1,000 hours (exactly 1,000,000 rows): wall time and
  peak RSS (`resource.getrusage(RUSAGE_CHILDREN)` in a wrapper process per run, so runs do not
  mask each other);
- the same export of 10,000 rows (memory must not grow with the row count);
- `sqlite3 -csv` on the same join, order and range, to a file;
- `apprank history APP1 APP2 --country <10> --csv` over the whole year (hourly buckets), and
  the `tracker.query.history.history` call alone, in process.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.store.engine import open_engine  # noqa: E402
from tracker.timeutil import isoformat_z  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
COUNTRIES = ["us", "gb", "de", "fr", "jp", "kr", "in", "br", "ca", "au"]
HOURS = 8760
DEPTH = 100
POOL = 2000
START = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
TRACKED = ("6737597349", "6448311069")  # app ids 1 and 2 in the pool
EXPORT_HOURS = 1000  # 10 countries x 100 ranks x 1,000 hours = 1,000,000 rows
RUNS = 3

SQLITE_SQL = """
SELECT strftime('%Y-%m-%dT%H:%M:%SZ', s.captured_at, 'unixepoch'), c.source, c.country, c.kind,
       c.category, c.device, e.rank, a.store_id, a.name, a.developer
FROM snapshot s
JOIN chart c ON c.id = s.chart_id
JOIN ranking_entry e ON e.ranking_id = s.ranking_id
JOIN app a ON a.id = e.app_id
WHERE s.captured_at >= {lo} AND s.captured_at <= {hi}
ORDER BY s.captured_at, c.source, c.country, c.kind, c.category, c.device, s.id, e.rank
"""


def build(path: Path) -> int:
    """Write the year of history; returns the rank row count."""
    path.unlink(missing_ok=True)
    open_engine(f"sqlite:///{path}").dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    rng = np.random.default_rng(2025)
    names = [(i, str(1_000_000_000 + i), f"App {i}", f"Developer {i % 300}") for i in range(POOL)]
    names[1] = (1, TRACKED[0], "DeepSeek - AI Assistant", "DeepSeek")
    names[2] = (2, TRACKED[1], "ChatGPT", "OpenAI")
    with conn:
        conn.executemany(
            "INSERT INTO app (id, store, store_id, name, developer) VALUES (?, 'apple', ?, ?, ?)",
            names[1:],
        )
        conn.executemany(
            "INSERT INTO chart (id, source, country, kind, category, device)"
            " VALUES (?, 'apple', ?, 'top-free', 'all', 'iphone')",
            list(enumerate(COUNTRIES, start=1)),
        )
    ranking = 0
    per_day = 24 * len(COUNTRIES)
    for day in range(HOURS // 24):
        # Each snapshot: DEPTH distinct apps from the pool; each tracked app often replaces
        # one of them (when both pick the same rank, the second wins).
        picks = np.argsort(rng.random((per_day, POOL - 3)), axis=1)[:, :DEPTH] + 3
        for tracked in (1, 2):
            present = rng.random(per_day) < 0.7
            slots = rng.integers(0, DEPTH, per_day)
            picks[present, slots[present]] = tracked
        rankings, entries, snapshots = [], [], []
        for i in range(per_day):
            ranking += 1
            hour, chart_id = day * 24 + i // len(COUNTRIES), i % len(COUNTRIES) + 1
            row = picks[i].tolist()  # distinct: the pool draw never holds apps 1 and 2
            rankings.append((ranking, ranking.to_bytes(16, "big"), DEPTH))
            entries.extend(zip([ranking] * DEPTH, range(1, DEPTH + 1), row, strict=True))
            snapshots.append((chart_id, START + hour * 3600 + chart_id, DEPTH, DEPTH, ranking))
        with conn:
            conn.executemany("INSERT INTO ranking (id, digest, size) VALUES (?, ?, ?)", rankings)
            conn.executemany(
                "INSERT INTO ranking_entry (ranking_id, rank, app_id) VALUES (?, ?, ?)", entries
            )
            conn.executemany(
                "INSERT INTO snapshot (chart_id, captured_at, depth_requested, depth_returned,"
                " ranking_id) VALUES (?, ?, ?, ?, ?)",
                snapshots,
            )
    conn.execute("ANALYZE")
    conn.close()
    return ranking * DEPTH


# Runs a command, then prints the children's peak RSS (KiB on Linux) and wall seconds.
WRAPPER = """
import resource, subprocess, sys, time
out = open(sys.argv[1], "wb")
start = time.perf_counter()
code = subprocess.run(sys.argv[2:], stdout=out).returncode
wall = time.perf_counter() - start
print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, wall)
"""


def measure(command: list[str], stdout: Path) -> tuple[float, int]:
    """Median wall seconds and median peak RSS (KiB) of RUNS fresh runs."""
    walls, peaks = [], []
    for _ in range(RUNS):
        done = subprocess.run(
            [sys.executable, "-c", WRAPPER, str(stdout), *command],
            capture_output=True,
            text=True,
            check=True,
        )
        code, peak, wall = done.stdout.split()
        if code != "0":
            raise SystemExit(f"{command[:3]} failed ({code}): {done.stderr}")
        walls.append(float(wall))
        peaks.append(int(peak))
    return statistics.median(walls), int(statistics.median(peaks))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench export", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--fresh", action="store_true", help="Rebuild the cached database.")
    parser.add_argument("--quick", action="store_true", help="(accepted; the run is the same)")
    args = parser.parse_args(argv)
    CACHE.mkdir(parents=True, exist_ok=True)
    db = CACHE / "year.db"
    if args.fresh or not db.exists():
        started = time.perf_counter()
        rows = build(db)
        print(f"built {db}: {rows:,} rank rows in {time.perf_counter() - started:.1f} s")
    config = CACHE / "bench.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{db}"\n', encoding="utf-8")
    env_python = [sys.executable, "-m", "tracker"]
    lo, hi = START, START + (EXPORT_HOURS - 1) * 3600 + 59
    since = isoformat_z(datetime.fromtimestamp(lo, UTC))
    until = isoformat_z(datetime.fromtimestamp(hi, UTC))
    results: dict[str, object] = {"db": str(db), "runs": RUNS}

    out_file = CACHE / "export.csv"
    wall, peak = measure(
        [*env_python, "export", "-c", str(config), "-o", str(out_file), "--since", since,
         "--until", until],
        Path(os.devnull),
    )  # fmt: skip
    lines = sum(1 for _ in out_file.open("rb")) - 1
    results["apprank_export"] = {"rows": lines, "seconds": wall, "peak_rss_mib": peak / 1024}
    # The same command over 10 hours (10,000 rows): flat memory means the same peak.
    small_until = isoformat_z(datetime.fromtimestamp(START + 9 * 3600 + 59, UTC))
    wall, peak = measure(
        [*env_python, "export", "-c", str(config), "-o", str(CACHE / "small.csv"), "--since",
         since, "--until", small_until],
        Path(os.devnull),
    )  # fmt: skip
    results["apprank_export_10k_rows"] = {"seconds": wall, "peak_rss_mib": peak / 1024}

    sqlite_file = CACHE / "sqlite3.csv"
    wall, peak = measure(
        ["sqlite3", "-csv", str(db), SQLITE_SQL.format(lo=lo, hi=hi).replace("\n", " ")],
        sqlite_file,
    )
    lines = sum(1 for _ in sqlite_file.open("rb"))
    results["sqlite3_csv"] = {"rows": lines, "seconds": wall, "peak_rss_mib": peak / 1024}

    countries = ",".join(COUNTRIES)
    wall, peak = measure(
        [*env_python, "history", *TRACKED, "-c", str(config), "--country", countries, "--csv"],
        Path(os.devnull),
    )
    results["apprank_history_cli"] = {"seconds": wall, "peak_rss_mib": peak / 1024}
    wall, peak = measure([*env_python, "--help"], Path(os.devnull))
    results["apprank_startup"] = {"seconds": wall, "peak_rss_mib": peak / 1024}

    from tracker.query.history import ChartSelection, history

    engine = open_engine(f"sqlite:///{db}")
    chosen = ChartSelection.of(countries=COUNTRIES)
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        series = history(engine, list(TRACKED), chosen, every=timedelta(hours=1))
        timings.append(time.perf_counter() - started)
    points = sum(len(s.ranks) for s in series)
    results["history_query"] = {
        "series": len(series),
        "points": points,
        "seconds": statistics.median(timings),
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
