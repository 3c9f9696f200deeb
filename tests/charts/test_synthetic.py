"""The made-up histories behind the gallery and the benchmark are valid rank series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from charts.synthetic import synthetic_history
from tracker.models import NO_DATA, NOT_IN_CHART

APPS = [("1", "Alpha"), ("2", "Beta"), ("3", "Gamma")]


def test_one_series_per_app_and_country_with_distinct_ranks() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    made = synthetic_history(APPS, ["us", "gb"], start=start, buckets=500, depth=20, seed=7)
    assert [(s.app_id, s.key.country) for s in made] == [
        (a, c) for a, _ in APPS for c in ("us", "gb")
    ]
    for s in made:
        assert s.starts[0] == int(start.timestamp()) and s.starts.size == 500
        assert s.bucket == timedelta(hours=1) and s.depth == 20
        assert s.ranks.min() >= NO_DATA and s.ranks.max() <= 20
    for country in ("us", "gb"):
        ranks = np.vstack([s.ranks for s in made if s.key.country == country])
        ranked = np.where(ranks >= 1, ranks, -np.arange(1, 4)[:, None] * 1000)
        assert all(len(set(col)) == 3 for col in ranked.T)  # never two apps at one rank
        assert ((ranks == NO_DATA).all(axis=0) | (ranks != NO_DATA).all(axis=0)).all()
    everything = np.concatenate([s.ranks for s in made])
    assert (everything == NOT_IN_CHART).any() and (everything == NO_DATA).any()


def test_same_seed_same_history() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    a = synthetic_history(APPS, ["us"], start=start, buckets=100, seed=3)
    b = synthetic_history(APPS, ["us"], start=start, buckets=100, seed=3)
    assert all(np.array_equal(x.ranks, y.ranks) for x, y in zip(a, b, strict=True))
