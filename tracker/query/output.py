"""Query results as output: JSON objects, CSV/table rows, and the plain history table.

States print the same way everywhere: a rank number; "-" not in chart (the chart was fetched
and the app was below the depth returned); blank (CSV, table) or null (JSON) no data (nothing
fetched then). JSON and CSV carry the state too: ranked, not_in_chart or no_data. App names in
CSV are formula-neutralised as in `apprank export`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TextIO

from tracker.models import NOT_IN_CHART, rank_state
from tracker.text.cells import neutralise
from tracker.timeutil import from_epoch, isoformat_z

if TYPE_CHECKING:  # types only: `apprank top` uses these helpers without NumPy or the queries
    from tracker.models import ChartKey, RankSeries
    from tracker.query.apps import AppRef
    from tracker.query.compare import Comparison
    from tracker.query.movers import Move, Movers
    from tracker.query.stats import CountryStats

STATE_LEGEND = '"-" = not in chart (below the depth returned), blank = no data'
HISTORY_CSV = ["app_id", "app_name", "source", "country", "chart", "at", "rank", "state"]
MOVER_COLUMNS = ["move", "rank", "previous", "change", "app_id", "name", "developer"]
COMPARE_COLUMNS = ["country", "at", "event", "ahead", "rank_a", "rank_b"]
STATS_COLUMNS = [
    "country",
    "state",
    "best_rank",
    "best_at",
    "first_seen",
    "last_seen",
    "hours_at_1",
    "hours_top_10",
    "snapshots",
]
STATS_HEADERS = {
    "best_rank": "best",
    "best_at": "best at",
    "first_seen": "first seen",
    "last_seen": "last seen",
    "hours_at_1": "h at #1",
    "hours_top_10": "h top 10",
}


def rank_cell(value: int) -> str:
    """A bucket value: the rank, "-" (not in chart) or "" (no data)."""
    if value >= 1:
        return str(value)
    return "-" if value == NOT_IN_CHART else ""


def opt_rank(value: int | None) -> str:
    """A rank read from a stored snapshot, or "-" where the app was not in it."""
    return "-" if value is None else str(value)


def signed(change: int | None) -> str:
    """A move in places as CSV and tables print it: "+3" up, "-2" down, "0", "" unknown."""
    return "" if change is None else f"{change:+d}" if change else "0"


def iso(value: datetime | None) -> str | None:
    return None if value is None else isoformat_z(value)


def key_json(key: ChartKey) -> dict[str, str]:
    return {
        "source": key.source,
        "country": key.country,
        "chart": key.chart,
        "category": key.category,
        "device": key.device,
    }


def ref_json(ref: AppRef) -> dict[str, Any]:
    return {"app_id": ref.app_id, "name": ref.name, "developer": ref.developer}


def chart_title(key: ChartKey) -> str:
    """The chart without its country: "apple top-free" (plus genre/device when not default)."""
    return " ".join(p for i, p in enumerate(key.label().split(" ")) if i != 1)


def series_json(s: RankSeries) -> dict[str, Any]:
    # A year of hours is 8,760 points a series: the times are written once for every series
    # on the same grid, and only the points without a rank ask for their state.
    count = len(s.starts)
    stamps = _stamps(int(s.starts[0]), int(s.bucket.total_seconds()), count) if count else ()
    points = [
        {"at": at, "rank": v, "state": "ranked"}
        if v >= 1
        else {"at": at, "rank": None, "state": rank_state(v)}
        for at, v in zip(stamps, s.ranks.tolist(), strict=True)
    ]
    return {
        "app_id": s.app_id,
        "app_name": s.app_name,
        "developer": s.developer,
        **key_json(s.key),
        "every_seconds": int(s.bucket.total_seconds()),
        "depth": s.depth,
        "simulated": s.simulated,
        "points": points,
    }


@lru_cache(maxsize=4)  # a few grids: a request's series share one
def _stamps(start: int, step: int, count: int) -> tuple[str, ...]:
    """The ISO times of a grid's bucket starts."""
    return tuple(isoformat_z(from_epoch(start + i * step)) for i in range(count))


def write_history_csv(series: Sequence[RankSeries], out: TextIO) -> None:
    """Long CSV, streamed: one row per series and bucket; rank empty unless ranked."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HISTORY_CSV)
    for s in series:
        times = [isoformat_z(t) for t in s.times()]
        head = [s.app_id, neutralise(s.app_name), s.key.source, s.key.country, s.key.chart]
        for i, value in enumerate(s.ranks.tolist()):
            rank = value if value >= 1 else ""
            writer.writerow([*head, times[i], rank, s.state_at(i)])


def write_history_table(
    series: Sequence[RankSeries], refs: Sequence[AppRef], every: str, out: TextIO
) -> None:
    """A plain aligned table, a row per bucket and a column per series (rich is far too slow
    for a year of hours)."""
    from tracker.query.stores import labelled

    labels = short_names(refs)
    sources = [s.key.source for s in series]
    header = [
        "at",
        *[
            f"{labelled(labels.get(s.app_id, s.app_id), s.key.source, sources)} {s.key.country}"
            for s in series
        ],
    ]
    widths = [20, *[max(len(h), 3) for h in header[1:]]]
    simulated = ", SIMULATED data" if any(s.simulated for s in series) else ""
    title = " / ".join(dict.fromkeys(chart_title(s.key) for s in series))
    out.write(f"{title}, best rank per {every} (UTC){simulated}\n")
    out.write(_line(header, widths) + "\n")
    columns = [s.ranks.tolist() for s in series]
    for i, at in enumerate(series[0].times()):
        cells = [isoformat_z(at), *[rank_cell(values[i]) for values in columns]]
        out.write(_line(cells, widths) + "\n")
    out.write(STATE_LEGEND + "\n")


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
    return "  ".join([cells[0].ljust(widths[0]), *rest]).rstrip()


def short_names(refs: Sequence[AppRef]) -> dict[str, str]:
    """A label per app: the first word of its name, or its id when two apps of one store
    share that word (one app in two stores keeps its word: its store tells them apart)."""
    words = {r.app_id: (r.name.split() or [r.app_id])[0][:16] for r in refs}
    counts = [(words[r.app_id], r.store) for r in refs]
    return {
        r.app_id: words[r.app_id] if counts.count((words[r.app_id], r.store)) == 1 else r.app_id
        for r in refs
    }


def movers_json(result: Movers) -> dict[str, Any]:
    def moves(items: list[Move]) -> list[dict[str, Any]]:
        return [
            {
                "app_id": m.app_id,
                "name": m.name,
                "developer": m.developer,
                "rank": m.rank,
                "previous": m.previous,
                "change": m.change,
            }
            for m in items
        ]

    return {
        **key_json(result.key),
        "from": isoformat_z(result.from_at),
        "to": isoformat_z(result.to_at),
        "gainers": moves(result.gainers),
        "losers": moves(result.losers),
        "new": moves(result.entered),
        "dropped": moves(result.dropped),
    }


def movers_rows(result: Movers) -> list[dict[str, Any]]:
    """up / down / new / out rows; "-" marks the snapshot the app was not in.

    Names are left as they are: `emit` neutralises the name columns of CSV output."""
    groups = [
        ("up", result.gainers),
        ("down", result.losers),
        ("new", result.entered),
        ("out", result.dropped),
    ]
    return [
        {
            "move": kind,
            "rank": opt_rank(m.rank),
            "previous": opt_rank(m.previous),
            "change": signed(m.change),
            "app_id": m.app_id,
            "name": m.name,
            "developer": m.developer or "",
        }
        for kind, moves in groups
        for m in moves
    ]


def compare_json(a: AppRef, b: AppRef, results: Sequence[Comparison]) -> dict[str, Any]:
    return {
        "a": ref_json(a),
        "b": ref_json(b),
        "countries": [
            {
                **key_json(c.key),
                "at": isoformat_z(c.at),
                "rank_a": c.rank_a,
                "rank_b": c.rank_b,
                "ahead": c.leader,
                "overtakes": [
                    {
                        "at": isoformat_z(o.at),
                        "ahead": o.leader,
                        "rank_a": o.rank_a,
                        "rank_b": o.rank_b,
                    }
                    for o in c.overtakes
                ],
            }
            for c in results
        ],
    }


def compare_rows(
    a: AppRef, b: AppRef, results: Sequence[Comparison], *, for_csv: bool
) -> list[dict[str, Any]]:
    """Per country: each overtake in time order, then where they stand now ("now"). `ahead` is
    the leader's app id in CSV, its short name in a table."""
    labels = {a.app_id: a.app_id, b.app_id: b.app_id} if for_csv else short_names([a, b])
    rows = []
    for c in results:
        events: list[tuple[str, datetime, str | None, int | None, int | None]] = [
            ("overtook", o.at, o.leader, o.rank_a, o.rank_b) for o in c.overtakes
        ]
        events.append(("now", c.at, c.leader, c.rank_a, c.rank_b))
        for event, at, leader, rank_a, rank_b in events:
            rows.append(
                {
                    "country": c.key.country,
                    "at": isoformat_z(at),
                    "event": event,
                    "ahead": labels[leader] if leader else "",
                    "rank_a": opt_rank(rank_a),
                    "rank_b": opt_rank(rank_b),
                }
            )
    return rows


def stats_rows(results: Sequence[CountryStats]) -> list[dict[str, Any]]:
    return [
        {
            "country": s.country,
            "state": s.state,
            "best_rank": s.best_rank,
            "best_at": iso(s.best_at),
            "first_seen": iso(s.first_seen),
            "last_seen": iso(s.last_seen),
            "hours_at_1": s.hours_at_1,
            "hours_top_10": s.hours_top_10,
            "snapshots": s.snapshots,
        }
        for s in results
    ]


def wide_cells(series: Sequence[RankSeries], by: str) -> Iterator[list[Any]]:
    """One app's series pivoted: the header, then rows. Cells: the rank, "-" (not in chart) or
    None (no data). by="country": a row per bucket, a column per country; by="time": a row
    per country, a column per bucket (series share one grid, as `history` returns them).
    When any series drew on simulated snapshots, a last `simulated` column says so (true on
    every row by country; per country by time); real data keeps its shape."""
    if by not in ("country", "time"):
        raise ValueError(f"pivot by country or time, not {by!r}")
    if not series:
        return
    starts = [isoformat_z(from_epoch(int(s))) for s in series[0].starts]
    columns = [s.ranks.tolist() for s in series]
    flagged = any(s.simulated for s in series)
    extra = ["simulated"] if flagged else []
    if by == "country":
        yield ["at", *[s.key.country for s in series], *extra]
        for i, at in enumerate(starts):
            yield [at, *[_wide_cell(values[i]) for values in columns], *([True] if flagged else [])]
    else:
        yield ["country", *starts, *extra]
        for s, values in zip(series, columns, strict=True):
            flag = [s.simulated] if flagged else []
            yield [s.key.country, *[_wide_cell(v) for v in values], *flag]


def _wide_cell(value: int) -> int | str | None:
    """The history encoding: the rank, "-" for not in chart, None (empty, null) for no data."""
    return value if value >= 1 else rank_cell(value) or None


def json_bytes(value: Any, *, indent: bool = False) -> bytes:
    """`value` as the JSON every command (`--json`) and the web API print: orjson, times in
    UTC with Z, enums by their value; `indent`: two spaces, as a command prints it."""
    import orjson

    option = orjson.OPT_UTC_Z | (orjson.OPT_INDENT_2 if indent else 0)
    return orjson.dumps(value, default=_json_default, option=option)


def _json_default(value: Any) -> Any:
    from enum import Enum

    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"cannot serialise {type(value).__name__}")
