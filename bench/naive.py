"""The naive fetch loop the cycle benchmark compares CPU against (run as a child process).

httpx + json + sqlite3, the way a first script would do it: one chart after another with one
`httpx.Client`, `json.loads`, one row per rank with the app's name, a commit per chart. Prints
the CPU seconds of the loop alone (imports excluded) and the charts stored.

With `--httpx-only`, the other floor: httpx's AsyncClient alone fetching the same charts at the
cycle's concurrency, bodies read and dropped (what the product's fixed HTTP library costs).

    python -m bench.naive BASE_URL DB_PATH
    python -m bench.naive --httpx-only BASE_URL CONCURRENCY
"""

from __future__ import annotations

import asyncio
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


async def httpx_only(base: str, concurrency: int) -> tuple[float, int]:
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(timeout=10, limits=limits) as client:

        async def one(url: str) -> None:
            async with gate:
                response = await client.get(url)
                response.raise_for_status()

        all_urls = urls(base)
        started = time.process_time()
        await asyncio.gather(*(one(url) for url in all_urls))
        return time.process_time() - started, len(all_urls)


def main() -> None:
    if sys.argv[1] == "--httpx-only":
        cpu, charts = asyncio.run(httpx_only(sys.argv[2], int(sys.argv[3])))
        print(cpu, charts)
        return
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
