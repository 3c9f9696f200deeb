"""Reading app listings (tracker/store/schema/listings.py): the name and developer a storefront
showed for an app at a time, its latest, one label for several storefronts, and name search.

The name at a time is the app's listing in that storefront with the latest `valid_from` at or
before it; before its first listing (snapshots older than migration 0007's rows "as of the
upgrade"), the first one. An app with no listing in the storefront falls back to `app`'s own
columns, which the caller has from its join. Through the Core views: no ORM is loaded.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, func, literal_column, select, text, union_all

from tracker.store.schema.views import APP, LISTING

Storefront = tuple[str, str]  # (source, country), as charts name theirs
Shown = tuple[str, str | None]  # (name, developer)
IN_LIST = 500  # ids per IN (...): under SQLite's old limit of 999 parameters
LABEL_COUNTRY = "us"  # the storefront whose name stands for several, without an [apps] alias


History = list[tuple[int, str, str | None]]  # (valid_from, name, developer), in order

# The listing fields only Google Play serves (the App Store's rows hold NULL in each).
DETAIL_COLUMNS = ("price_micros", "currency", "rating", "installs")
Details = dict[str, int | float | str]  # those of DETAIL_COLUMNS a listing holds (not NULL)
DetailHistory = list[tuple[int, Details]]  # (valid_from, details), in order


class Names:
    """Listing histories, per storefront: internal app id -> its History there; and, for apps
    whose listings hold any of DETAIL_COLUMNS, their DetailHistory (`details`)."""

    def __init__(
        self,
        histories: dict[Storefront, dict[int, History]],
        details: dict[Storefront, dict[int, DetailHistory]] | None = None,
    ) -> None:
        self.histories = histories
        self.details = details if details is not None else {}
        # Most apps never change in a storefront: their one listing, without a search.
        self._single: dict[Storefront, dict[int, Shown]] = {}

    def at(self, storefront: Storefront, app_id: int, when: int) -> Shown | None:
        """What the storefront showed for the app at `when` (epoch seconds); None: no listing."""
        history = self.histories.get(storefront, {}).get(app_id)
        if not history:
            return None
        i = bisect_right(history, when, key=_valid_from)
        _, name, developer = history[i - 1] if i else history[0]
        return name, developer

    def single(self, storefront: Storefront) -> Mapping[int, Shown]:
        """The apps with one listing in the storefront (most: apps are seldom renamed) and
        what it shows, whatever the time: export looks these up once a row, before `at`."""
        found = self._single.get(storefront)
        if found is None:
            by_app = self.histories.get(storefront, {})
            found = {app_id: h[0][1:] for app_id, h in by_app.items() if len(h) == 1}
            self._single[storefront] = found
        return found

    def details_at(self, storefront: Storefront, app_id: int, when: int) -> Details | None:
        """The price, rating and installs the storefront listed for the app at `when` (as `at`
        finds a name); None: its listings hold none of them (every App Store app)."""
        history = self.details.get(storefront, {}).get(app_id)
        if not history:
            return None
        i = bisect_right(history, when, key=_valid_from)
        return history[i - 1][1] if i else history[0][1]

    def add(self, other: Names) -> None:
        """Take in `other`'s histories (of apps this one does not hold)."""
        for storefront, by_details in other.details.items():
            self.details.setdefault(storefront, {}).update(by_details)
        for storefront, by_app in other.histories.items():
            self.histories.setdefault(storefront, {}).update(by_app)
            single = self._single.get(storefront)
            if single is not None:
                single.update((a, h[0][1:]) for a, h in by_app.items() if len(h) == 1)

    def latest(self, storefront: Storefront, app_id: int) -> Shown | None:
        """The storefront's latest listing of the app; None: it has none."""
        history = self.histories.get(storefront, {}).get(app_id)
        if not history:
            return None
        _, name, developer = history[-1]
        return name, developer


def _valid_from(row: tuple[Any, ...]) -> int:
    return int(row[0])


# Plain text: its rows come back as the driver's tuples (valid_from as integer seconds), which
# export reads for every chunk of rows; the storefronts are filtered exactly afterwards. The
# details come from the same rows (no second read), which the names needed anyway.
_NAMES_SQL = f"""
SELECT source, country, app_id, valid_from, name, developer, {", ".join(DETAIL_COLUMNS)}
FROM app_listing
WHERE app_id IN :apps AND country IN :countries AND source IN :sources
ORDER BY app_id, source, country, valid_from
"""
_NO_DETAILS = [None] * len(DETAIL_COLUMNS)  # as a row's last columns come unpacked


def read_names(
    conn: Connection, storefronts: Iterable[Storefront], app_ids: Iterable[int]
) -> Names:
    """The listing histories of the apps (internal ids) in the storefronts: one read per IN_LIST
    apps, a seek per app on the (app, source, country, valid_from) key."""
    wanted = set(storefronts)
    ids = sorted(set(app_ids))
    histories: dict[Storefront, dict[int, History]] = {}
    details: dict[Storefront, dict[int, DetailHistory]] = {}
    if not wanted:
        return Names(histories)
    statement = text(_NAMES_SQL).bindparams(
        *(bindparam(name, expanding=True) for name in ("apps", "countries", "sources"))
    )
    fronts = {
        "countries": sorted({c for _, c in wanted}),
        "sources": sorted({s for s, _ in wanted}),
    }
    for start in range(0, len(ids), IN_LIST):
        rows = conn.execute(statement, {"apps": ids[start : start + IN_LIST], **fronts}).all()
        for source, country, app_id, valid_from, name, developer, *more in rows:
            if (source, country) in wanted:
                history = histories.setdefault((source, country), {}).setdefault(app_id, [])
                history.append((int(valid_from), name, developer))
                if more != _NO_DETAILS:
                    held = {
                        c: v for c, v in zip(DETAIL_COLUMNS, more, strict=True) if v is not None
                    }
                    by_app = details.setdefault((source, country), {})
                    by_app.setdefault(app_id, []).append((int(valid_from), held))
    return Names(histories, details)


class NameCache:
    """Listing histories, each app's read once over the storefronts asked so far: export asks
    for the same apps chunk after chunk. A storefront not asked before starts it again (an
    export's first chunk holds nearly all of them), and so do more than `limit` apps, so memory
    stays flat whatever the export's length."""

    def __init__(self, limit: int = 50_000) -> None:
        self.limit = limit
        self.storefronts: set[Storefront] = set()
        self.names = Names({})
        self._apps: set[int] = set()

    def read(
        self, conn: Connection, storefronts: Iterable[Storefront], app_ids: Iterable[int]
    ) -> Names:
        """The histories of `app_ids` in `storefronts` (and of others read before)."""
        fronts = set(storefronts)
        if not fronts <= self.storefronts:
            self.storefronts |= fronts
            self.names, self._apps = Names({}), set()
        missing = set(app_ids) - self._apps
        if missing:
            if len(self._apps) + len(missing) > self.limit:
                self.names, self._apps = Names({}), set()
                missing = set(app_ids)
            self.names.add(read_names(conn, self.storefronts, missing))
            self._apps |= missing
        return self.names


def names_at(
    conn: Connection, storefront: Storefront, app_ids: Iterable[int], when: int
) -> dict[int, Shown]:
    """internal app id -> what the storefront showed for it at `when`, for those with a listing."""
    ids = list(app_ids)
    names = read_names(conn, [storefront], ids)
    found = {app_id: names.at(storefront, app_id, when) for app_id in ids}
    return {app_id: shown for app_id, shown in found.items() if shown is not None}


def labels(conn: Connection, store_ids: Sequence[str]) -> dict[str, Shown]:
    """store id -> the one (name, developer) that stands for the app across storefronts: its
    latest listing in the US storefront, else the latest name most storefronts show (ties: the
    first storefront's by country, then source), else `app`'s own columns."""
    out: dict[str, Shown] = {}
    ids = list(dict.fromkeys(store_ids))
    for start in range(0, len(ids), IN_LIST):
        chunk = ids[start : start + IN_LIST]
        latest: dict[str, dict[Storefront, Shown]] = {}
        rows = conn.execute(
            select(
                APP.c.store_id,
                APP.c.name,
                APP.c.developer,
                LISTING.c.source,
                LISTING.c.country,
                LISTING.c.name,
                LISTING.c.developer,
            )
            .select_from(APP.outerjoin(LISTING, LISTING.c.app_id == APP.c.id))
            .where(APP.c.store_id.in_(chunk))
            .order_by(APP.c.store_id, LISTING.c.valid_from)
        )
        for store_id, name, developer, source, country, shown, shown_by in rows:
            out.setdefault(store_id, (name, developer))
            if source is not None:  # in valid_from order: the last one per storefront stays
                latest.setdefault(store_id, {})[(source, country)] = (shown, shown_by)
        for store_id, storefronts in latest.items():
            out[store_id] = _label(storefronts)
    return out


def _label(storefronts: dict[Storefront, Shown]) -> Shown:
    ordered = sorted(storefronts.items(), key=lambda item: (item[0][1], item[0][0]))
    for (_, country), shown in ordered:
        if country == LABEL_COUNTRY:
            return shown
    counts = Counter(name for _, (name, _) in ordered)
    most = max(counts.values())
    return next(shown for _, shown in ordered if counts[shown[0]] == most)


def find_by_name(conn: Connection, fragment: str, limit: int) -> list[tuple[str, str]]:
    """(store id, its shortest matching name) of up to `limit` apps with any name, in any
    storefront at any time, containing `fragment` (ignoring case), shortest match first."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    union = union_all(
        select(LISTING.c.app_id, LISTING.c.name).where(LISTING.c.name.ilike(pattern, escape="\\")),
        select(APP.c.id, APP.c.name).where(APP.c.name.ilike(pattern, escape="\\")),
    ).subquery("named")
    length = func.min(func.length(union.c.name))
    query = (
        select(APP.c.store_id, func.min(union.c.name), length.label("shortest"))
        .join(APP, APP.c.id == union.c.app_id)
        .group_by(APP.c.store_id)
        .order_by(literal_column("shortest"), func.min(union.c.name), APP.c.store_id)
        .limit(limit)
    )
    return [(store_id, name) for store_id, name, _ in conn.execute(query)]


def scan_names(
    conn: Connection, matches: Callable[[str], bool], limit: int
) -> list[tuple[str, str]]:
    """find_by_name in Python, for what SQLite's LIKE cannot fold (case beyond ASCII): every
    name streamed, never the whole table in memory."""
    found: dict[str, str] = {}
    named = union_all(
        select(LISTING.c.app_id, LISTING.c.name), select(APP.c.id, APP.c.name)
    ).subquery("named")
    result = conn.execution_options(yield_per=2000).execute(
        select(APP.c.store_id, named.c.name).join(APP, APP.c.id == named.c.app_id)
    )
    for store_id, name in result:
        if matches(name):
            if store_id not in found or (len(name), name) < (len(found[store_id]), found[store_id]):
                found[store_id] = name
            if len(found) > limit:
                break
    result.close()
    ranked = sorted(found.items(), key=lambda item: (len(item[1]), item[1], item[0]))
    return ranked[:limit]
