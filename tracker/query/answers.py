"""The answers of `history`, `movers`, `compare`, `leaders` and `stats`, from their options.

One function per question takes the options as text (as typed on the command line or given as
web query parameters), checks them, resolves the apps, runs the query and returns an answer
whose `json()` is exactly what the command prints with `--json` and what the web API serves.
The command formats the same answer as a table or CSV. A bad value is a UsageError naming its
parameter; nothing stored to answer with is NothingStored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from tracker.config.aliases import AppAlias
from tracker.errors import NothingStored, UsageError
from tracker.models import RankSeries
from tracker.query import history as query
from tracker.query import output as out
from tracker.query.apps import AppRef, resolve_app, resolve_apps
from tracker.query.compare import Comparison
from tracker.query.movers import Movers
from tracker.query.output import iso
from tracker.query.params import chart_selection, duration, instant, positive, reference
from tracker.query.stats import CountryStats

Aliases = Mapping[str, AppAlias]


def app_ref(engine: Engine, aliases: Aliases, name: str, param: str = "app") -> AppRef:
    """`resolve_app`, its UsageError naming the parameter that named the app."""
    try:
        return resolve_app(engine, aliases, name)
    except UsageError as exc:
        raise UsageError(str(exc), param=param) from None


def app_refs(engine: Engine, aliases: Aliases, names: Sequence[str]) -> list[AppRef]:
    try:
        return resolve_apps(engine, aliases, names)
    except UsageError as exc:
        raise UsageError(str(exc), param="app") from None


@dataclass(frozen=True, slots=True)
class HistoryAnswer:
    refs: list[AppRef]
    series: list[RankSeries]
    every: str

    def json(self) -> list[dict[str, Any]]:
        return [out.series_json(s) for s in self.series]

    def points(self) -> int:
        return sum(len(s.ranks) for s in self.series)


def history(
    engine: Engine,
    aliases: Aliases,
    apps: Sequence[str],
    *,
    country: Sequence[str] | None = None,
    chart: str = "top-free",
    source: str | None = None,
    category: str = "all",
    device: str = "iphone",
    since: str | None = None,
    until: str | None = None,
    every: str = "1h",
) -> HistoryAnswer:
    """Each app's rank over time in each country's chart, by `every`-long bucket."""
    refs = app_refs(engine, aliases, apps)
    if not refs:
        raise UsageError(
            "name at least one app (a store id, an alias or part of a name)", param="app"
        )
    series = query.history(
        engine,
        [r.app_id for r in refs],
        chart_selection(chart, source, category, device, country),
        since=instant(since, "--since"),
        until=instant(until, "--until"),
        every=duration(every, "--every"),
    )
    if not series:
        raise NothingStored(f"no stored snapshot of {chart} matches the countries and time range")
    return HistoryAnswer(refs, series, every)


@dataclass(frozen=True, slots=True)
class MoversAnswer:
    result: Movers

    def json(self) -> dict[str, Any]:
        return out.movers_json(self.result)


def movers(
    engine: Engine,
    *,
    country: str = "us",
    chart: str = "top-free",
    source: str | None = None,
    category: str = "all",
    device: str = "iphone",
    since: str = "24h",
    limit: int = 10,
) -> MoversAnswer:
    """The gainers, losers, new entries and drop-outs of one chart since the snapshot nearest
    `since` (an age, or an ISO time) before the latest."""
    positive(limit, "--limit")
    result = query.movers(
        engine,
        chart_selection(chart, source, category, device, country=country),
        since=reference(since, "--since"),
        limit=limit,
    )
    return MoversAnswer(result)


@dataclass(frozen=True, slots=True)
class CompareAnswer:
    a: AppRef
    b: AppRef
    results: list[Comparison]

    def json(self) -> dict[str, Any]:
        return out.compare_json(self.a, self.b, self.results)


def compare(
    engine: Engine,
    aliases: Aliases,
    app_a: str,
    app_b: str,
    *,
    country: Sequence[str] | None = None,
    chart: str = "top-free",
    source: str | None = None,
    category: str = "all",
    device: str = "iphone",
) -> CompareAnswer:
    """Per country, which of two apps leads now, and every overtake."""
    a, b = app_ref(engine, aliases, app_a), app_ref(engine, aliases, app_b)
    results = query.compare(
        engine, a.app_id, b.app_id, chart_selection(chart, source, category, device, country)
    )
    if not results:
        raise NothingStored(f"no stored snapshot of {chart} in the selected countries")
    return CompareAnswer(a, b, results)


@dataclass(frozen=True, slots=True)
class LeadersAnswer:
    ref: AppRef
    rank: int
    at: datetime | None
    found: list[tuple[str, int, datetime]]
    with_data: list[str]

    def rows(self) -> list[dict[str, Any]]:
        return [{"country": c, "rank": r, "captured_at": iso(t)} for c, r, t in self.found]

    def summary(self) -> str:
        what = "#1" if self.rank == 1 else f"top {self.rank}"
        plural = "country" if len(self.found) == 1 else "countries"
        return (
            f"{self.ref.name}: {what} in {len(self.found)} {plural} "
            f"(of {len(self.with_data)} with data)"
        )

    def json(self) -> dict[str, Any]:
        return {
            **out.ref_json(self.ref),
            "rank": self.rank,
            "at": iso(self.at),
            "count": len(self.found),
            "countries_with_data": len(self.with_data),
            "countries": self.rows(),
        }


def leaders(
    engine: Engine,
    aliases: Aliases,
    app: str,
    *,
    rank: int = 1,
    at: str | None = None,
    chart: str = "top-free",
    source: str | None = None,
    category: str = "all",
    device: str = "iphone",
) -> LeadersAnswer:
    """The countries where `app` held rank `rank` or better at `at` (default: each country's
    latest snapshot)."""
    positive(rank, "--rank")
    ref = app_ref(engine, aliases, app)
    when = instant(at, "--at")
    selection = chart_selection(chart, source, category, device)
    found = query.leaders(engine, ref.app_id, selection, rank=rank, at=when)
    with_data = query.countries_with_data(engine, selection, at=when)
    if not with_data:
        raise NothingStored(f"no stored snapshot of {chart} at that time")
    return LeadersAnswer(ref, rank, when, list(found), list(with_data))


@dataclass(frozen=True, slots=True)
class StatsAnswer:
    ref: AppRef
    chart: str
    results: list[CountryStats]

    def rows(self) -> list[dict[str, Any]]:
        return out.stats_rows(self.results)

    def json(self) -> dict[str, Any]:
        return {**out.ref_json(self.ref), "chart": self.chart, "countries": self.rows()}


def stats(
    engine: Engine,
    aliases: Aliases,
    app: str,
    *,
    country: Sequence[str] | None = None,
    chart: str = "top-free",
    source: str | None = None,
    category: str = "all",
    device: str = "iphone",
) -> StatsAnswer:
    """`app`'s best rank and when, first and last seen, hours at #1 and in the top 10, per
    country."""
    ref = app_ref(engine, aliases, app)
    results = query.stats(
        engine, ref.app_id, chart_selection(chart, source, category, device, country)
    )
    if not results:
        raise NothingStored(f"{ref.name} was never in a stored {chart} chart")
    if all(s.state == "no_data" for s in results):  # nothing to show, as for the other readers
        raise NothingStored(f"no stored snapshot of {chart} in the selected countries")
    return StatsAnswer(ref, chart, list(results))
