"""Compression bombs: `apprank fetch` of 8 charts answering 1 GiB gzip bombs stays small.

The bomb is 1,827 bytes: 1 GiB of zeros gzipped twice (`Content-Encoding: gzip, gzip`); the same
bytes decoded once are a 1 MB body that plain gzip expands to 1 GiB. The fetch runs in a child of
a fresh Python process, so that process's RUSAGE_CHILDREN peak is the fetch's alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

from tests.conftest import FeedServer, real_fixture

BOMB = (Path(__file__).parents[1] / "fixtures" / "bombs" / "gzip-gzip-1gib.bin").read_bytes()
COUNTRIES = ["us", "gb", "it", "fr", "jp", "cn", "kr", "br"]
STACKED = COUNTRIES[:4]

# Runs its argv as a child and prints the child's exit code, output and peak RSS.
PROBE = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
run = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({
    "code": run.returncode, "stdout": run.stdout, "stderr": run.stderr,
    "seconds": time.perf_counter() - started,
    "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""


def test_eight_gzip_bombs_at_default_concurrency_stay_under_200_mb(
    write_config, feed_server: FeedServer
) -> None:
    once = zlib.decompress(BOMB, wbits=31)
    assert len(BOMB) == 1827 and len(once) > 1_000_000
    for country in COUNTRIES:
        stacked = country in STACKED
        feed_server.serve(
            f"/api/v2/{country}/apps/top-free/100/apps.json",
            BOMB if stacked else once,
            **{"Content-Encoding": "gzip, gzip" if stacked else "gzip"},
        )
    # A healthy chart fetched alongside: decoding the bombs must not starve it into a timeout.
    feed_server.serve(
        "/api/v2/de/apps/top-free/100/apps.json",
        real_fixture("v2-de-top-free-100-2026-08-03.json"),
    )
    config = write_config(
        f"""
[http]
retries = 0
[sources.apple]
base_url = "{feed_server.base_url}"
[[track]]
name = "bombs"
countries = {json.dumps([*COUNTRIES, "de"])}
charts = ["top-free"]
"""
    )
    env = {k: v for k, v in os.environ.items() if k != "APPRANK_CONFIG"}
    fetch = [sys.executable, "-m", "tracker", "fetch", "--config", str(config), "--json"]
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, *fetch],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    measured = json.loads(probe.stdout)
    print(f"peak RSS {measured['peak_mb']:.0f} MB, {measured['seconds']:.1f} s")
    assert measured["code"] == 1, measured["stderr"][-2000:]
    result = json.loads(measured["stdout"])
    outcomes = {c["country"]: (c["outcome"], c["error"]) for c in result["charts"]}
    base = feed_server.base_url
    for country in COUNTRIES:
        url = f"{base}/api/v2/{country}/apps/top-free/100/apps.json"
        if country in STACKED:
            expected = (
                "format",
                f"refused Content-Encoding 'gzip, gzip' from {url}: "
                "only one content coding is accepted",
            )
        else:
            expected = (
                "too_large",
                f"response exceeds the 10000000-byte cap once decoded (gzip): {url}",
            )
        assert outcomes[country] == expected
    assert outcomes["de"] == ("ok", None)
    assert (result["ok"], result["failed"]) == (1, 8)
    assert measured["peak_mb"] < 200
