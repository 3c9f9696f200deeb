"""What `/app/{app}` shows: one app's rank over time across its countries, the "#1 in N
countries" count over time, per-country stats, and links to the same data as CSV and a picture.

Computed by the query layer's answers (`tracker/query/answers.py`), the functions behind
`apprank history` and `apprank stats` and the JSON API, so a page never disagrees with the
command line. The page's state is its query string (a GET form), so its URL can be shared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Engine

from charts.names import country_name
from tracker.config.aliases import AppAlias
from tracker.config.selection import default_source
from tracker.errors import NothingStored, UsageError
from tracker.models import RankSeries
from tracker.query import answers
from tracker.query.across import Across
from tracker.query.apps import AppRef
from tracker.query.params import duration
from tracker.query.stats import CountryStats
from tracker.query.stores import source_label
from tracker.store.snapshots import last_snapshot_at
from tracker.timeutil import from_epoch, isoformat_z, parse_duration
from tracker.web.svg import Line, colour, count_chart, rank_chart

# The window the chart shows, counted back from the latest snapshot of the app's charts (not
# from now: a paused tracker, or the demo's 2025 market, still shows its last month).
RANGES: dict[str, timedelta | None] = {
    "1d": timedelta(days=1),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
    "365d": timedelta(days=365),
    "all": None,
}
# Bucket sizes offered; "auto" takes the first that draws at most AUTO_BUCKETS points a line.
EVERY = ("1h", "3h", "6h", "12h", "1d", "7d")
AUTO_BUCKETS = 240
# A bucket size asked for that would draw more points than this is widened (and says so).
MAX_BUCKETS = 1000
# Countries drawn when none are chosen: the app's best ones.
DEFAULT_COUNTRIES = 5


@dataclass(frozen=True, slots=True)
class AppQuery:
    """The page's query string: what is on screen. No `sources`: the chart's usual source,
    and Google Play too when the app's `[apps]` alias names an app there."""

    countries: list[str] = field(default_factory=list)
    chart: str = "top-free"
    sources: list[str] = field(default_factory=list)
    range: str = "30d"
    every: str = "auto"

    def checked(self) -> AppQuery:
        if self.range not in RANGES:
            raise UsageError(
                f"range: {self.range!r} is not one of {', '.join(RANGES)}", param="range"
            )
        if self.every != "auto":
            duration(self.every, "every")  # a bad size is named before any query
        return self


@dataclass(frozen=True, slots=True)
class CountryRow:
    """One chosen country in one store: its stats over all time and its rank in the window's
    last bucket."""

    country: str
    name: str
    store: str | None  # the store's name when the page shows several
    state: str  # ranked, not_in_chart, no_data (tracker/query/stats.py)
    stats: CountryStats | None
    last: int | None  # the last bucket's value: a rank, 0 not in chart, -1 no data
    depth: int
    colour: str | None


def app_page(
    engine: Engine, aliases: Mapping[str, AppAlias], app: str, query: AppQuery
) -> dict[str, Any]:
    """The template's context for one app (a UsageError naming `app` means an unknown app:
    the page answers 404)."""
    query = query.checked()
    sources = query.sources or _alias_sources(aliases, app, query.chart)
    refs = answers.app_refs(engine, aliases, [app], sources)
    if not refs:
        raise UsageError(f"no stored app matches {app!r}", param="app")
    ref = refs[0]
    if not sources and ref.store != "apple":  # a Google Play id: its own store's chart
        sources = [_source_of(ref.store, query.chart)]
    base = {
        "ref": ref,
        "countries": [],
        "query": query,
        "shown_sources": ",".join(sources),
        "ranges": list(RANGES),
        "every_choices": EVERY,
    }
    ranked = _ranked(_stats(engine, aliases, app, query, sources, None))
    if not ranked:
        empty = f"{ref.name} was never in a stored {query.chart} chart"
        return {**base, "empty": empty, "rows": [], "simulated": False}
    chosen = query.countries or _default_countries(ranked)
    per_country = _stats(engine, aliases, app, query, sources, chosen)
    since, until = _window(engine, ranked, query.range)
    every, note = _every(query.every, until - since)
    series = _history(engine, aliases, app, query, sources, since, until, every)
    several = len({s.key.source for s in series} | {s.key.source for s in ranked if s.key}) > 1
    lines = _lines(ref, series, chosen, several)
    starts, counts = number_one_counts(series)
    step = int(parse_duration(every).total_seconds())
    return {
        **base,
        "empty": None,
        "countries": _choices(series, ranked, chosen),
        "rows": _rows(chosen, per_country, lines, several),
        "since": since,
        "until": until,
        "every": every,
        "note": note,
        "rank_svg": rank_chart(lines, title=f"{ref.name}: rank over time"),
        "count_svg": count_chart(
            starts,
            counts,
            step,
            title=f"{ref.name}: countries at #1",
            what=("country at #1", "countries at #1"),
        ),
        "ones_now": counts[-1] if counts else 0,
        "ones_peak": _peak(starts, counts),
        "simulated": any(s.simulated for s in series),
        "links": _links(_named(aliases, app, ref), query, sources, chosen, since, until, every),
    }


def number_one_counts(series: Sequence[RankSeries]) -> tuple[list[int], list[int]]:
    """Bucket starts, and in how many countries the app was #1 in each (in any store)."""
    if not series:
        return [], []
    starts = [int(s) for s in series[0].starts]
    at_one: list[set[str]] = [set() for _ in starts]
    for one in series:
        for index, rank in enumerate(one.ranks.tolist()):
            if rank == 1:
                at_one[index].add(one.key.country)
    return starts, [len(countries) for countries in at_one]


def _alias_sources(aliases: Mapping[str, AppAlias], app: str, chart: str) -> list[str]:
    """The sources of every store the app's alias names an id in, when more than one (the
    chart's usual App Store source first); else none (the usual one)."""
    alias = aliases.get(app.strip().lower())
    if alias is None or len(alias.ids) < 2:
        return []
    return [_source_of(store, chart) for store in alias.ids]


def _source_of(store: str, chart: str) -> str:
    """The source whose `chart` lists the apps of `store` (the App Store's: the chart's usual
    one, apple or the legacy itunes feed; Google Play's: googleplay)."""
    return default_source(chart) if store == "apple" else store


def _stats(
    engine: Engine,
    aliases: Mapping[str, AppAlias],
    app: str,
    query: AppQuery,
    sources: Sequence[str],
    countries: Sequence[str] | None,
) -> list[CountryStats]:
    """Every store's per-country stats of the app (`countries`: those, whatever their state;
    None: each country where it was ever in the chart)."""
    try:
        found = answers.stats_across(
            engine, aliases, app, country=countries, chart=query.chart, sources=list(sources)
        )
    except NothingStored:
        return []
    parts = [a for _, a in found.answered()] if isinstance(found, Across) else [found]
    return [s for part in parts for s in part.results]


def _default_countries(ranked: Sequence[CountryStats]) -> list[str]:
    """The countries drawn when none are chosen: the US when the app was ever in its chart,
    then the best ranks, the first to reach theirs first (where a climb started)."""
    order = sorted(
        ranked, key=lambda s: (s.country != "us", s.best_rank or 0, s.best_at, s.country)
    )
    return list(dict.fromkeys(s.country for s in order))[:DEFAULT_COUNTRIES]


def _ranked(stats: Sequence[CountryStats]) -> list[CountryStats]:
    """The countries (per store) where the app was ever in the chart, best first."""
    return sorted(
        (s for s in stats if s.state == "ranked"), key=lambda s: (s.best_rank or 0, s.country)
    )


def _window(
    engine: Engine, ranked: Sequence[CountryStats], range_name: str
) -> tuple[datetime, datetime]:
    """(since, until): the range back from the latest snapshot of the app's charts, from no
    earlier than the app was first seen (before that there is nothing of it to draw)."""
    keys = [s.key for s in ranked if s.key is not None]
    until = max(last_snapshot_at(engine, keys).values())
    span = RANGES[range_name]
    first = min(s.first_seen for s in ranked if s.first_seen is not None)
    return (first if span is None else max(first, until - span)), until


def _every(asked: str, span: timedelta) -> tuple[str, str | None]:
    """The bucket size to draw with, and a note when the one asked for had to be widened."""
    fits = [e for e in EVERY if span / parse_duration(e) <= AUTO_BUCKETS]
    auto = fits[0] if fits else EVERY[-1]
    if asked == "auto":
        return auto, None
    if span / parse_duration(asked) <= MAX_BUCKETS:
        return asked, None
    return auto, f"shown per {auto}: per {asked} would draw more than {MAX_BUCKETS} points a line"


def _history(
    engine: Engine,
    aliases: Mapping[str, AppAlias],
    app: str,
    query: AppQuery,
    sources: Sequence[str],
    since: datetime,
    until: datetime,
    every: str,
) -> list[RankSeries]:
    """The app's series in every country with data in the window, every store's on one grid
    (the #1 count needs them all; the chart draws the chosen ones)."""
    try:
        found = answers.history(
            engine,
            aliases,
            [app],
            chart=query.chart,
            source=list(sources),
            since=isoformat_z(since),
            until=isoformat_z(until),
            every=every,
        )
    except NothingStored:
        return []
    return found.series


def _lines(
    ref: AppRef, series: Sequence[RankSeries], chosen: Sequence[str], several: bool
) -> list[Line]:
    order = {country: index for index, country in enumerate(chosen)}
    shown = sorted(
        (s for s in series if s.key.country in order),
        key=lambda s: (order[s.key.country], s.key.source),
    )
    sources = list(dict.fromkeys(s.key.source for s in series))
    return [
        Line(
            ref.name,
            country_name(s.key.country)
            + (f" ({source_label(s.key.source, sources)})" if several else ""),
            s,
        )
        for s in shown
    ]


def _rows(
    chosen: Sequence[str],
    stats: Sequence[CountryStats],
    lines: Sequence[Line],
    several: bool,
) -> list[CountryRow]:
    drawn = {
        (line.series.key.source, line.series.key.country): (i, line.series)
        for i, line in enumerate(lines)
    }
    sources = list(dict.fromkeys([*(s for s, _ in drawn), *(s.key.source for s in stats if s.key)]))
    rows = []
    for country in chosen:
        for source in sources or [""]:
            found = next(
                (
                    s
                    for s in stats
                    if s.country == country and (s.key is None or s.key.source == source)
                ),
                None,
            )
            index, one = drawn.get((source, country), (None, None))
            state = found.state if found else ("not_in_chart" if one is not None else "no_data")
            rows.append(
                CountryRow(
                    country=country,
                    name=country_name(country),
                    store=source_label(source, sources) if several and source else None,
                    state=state,
                    stats=found,
                    last=int(one.ranks[-1]) if one is not None and len(one.ranks) else None,
                    depth=one.depth if one is not None else 0,
                    colour=colour(index) if index is not None else None,
                )
            )
    return rows


def _choices(
    series: Sequence[RankSeries], ranked: Sequence[CountryStats], chosen: Sequence[str]
) -> list[tuple[str, str, int | None, bool]]:
    """(code, name, best rank, chosen) for the country picker: every country with data in the
    window, best first, then the rest by name."""
    best = {s.country: s.best_rank for s in ranked}
    codes = dict.fromkeys([*chosen, *(s.key.country for s in series)])
    ordered = sorted(codes, key=lambda c: (best.get(c) or 10**6, country_name(c)))
    return [(c, country_name(c), best.get(c), c in chosen) for c in ordered]


def _peak(starts: Sequence[int], counts: Sequence[int]) -> tuple[int, datetime] | None:
    """The most countries at #1 at once, and the first bucket with that many."""
    if not counts or max(counts) == 0:
        return None
    index = max(range(len(counts)), key=lambda i: (counts[i], -i))
    return counts[index], from_epoch(starts[index])


def _named(aliases: Mapping[str, AppAlias], app: str, ref: AppRef) -> str:
    """How the links name the app: its alias as given (which stands for its app in each
    store), else its store id."""
    return app.strip().lower() if app.strip().lower() in aliases else ref.app_id


def _links(
    app: str,
    query: AppQuery,
    sources: Sequence[str],
    chosen: Sequence[str],
    since: datetime,
    until: datetime,
    every: str,
) -> dict[str, str]:
    """What is on screen, as W1's export and chart routes take it (named like the CLI's
    options)."""
    params: dict[str, str] = {"app": app, "chart": query.chart}
    if chosen:
        params["country"] = ",".join(chosen)
    if sources:
        params["source"] = ",".join(sources)
    params |= {"since": isoformat_z(since), "until": isoformat_z(until)}
    pictured = urlencode({**params, "every": every})
    return {
        "csv": f"/api/v1/export.csv?{urlencode(params)}",
        "svg": f"/chart/rank.svg?{pictured}",
        "png": f"/chart/rank.png?{pictured}",
    }
