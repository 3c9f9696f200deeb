"""What the demo tells of its history: when the protagonist first reached #1 in the US, its
widest #1 reach, and how far it got on Google Play, read back from the store."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import Engine

from tracker.config.selection import ChartSelection
from tracker.query.history import first_time_at_rank, history


@dataclass(frozen=True, slots=True)
class PlaySummary:
    """The same app's climb on Google Play: its best US rank, and its widest top-10 reach."""

    best_rank_us: int | None
    best_at_us: datetime | None
    top10_countries: int
    top10_at: datetime | None


@dataclass(frozen=True, slots=True)
class StorySummary:
    first_number_one_us: datetime | None
    peak_countries: int
    peak_at: datetime | None
    play: PlaySummary | None = None


PLAY = ChartSelection(source="googleplay", device="phone")


def summarize(engine: Engine, app_id: str, play_id: str | None = None) -> StorySummary:
    """When the app first reached #1 in the US, and its widest #1 reach; with `play_id`, how
    far it got on Google Play. Read from the store."""
    first = first_time_at_rank(engine, app_id, ChartSelection(countries=("us",)), 1)
    peak, peak_at = _widest(engine, app_id, ChartSelection(), 1)
    play = None
    if play_id is not None:
        in_us = dataclasses.replace(PLAY, countries=("us",))
        us = history(engine, [play_id], in_us, every=timedelta(hours=1))
        best = us[0].best() if us else None
        best_at = us[0].times()[us[0].ranks.tolist().index(best)] if us and best else None
        top10, top10_at = _widest(engine, play_id, PLAY, 10)
        play = PlaySummary(best, best_at, top10, top10_at)
    return StorySummary(first, peak, peak_at, play)


def _widest(
    engine: Engine, app_id: str, selection: ChartSelection, rank: int
) -> tuple[int, datetime | None]:
    """The most countries where the app ranked <= `rank` in one hour, and the first such hour."""
    series = history(engine, [app_id], selection, every=timedelta(hours=1))
    if not series:
        return 0, None
    ranks = np.stack([s.ranks for s in series])
    counts = np.sum((ranks >= 1) & (ranks <= rank), axis=0)
    widest = int(counts.max())
    return widest, series[0].times()[int(counts.argmax())] if widest else None
