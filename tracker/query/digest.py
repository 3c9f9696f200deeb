"""A digest: what happened to some apps in one chart kind over a window, for a morning summary.

It compares each country's chart at the window's start (its latest snapshot at or before
`since`) with the chart at its end (the latest at or before `until`; default: the latest),
through the readers the other questions use: `leaders` (an app's rank in every country at a
time), `countries_with_data` and `number_ones` (each chart's #1 at a time). Between the two it
says nothing: an app that took #1 and lost it again inside the window is not a new #1. A
country without a snapshot at the start has no "before" and makes no entry, exit or move.

Failed fetches are the window's `fetch_attempt` rows whose outcome is not "ok", per chart of
the selection's countries (any chart kind: a failing feed matters whatever it lists), the last
error masked (tracker/text/redact.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from tracker.config.aliases import AppAlias, labels_by_id
from tracker.config.selection import ChartSelection
from tracker.errors import UsageError
from tracker.models import ChartKey
from tracker.query.apps import AppRef
from tracker.query.apps import app_refs as stored_refs
from tracker.query.leaders import countries_with_data, leaders
from tracker.query.selection import select_charts, sql
from tracker.store.engine import read_connection
from tracker.store.reads import number_ones
from tracker.store.schema.views import chart_key
from tracker.text.redact import mask_text
from tracker.timeutil import from_epoch, to_epoch, utcnow
from tracker.timeutil import isoformat_z as _iso

TOP = 10  # the "top 10" entries and exits are counted against
MOVES = 5  # climbs and drops listed
ANY_RANK = 1_000_000  # `leaders` up to this rank: wherever the app is in the chart


@dataclass(frozen=True, slots=True)
class Place:
    """One app in one country: its rank at the window's start and end (None: not in chart)."""

    app_id: str
    name: str
    country: str
    before: int | None
    after: int | None

    @property
    def change(self) -> int | None:
        """Places gained (positive) or lost; None unless ranked at both ends."""
        if self.before is None or self.after is None:
            return None
        return self.before - self.after

    def json(self) -> dict[str, Any]:
        return {
            "app_id": self.app_id,
            "name": self.name,
            "country": self.country,
            "before": self.before,
            "after": self.after,
            "change": self.change,
        }


@dataclass(frozen=True, slots=True)
class NewLeader:
    """A country whose #1 changed: `app` holds it at `at` (its rank at the start: `was`), taken
    from `lost` (its rank now: `lost_now`); one of the two is a digest app."""

    country: str
    at: datetime
    app_id: str
    name: str
    was: int | None
    lost_id: str
    lost_name: str
    lost_now: int | None

    def json(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "at": _iso(self.at),
            "app_id": self.app_id,
            "name": self.name,
            "was": self.was,
            "lost_app_id": self.lost_id,
            "lost_name": self.lost_name,
            "lost_now": self.lost_now,
        }


@dataclass(frozen=True, slots=True)
class LeaderCount:
    """Where one app is #1 at the window's end and where it was at its start."""

    app_id: str
    name: str
    now: tuple[str, ...]
    then: tuple[str, ...]

    def json(self) -> dict[str, Any]:
        return {
            "app_id": self.app_id,
            "name": self.name,
            "now": list(self.now),
            "then": list(self.then),
        }


@dataclass(frozen=True, slots=True)
class Failure:
    """A chart's failed fetches in the window: how many, the last one's outcome and error."""

    key: ChartKey
    count: int
    last_at: datetime
    outcome: str
    error: str | None  # masked

    def json(self) -> dict[str, Any]:
        return {
            "chart": self.key.label(),
            "count": self.count,
            "last_at": _iso(self.last_at),
            "outcome": self.outcome,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class Digest:
    """Everything a digest says; `lines()` for people, `to_json()` for programs."""

    since: datetime
    until: datetime
    chart: str
    countries: tuple[str, ...]  # with data at the window's end
    apps: tuple[AppRef, ...]
    new_leaders: list[NewLeader]
    entered: list[Place]  # into the top TOP
    left: list[Place]
    climbs: list[Place]
    drops: list[Place]
    leaders: list[LeaderCount]
    failures: list[Failure]
    top: int = TOP

    def lines(self) -> list[str]:
        from tracker.query.digest_text import digest_lines

        return digest_lines(self)

    def to_json(self) -> dict[str, Any]:
        return {
            "since": _iso(self.since),
            "until": _iso(self.until),
            "chart": self.chart,
            "countries": list(self.countries),
            "apps": [{"app_id": r.app_id, "name": r.name} for r in self.apps],
            "new_number_ones": [x.json() for x in self.new_leaders],
            "entered_top": [x.json() for x in self.entered],
            "left_top": [x.json() for x in self.left],
            "climbs": [x.json() for x in self.climbs],
            "drops": [x.json() for x in self.drops],
            "number_one_countries": [x.json() for x in self.leaders],
            "failed_fetches": [x.json() for x in self.failures],
            "top": self.top,
        }


def default_apps(
    engine: Engine, aliases: Mapping[str, AppAlias], store: str = "apple"
) -> list[AppRef]:
    """The `[apps]` aliases' apps in `store` that some chart holds (others are left out: an
    alias fetched nowhere yet has nothing to report)."""
    ids = [a.ids[store] for a in aliases.values() if store in a.ids]
    found = stored_refs(engine, ids, labels_by_id(aliases))
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def digest(  # long: one read per question, each a call to an existing reader
    engine: Engine,
    apps: Sequence[AppRef],
    selection: ChartSelection,
    *,
    since: datetime,
    until: datetime | None = None,
    top: int = TOP,
    moves: int = MOVES,
) -> Digest:
    """The digest of `apps` in the selection's charts between `since` and `until` (None: now,
    and the latest snapshots)."""
    end = until or utcnow()
    if since >= end:
        raise UsageError("--since: must be before --until", param="since")
    with read_connection(engine) as conn:
        charts = select_charts(conn, selection)
    keys = [c.key for c in charts]
    had = set(countries_with_data(engine, selection, at=since))
    has = tuple(countries_with_data(engine, selection, at=until))
    names = {r.app_id: r.name for r in apps}
    before = {r.app_id: _ranks(engine, r.app_id, selection, since) for r in apps}
    after = {r.app_id: _ranks(engine, r.app_id, selection, until) for r in apps}
    places = [
        Place(r.app_id, r.name, c, before[r.app_id].get(c), after[r.app_id].get(c))
        for r in apps
        for c in has
        if c in had
    ]
    entered = [p for p in places if _in_top(p.after, top) and not _in_top(p.before, top)]
    left = [p for p in places if _in_top(p.before, top) and not _in_top(p.after, top)]
    moved = [p for p in places if p.change]
    climbs = sorted((p for p in moved if (p.change or 0) > 0), key=lambda p: -(p.change or 0))
    drops = sorted((p for p in moved if (p.change or 0) < 0), key=lambda p: p.change or 0)
    counts = [
        LeaderCount(
            r.app_id,
            r.name,
            tuple(c for c in has if after[r.app_id].get(c) == 1),
            tuple(sorted(c for c in had if before[r.app_id].get(c) == 1)),
        )
        for r in apps
    ]
    new_leaders = _new_leaders(engine, keys, names, since, until, had, before, after, selection)
    failures = failed_fetches(engine, selection, since, end)
    return Digest(
        since=since,
        until=end,
        chart=selection.chart,
        countries=has,
        apps=tuple(apps),
        new_leaders=new_leaders,
        entered=sorted(entered, key=lambda p: (p.after or 0, p.country)),
        left=sorted(left, key=lambda p: (p.before or 0, p.country)),
        climbs=climbs[:moves],
        drops=drops[:moves],
        leaders=counts,
        failures=failures,
        top=top,
    )


def _in_top(rank: int | None, top: int) -> bool:
    return rank is not None and rank <= top


def _ranks(
    engine: Engine, app_id: str, selection: ChartSelection, at: datetime | None
) -> dict[str, int]:
    """country -> the app's rank in the chart's latest snapshot at or before `at`."""
    return {c: r for c, r, _ in leaders(engine, app_id, selection, rank=ANY_RANK, at=at)}


def _new_leaders(
    engine: Engine,
    keys: list[ChartKey],
    names: Mapping[str, str],
    since: datetime,
    until: datetime | None,
    had: set[str],
    before: dict[str, dict[str, int]],
    after: dict[str, dict[str, int]],
    selection: ChartSelection,
) -> list[NewLeader]:
    """Countries whose #1 at the end is not the one at the start, where either is ours."""
    then = {o.key.country: o for o in number_ones(engine, keys, since) if o.key.country in had}
    out: list[NewLeader] = []
    for one in number_ones(engine, keys, until):
        old = then.get(one.key.country)
        if old is None or old.app_id == one.app_id:
            continue
        if one.app_id not in names and old.app_id not in names:
            continue
        country = one.key.country
        was = before.get(one.app_id)
        now = after.get(old.app_id)
        # A rival outside the digest's apps: its rank read the same way, for this country.
        if was is None:
            was = _ranks(engine, one.app_id, selection, since)
        if now is None:
            now = _ranks(engine, old.app_id, selection, until)
        out.append(
            NewLeader(
                country,
                one.captured_at,
                one.app_id,
                names.get(one.app_id, one.name),
                was.get(country),
                old.app_id,
                names.get(old.app_id, old.name),
                now.get(country),
            )
        )
    return sorted(out, key=lambda x: x.country)


# Per chart, its failed attempts in the window: range seeks on ix_fetch_attempt_chart_time (the
# chart table is small; the attempt table grows by a row per chart per fetch), then the last one.
_FAILURES_SQL = """
SELECT t.*, a.started_at AS last_at, a.outcome, a.error FROM (
  SELECT c.id, c.source, c.country, c.kind, c.category, c.device,
    (SELECT count(*) FROM fetch_attempt f WHERE f.chart_id = c.id AND f.outcome <> 'ok'
       AND f.started_at >= :lo AND f.started_at <= :hi) AS failed,
    (SELECT max(f.id) FROM fetch_attempt f WHERE f.chart_id = c.id AND f.outcome <> 'ok'
       AND f.started_at >= :lo AND f.started_at <= :hi) AS last_id
  FROM chart c
) t
JOIN fetch_attempt a ON a.id = t.last_id
ORDER BY t.failed DESC, t.country, t.kind, t.source
"""


def failed_fetches(
    engine: Engine, selection: ChartSelection, since: datetime, until: datetime
) -> list[Failure]:
    """Each chart (of the selection's countries; none named: every country) with failed fetch
    attempts in [since, until]: most failures first."""
    wanted = set(selection.countries)
    with read_connection(engine) as conn:
        rows = conn.execute(sql(_FAILURES_SQL), {"lo": to_epoch(since), "hi": to_epoch(until)})
        found = [r for r in rows if not wanted or r.country in wanted]
    return [
        Failure(
            chart_key(r),
            int(r.failed),
            from_epoch(int(r.last_at)),
            r.outcome,
            None if r.error is None else _short(mask_text(r.error)),
        )
        for r in found
    ]


def _short(text: str, limit: int = 160) -> str:
    """One line of at most `limit` characters: a digest is read on a phone."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def from_options(
    engine: Engine,
    aliases: Mapping[str, AppAlias],
    apps: Sequence[str] = (),
    *,
    country: Sequence[str] | None = None,
    since: str = "24h",
    until: str | None = None,
    chart: str = "top-free",
    source: str | None = None,
    top: int = TOP,
    moves: int = MOVES,
    now: datetime | None = None,
) -> Digest:
    """The digest from options as text (the command line, a `[[digest]]`): `apps` named (none:
    the `[apps]` aliases), countries (none or "all": every country with data); a bad value is
    a UsageError naming its parameter. An age (24h) counts back from `now` (default: the
    clock), which is also the end by default."""
    from tracker.query.answers import app_refs
    from tracker.query.params import chart_selection, positive
    from tracker.query.stores import store_of

    selection = chart_selection(chart, source, "all", None, country)
    start = _instant(since, "--since", now)
    end = _instant(until, "--until", now) if until is not None else now
    positive(top, "--top")
    positive(moves, "--moves")
    assert start is not None
    store = store_of(selection.source or "apple")
    refs = app_refs(engine, aliases, list(apps)) if apps else default_apps(engine, aliases, store)
    if not refs:
        raise UsageError(
            "no apps to report on: name some with --app, or add [apps] aliases whose apps "
            "are in a stored chart",
            param="app",
        )
    return digest(engine, refs, selection, since=start, until=end, top=top, moves=moves)


def _instant(text: str, option: str, now: datetime | None) -> datetime | None:
    """`params.instant`, an age counted back from `now` when given (a daemon's slot)."""
    from tracker.query.params import instant
    from tracker.timeutil import parse_duration

    if now is not None:
        try:
            return now - parse_duration(text)
        except ValueError:
            pass
    return instant(text, option)
