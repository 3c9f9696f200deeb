"""The naive fetch loop the cycle benchmark compares CPU against (run as a child process).

httpx + json + sqlite3, the way a first script would do it: one chart after another with one
`httpx.Client`, `json.loads`, one row per rank with the app's name, a commit per chart. Prints
the CPU seconds of the loop alone (imports excluded) and the charts stored.

    python -m bench.naive BASE_URL DB_PATH
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time

import httpx

from tracker.storefronts import STOREFRONTS


def urls(base: str) -> list[str]:
    v2 = [
        f"{base}/api/v2/{cc}/apps/{chart}/100/apps.json"
        for cc in STOREFRONTS
        for chart in ("top-free", "top-paid")
    ]
    legacy = [f"{base}/{cc}/rss/topgrossingapplications/limit=100/json" for cc in STOREFRONTS]
    return v2 + legacy


def rows(data: dict, legacy: bool) -> list[tuple[int, str, str]]:
    if legacy:
        return [
            (rank, e["id"]["attributes"]["im:id"], e["im:name"]["label"])
            for rank, e in enumerate(data["feed"]["entry"], start=1)
        ]
    return [(rank, r["id"], r["name"]) for rank, r in enumerate(data["feed"]["results"], start=1)]


def main() -> None:
    base, path = sys.argv[1], sys.argv[2]
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE rank (chart TEXT, fetched_at REAL, rank INT, app TEXT, name TEXT)")
    charts = 0
    started = time.process_time()
    with httpx.Client(timeout=10) as client:
        for url in urls(base):
            response = client.get(url)
            response.raise_for_status()
            data = json.loads(response.content)
            now = time.time()
            db.executemany(
                "INSERT INTO rank VALUES (?, ?, ?, ?, ?)",
                [(url, now, *row) for row in rows(data, "/rss/" in url)],
            )
            db.commit()
            charts += 1
    print(time.process_time() - started, charts)


if __name__ == "__main__":
    main()
