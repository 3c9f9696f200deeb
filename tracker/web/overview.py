"""What `/` and `/chart/{source}/{country}/{chart}` show.

`/`: what happened lately: each tracked chart's #1 by country, the biggest movers of one chart,
the alerts fired, and the daemon's health and last cycle. `/chart/...`: one chart as it stood
at a time, with each app's move since the snapshot before. Each figure comes from the function
the matching command uses (`top`, `movers`, `status`, `alerts list`, `health`'s heartbeat).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from charts.names import chart_name, country_name
from tracker.alerts.listing import recent_events
from tracker.errors import NothingStored
from tracker.models import ChartKey
from tracker.query import answers
from tracker.query.current import status_rows, top_key
from tracker.query.leaders import countries_with_data
from tracker.query.movers import NothingToCompare
from tracker.query.params import chart_selection, instant
from tracker.store.daemon_state import describe_heartbeat, latest_heartbeat, recent_cycles
from tracker.store.reads import NumberOne, TopChart, latest_chart, number_ones

# How much of each list the home page shows.
MOVERS = 5
ALERTS = 10
FAILING = 10


@dataclass(frozen=True, slots=True)
class Column:
    """One chart of the #1 table (source, kind, genre, device), every country in its row."""

    source: str
    chart: str
    category: str
    device: str

    def key(self, country: str) -> ChartKey:
        return ChartKey(self.source, country, self.chart, self.category, self.device)

    def title(self) -> str:
        return chart_name(self.key("us"))


def home(
    engine: Engine,
    tracked: Sequence[ChartKey],
    *,
    country: str | None,
    chart: str,
    now: datetime,
) -> dict[str, Any]:
    """The home page: `tracked` are the configured charts (none: every stored country of
    `chart` from its usual source); the movers are `chart`'s in `country` (default: the US
    when tracked, else the first tracked country)."""
    keys = list(tracked) or _stored_keys(engine, chart)
    ones = number_ones(engine, keys)
    columns = list(dict.fromkeys(Column(k.source, k.chart, k.category, k.device) for k in keys))
    countries = sorted({k.country for k in keys})
    mover_country = country or ("us" if "us" in countries else (countries or ["us"])[0])
    heartbeat = latest_heartbeat(engine)
    cycles = recent_cycles(engine, 1)
    status = status_rows(engine, tracked, now) if tracked else []
    return {
        "columns": columns,
        "leaders": _leader_rows(keys, ones, columns, countries),
        "movers": _movers(engine, mover_country, chart),
        "mover_country": mover_country,
        "mover_chart": chart,
        "countries": [(c, country_name(c)) for c in countries],
        "alerts": [event for event, _ in recent_events(engine, limit=ALERTS)],
        "daemon": describe_heartbeat(heartbeat, now),
        "daemon_alive": heartbeat is not None and heartbeat.alive(now),
        "last_cycle": cycles[0].describe(now) if cycles else None,
        "failing": [row for row in status if row["failing_since"]][:FAILING],
        "tracked": len(tracked),
        "simulated": any(one.simulated for one in ones),
    }


def _stored_keys(engine: Engine, chart: str) -> list[ChartKey]:
    """Every stored country of `chart` from its usual source, when nothing is tracked."""
    selection = chart_selection(chart, None, "all", "iphone")
    return [
        top_key(country, chart, None, "all", "iphone")
        for country in countries_with_data(engine, selection)
    ]


def _leader_rows(
    keys: Sequence[ChartKey],
    ones: Sequence[NumberOne],
    columns: Sequence[Column],
    countries: Sequence[str],
) -> list[tuple[str, str, list[tuple[str, NumberOne | None]]]]:
    """(code, name, per column: (state, #1)) where state is "ranked", "no_data" (tracked, no
    snapshot yet) or "untracked"."""
    found = {one.key: one for one in ones}
    wanted = set(keys)
    rows = []
    for country in countries:
        cells: list[tuple[str, NumberOne | None]] = []
        for column in columns:
            key = column.key(country)
            one = found.get(key)
            state = "ranked" if one else ("no_data" if key in wanted else "untracked")
            cells.append((state, one))
        rows.append((country, country_name(country), cells))
    return rows


def _movers(engine: Engine, country: str, chart: str) -> dict[str, Any]:
    """The movers of `chart` in `country` over the last 24 hours of its snapshots, or why
    there are none yet."""
    try:
        found = answers.movers(engine, country=country, chart=chart, since="24h", limit=MOVERS)
    except NothingToCompare as exc:
        return {"result": None, "why": str(exc)}
    return {"result": found.result, "why": None}


def chart_at(
    engine: Engine,
    source: str,
    country: str,
    chart: str,
    *,
    category: str,
    device: str,
    at: str | None,
) -> dict[str, Any]:
    """One chart as it stood at `at` (an ISO time or an age; None: its latest snapshot), with
    each app's move since the snapshot before and the times of its neighbours."""
    key = top_key(country, chart, source, category, device)
    when = instant(at, "at") if at else None
    found: TopChart | None = latest_chart(engine, key, at=when)
    if found is None:
        moment = f" at or before {at}" if at else ""
        raise NothingStored(f"no stored snapshot of {key.label()}{moment}")
    return {
        "key": key,
        "title": f"{chart_name(key)} · {country_name(key.country)}",
        "chart": found,
        "asked": at,
        "simulated": found.simulated,
    }
