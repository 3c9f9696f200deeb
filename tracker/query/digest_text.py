"""A digest as short lines for a phone: one heading per kind of news, one line per item, each
with its numbers (ranks before and after, places, counts, times). Empty kinds are left out.

    apprank digest · top-free · 25 Jan 08:00 -> 26 Jan 08:00 UTC · 3 countries
    New #1:
      US: DeepSeek #1 (was #3), took it from ChatGPT (now #2) · 26 Jan 07:00 UTC
    Into the top 10:
      GB: DeepSeek #4 (was not in chart)
    ...
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.query.digest import Digest, Place


def when(value: datetime) -> str:
    """ "26 Jan 07:00 UTC": the time as an alert message gives it."""
    return value.strftime("%d %b %H:%M UTC")


def _rank(rank: int | None) -> str:
    return "not in chart" if rank is None else f"#{rank}"


def _countries(codes: Sequence[str], limit: int = 8) -> str:
    """ "(GB, US)", at most `limit` codes and how many more."""
    if not codes:
        return ""
    shown = ", ".join(c.upper() for c in codes[:limit])
    more = f" +{len(codes) - limit}" if len(codes) > limit else ""
    return f" ({shown}{more})"


def _place(p: Place) -> str:
    return f"  {p.country.upper()}: {p.name} {_rank(p.after)} (was {_rank(p.before)})"


def _move(p: Place) -> str:
    return f"  {p.country.upper()}: {p.name} #{p.before} -> #{p.after} ({p.change:+d})"


def digest_lines(d: Digest) -> list[str]:
    """The digest as text lines (no trailing newlines)."""
    plural = "country" if len(d.countries) == 1 else "countries"
    out = [
        f"apprank digest · {d.chart} · {when(d.since)} -> {when(d.until)} · "
        f"{len(d.countries)} {plural}"
    ]
    if d.new_leaders:
        out.append("New #1:")
        out += [
            f"  {x.country.upper()}: {x.name} #1 (was {_rank(x.was)}), took it from "
            f"{x.lost_name} (now {_rank(x.lost_now)}) · {when(x.at)}"
            for x in d.new_leaders
        ]
    sections = (
        (f"Into the top {d.top}:", d.entered, _place),
        (f"Out of the top {d.top}:", d.left, _place),
        ("Biggest climbs:", d.climbs, _move),
        ("Biggest drops:", d.drops, _move),
    )
    for title, items, line in sections:
        if items:
            out.append(title)
            out += [line(p) for p in items]
    counts = [c for c in d.leaders if c.now or c.then]
    if counts:
        out.append("#1 countries (now vs start):")
        out += [
            f"  {c.name}: {len(c.now)} now{_countries(c.now)}, "
            f"{len(c.then)} at start{_countries(c.then)}"
            for c in counts
        ]
    if d.failures:
        out.append("Failed fetches:")
        out += [
            f"  {f.key.label()}: {f.count} failed, last {when(f.last_at)} {f.outcome}"
            + (f": {f.error}" if f.error else "")
            for f in d.failures
        ]
    if len(out) == 1:
        out.append("Nothing changed for " + ", ".join(r.name for r in d.apps) + ".")
    return out
