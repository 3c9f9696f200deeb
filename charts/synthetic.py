"""Plausible rank histories made up from a seed, for the gallery, benchmarks and tests.

Each app has a home rank per country and wanders around it (a mean-reverting walk in log-rank
space, so moves near #1 are small and moves near #100 large); ranks in one chart never collide;
an app beyond the depth is "not in chart"; outages (no snapshot) hit one country or all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np

from tracker.models import NO_DATA, NOT_IN_CHART, ChartKey, RankSeries
from tracker.timeutil import to_epoch


def synthetic_history(
    apps: Sequence[tuple[str, str]],
    countries: Sequence[str],
    *,
    start: datetime,
    buckets: int,
    step: timedelta = timedelta(hours=1),
    depth: int = 100,
    seed: int = 0,
    chart: str = "top-free",
    source: str = "apple",
    outages: int = 3,
) -> list[RankSeries]:
    """One RankSeries per (app, country), app-major: apps are (app_id, name) pairs."""
    rng = np.random.default_rng(seed)
    seconds = int(step.total_seconds())
    starts = to_epoch(start) + seconds * np.arange(buckets, dtype=np.int64)
    hours = seconds / 3600
    out: dict[tuple[int, str], np.ndarray] = {}
    shared_gap = _gaps(rng, buckets, 1, hours)
    for country in countries:
        homes = rng.uniform(np.log(1.5), np.log(depth * 0.9), size=len(apps))
        homes[rng.integers(len(apps))] = np.log(rng.uniform(1.0, 3.0))
        # A mean-reverting walk per app, its home drifting slowly (launches, fading hits).
        drift = np.cumsum(rng.normal(0, 0.02 * np.sqrt(hours), (len(apps), buckets)), axis=1)
        walk = np.zeros((len(apps), buckets))
        noise = rng.normal(0, 0.12 * np.sqrt(hours), (len(apps), buckets))
        pull = min(1.0, 0.04 * hours)
        for t in range(1, buckets):
            walk[:, t] = walk[:, t - 1] * (1 - pull) + noise[:, t]
        raw = np.maximum(1, np.ceil(np.exp(homes[:, None] + drift + walk))).astype(np.int64)
        ranks = _distinct(raw)
        ranks = np.where(ranks > depth, NOT_IN_CHART, ranks)
        gap = shared_gap | _gaps(rng, buckets, outages, hours)
        ranks[:, gap] = NO_DATA
        for a in range(len(apps)):
            out[(a, country)] = ranks[a].astype(np.int16)
    return [
        RankSeries(
            app_id=app_id,
            app_name=name,
            developer=None,
            key=ChartKey(source, country, chart),
            bucket=step,
            starts=starts,
            ranks=out[(a, country)],
            depth=depth,
        )
        for a, (app_id, name) in enumerate(apps)
        for country in countries
    ]


def _distinct(raw: np.ndarray) -> np.ndarray:
    """Push colliding ranks apart (one app per rank at a time), keeping the apps' order."""
    order = np.argsort(raw, axis=0, kind="stable")
    ordered = np.take_along_axis(raw, order, axis=0)
    k = np.arange(raw.shape[0])[:, None]
    fixed = np.maximum.accumulate(ordered - k, axis=0) + k
    result = np.empty_like(raw)
    np.put_along_axis(result, order, fixed, axis=0)
    return result


def _gaps(rng: np.random.Generator, buckets: int, count: int, hours: float) -> np.ndarray:
    """A few outages of 3 to 30 hours each."""
    gap = np.zeros(buckets, dtype=bool)
    for _ in range(count):
        length = max(1, int(rng.uniform(3, 30) / hours))
        at = int(rng.integers(0, max(1, buckets - length)))
        gap[at : at + length] = True
    return gap
