"""RankSeries as plain values, to compare series whatever holds their ranks: an `array` from the
plain-Python join or a NumPy array from the NumPy one (`==` on NumPy arrays is elementwise)."""

from __future__ import annotations

from tracker.models import RankSeries


def plain(series: list[RankSeries]) -> list[tuple[object, ...]]:
    return [
        (s.app_id, s.app_name, s.developer, s.key, s.bucket, s.starts.tolist(), s.ranks.tolist(),
         s.depth, s.simulated)
        for s in series
    ]  # fmt: skip
