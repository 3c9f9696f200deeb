"""The answers of `history`, `movers`, `compare`, `leaders` and `stats`, from their options.

One function per question takes the options as text (as typed on the command line or given as
web query parameters), checks them, resolves the apps, runs the query and returns an answer
whose `json()` is exactly what the command prints with `--json` and what the web API serves.
The command formats the same answer as a table or CSV. A bad value is a UsageError naming its
parameter; nothing stored to answer with is NothingStored.

`source` takes a list (`--source apple,googleplay`, tracker/query/stores.py): an `[apps]` alias
naming an id per store is then its app in each store; `history` puts every store's series on
one grid, and `compare`, `leaders` and `stats` answer once per store (tracker/query/across.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from tracker.config.aliases import AppAlias
from tracker.config.selection import ChartSelection
from tracker.errors import NothingStored, UsageError
from tracker.models import RankSeries
from tracker.query import history as query
from tracker.query import output as out
from tracker.query.across import Across, across, ref_in
from tracker.query.apps import AppRef, resolve_across, resolve_apps
from tracker.query.compare import Comparison
from tracker.query.movers import Movers
from tracker.query.output import iso
from tracker.query.params import chart_selection, duration, instant, positive, reference
from tracker.query.stats import CountryStats
from tracker.query.stores import by_store, selections, source_list, stores_of

Aliases = Mapping[str, AppAlias]
# One source ("googleplay"), several (["apple", "googleplay"] or "apple,googleplay"), or none.
Sources = str | Sequence[str] | None


def app_refs(
    engine: Engine,
    aliases: Aliases,
    names: Sequence[str],
    sources: Sequence[str] = (),
    param: str = "app",
) -> list[AppRef]:
    """The apps named, in the stores of `sources` (`resolve_across`; none: `resolve_apps`, as
    before several stores), its UsageError naming the parameter that named them."""
    try:
        if sources:
            return resolve_across(engine, aliases, names, stores_of(sources))
        return resolve_apps(engine, aliases, names)
    except UsageError as exc:
        raise UsageError(str(exc), param=param) from None


def one_source(source: str | None) -> list[str]:
    """The one source a one-answer question takes (none: the chart's usual one); several
    are a UsageError, since they answer once per store (the `*_across` questions)."""
    sources = source_list(source)
    if len(sources) > 1:
        raise UsageError(f"one source here, not {', '.join(sources)}", param="source")
    return sources


def app_ref(
    engine: Engine, aliases: Aliases, name: str, param: str = "app", source: str | None = None
) -> AppRef:
    """The one app `name` names (in `source`'s store when given; an alias: Apple's app first
    where it names both), its UsageError naming the parameter that named it."""
    return app_refs(engine, aliases, [name], [source] if source else (), param)[0]


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
    source: Sources = None,
    category: str = "all",
    device: str | None = None,
    since: str | None = None,
    until: str | None = None,
    every: str = "1h",
) -> HistoryAnswer:
    """Each app's rank over time in each country's chart, by `every`-long bucket; with
    several sources, each store's series on the same grid."""
    sources = source_list(source)
    chosen = selections(chart, sources, category, device, country)
    refs = app_refs(engine, aliases, apps, sources)
    if not refs:
        raise UsageError(
            "name at least one app (a store id, an alias or part of a name)", param="app"
        )
    series = query.history_across(
        engine,
        by_store(chosen, refs),
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
    device: str | None = None,
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
    device: str | None = None,
) -> CompareAnswer:
    """`compare_across` of at most one source: one answer."""
    answer = compare_across(
        engine,
        aliases,
        app_a,
        app_b,
        country=country,
        chart=chart,
        sources=one_source(source),
        category=category,
        device=device,
    )
    assert isinstance(answer, CompareAnswer)  # one source: its answer as it is
    return answer


def compare_across(
    engine: Engine,
    aliases: Aliases,
    app_a: str,
    app_b: str,
    *,
    country: Sequence[str] | None = None,
    chart: str = "top-free",
    sources: Sources = None,
    category: str = "all",
    device: str | None = None,
) -> CompareAnswer | Across[CompareAnswer]:
    """Per country, which of two apps leads now, and every overtake (per store, with several
    sources)."""
    sources = source_list(sources)
    chosen = selections(chart, sources, category, device, country)
    a_refs = app_refs(engine, aliases, [app_a], sources, "app_a")
    b_refs = app_refs(engine, aliases, [app_b], sources, "app_b")

    def answer(selection: ChartSelection) -> CompareAnswer:
        a, b = ref_in(a_refs, selection), ref_in(b_refs, selection)
        results = query.compare(engine, a.app_id, b.app_id, selection)
        if not results:
            raise NothingStored(f"no stored snapshot of {chart} in the selected countries")
        return CompareAnswer(a, b, results)

    return across(chosen, answer)


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
        return f"{self.ref.name}: {self.counted()}"

    def counted(self) -> str:
        """ "#1 in 2 countries (of 3 with data)"."""
        what = "#1" if self.rank == 1 else f"top {self.rank}"
        plural = "country" if len(self.found) == 1 else "countries"
        return f"{what} in {len(self.found)} {plural} (of {len(self.with_data)} with data)"

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
    device: str | None = None,
) -> LeadersAnswer:
    """`leaders_across` of at most one source: one answer."""
    answer = leaders_across(
        engine,
        aliases,
        app,
        rank=rank,
        at=at,
        chart=chart,
        sources=one_source(source),
        category=category,
        device=device,
    )
    assert isinstance(answer, LeadersAnswer)  # one source: its answer as it is
    return answer


def leaders_across(
    engine: Engine,
    aliases: Aliases,
    app: str,
    *,
    rank: int = 1,
    at: str | None = None,
    chart: str = "top-free",
    sources: Sources = None,
    category: str = "all",
    device: str | None = None,
) -> LeadersAnswer | Across[LeadersAnswer]:
    """The countries where `app` held rank `rank` or better at `at` (default: each country's
    latest snapshot); counted per store, with several sources."""
    positive(rank, "--rank")
    sources = source_list(sources)
    chosen = selections(chart, sources, category, device)
    refs = app_refs(engine, aliases, [app], sources)
    when = instant(at, "--at")

    def answer(selection: ChartSelection) -> LeadersAnswer:
        ref = ref_in(refs, selection)
        found = query.leaders(engine, ref.app_id, selection, rank=rank, at=when)
        with_data = query.countries_with_data(engine, selection, at=when)
        if not with_data:
            raise NothingStored(f"no stored snapshot of {chart} at that time")
        return LeadersAnswer(ref, rank, when, list(found), list(with_data))

    return across(chosen, answer)


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
    device: str | None = None,
) -> StatsAnswer:
    """`stats_across` of at most one source: one answer."""
    answer = stats_across(
        engine,
        aliases,
        app,
        country=country,
        chart=chart,
        sources=one_source(source),
        category=category,
        device=device,
    )
    assert isinstance(answer, StatsAnswer)  # one source: its answer as it is
    return answer


def stats_across(
    engine: Engine,
    aliases: Aliases,
    app: str,
    *,
    country: Sequence[str] | None = None,
    chart: str = "top-free",
    sources: Sources = None,
    category: str = "all",
    device: str | None = None,
) -> StatsAnswer | Across[StatsAnswer]:
    """`app`'s best rank and when, first and last seen, hours at #1 and in the top 10, per
    country (and per store, with several sources)."""
    sources = source_list(sources)
    chosen = selections(chart, sources, category, device, country)
    refs = app_refs(engine, aliases, [app], sources)

    def answer(selection: ChartSelection) -> StatsAnswer:
        ref = ref_in(refs, selection)
        results = query.stats(engine, ref.app_id, selection)
        if not results:
            raise NothingStored(f"{ref.name} was never in a stored {chart} chart")
        if all(s.state == "no_data" for s in results):  # nothing to show, as elsewhere
            raise NothingStored(f"no stored snapshot of {chart} in the selected countries")
        return StatsAnswer(ref, chart, list(results))

    return across(chosen, answer)
