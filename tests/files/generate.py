"""A large synthetic history, written straight into the schema with executemany (fast).

`hours` hourly snapshots of `countries` top-free charts, each a fresh ranking of `depth` apps
drawn from a pool, so every snapshot adds `depth` ranking_entry rows.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from tracker.store.engine import open_engine

START = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())


def generate(path: Path, *, countries: int, hours: int, depth: int, apps: int = 500) -> int:
    """Fill the SQLite file at `path`; returns the number of rank rows."""
    open_engine(f"sqlite:///{path}").dispose()  # the schema, exactly as apprank makes it
    codes = ["us", "gb", "de", "fr", "jp", "kr", "in", "br", "ca", "au", "it", "es"][:countries]
    rng = random.Random(7)
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO app (id, store, store_id, name, developer) VALUES (?, 'apple', ?, ?, ?)",
            [(i, str(1_000_000 + i), f"App {i}", f"Dev {i % 50}") for i in range(1, apps + 1)],
        )
        conn.executemany(
            "INSERT INTO chart (id, source, country, kind, category, device)"
            " VALUES (?, 'apple', ?, 'top-free', 'all', 'iphone')",
            list(enumerate(codes, start=1)),
        )
        ranking = 0
        for hour in range(hours):
            snapshots, entries, rankings = [], [], []
            for chart_id in range(1, len(codes) + 1):
                ranking += 1
                rankings.append((ranking, ranking.to_bytes(16, "big"), depth))
                picked = rng.sample(range(1, apps + 1), depth)
                entries.extend((ranking, rank, app) for rank, app in enumerate(picked, start=1))
                at = START + hour * 3600 + chart_id
                snapshots.append((chart_id, at, depth, depth, ranking))
            conn.executemany("INSERT INTO ranking (id, digest, size) VALUES (?, ?, ?)", rankings)
            conn.executemany(
                "INSERT INTO ranking_entry (ranking_id, rank, app_id) VALUES (?, ?, ?)", entries
            )
            conn.executemany(
                "INSERT INTO snapshot (chart_id, captured_at, depth_requested, depth_returned,"
                " ranking_id) VALUES (?, ?, ?, ?, ?)",
                snapshots,
            )
    conn.close()
    return countries * hours * depth
