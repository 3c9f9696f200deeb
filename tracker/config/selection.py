"""Which charts a question is about: `ChartSelection`, and the storefront check every countries
value goes through.

A selection is a chart kind, its source (None: the chart's usual source, or the one with data),
a genre ("all", an App Store genre id or a Google Play category: `category_key`, by the source's
store), a device and countries (none: every country with data). The command
line, `[[chart]]` and `[[alert]]` build one through `ChartSelection.of`, the one place these
values are checked, and the queries take it as it is.

"all" among countries means every storefront: a track fetches each, a rule watches each, and a
selection holds it as no countries ("every country with data"), so a query, a chart or an
export of all countries reads what there is instead of asking for each storefront.

No pydantic here: read commands check their options without loading the config models, and
`tracker/config/fields.py` builds the pydantic field types on these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter

from tracker.config.facts import SOURCE_FACTS, SourceFacts
from tracker.config.playcategories import play_category
from tracker.models import ChartKey
from tracker.storefronts import STOREFRONT_SET, STOREFRONTS, normalize_category

ALL = "all"


class SelectionError(ValueError):
    """A selection value that is not offered. `str()` is the line a command prints, naming the
    value; `reason` says the same for a config line, which shows the key and the value first.
    `field` is the value's name (chart, source, category, device or countries)."""

    def __init__(self, field: str, value: object, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.value = value
        self.reason = message if reason is None else reason


def storefront(value: str) -> str:
    """One storefront code, lower-cased; SelectionError naming the value as given otherwise."""
    code = value.strip().lower()
    if code not in STOREFRONT_SET:
        message = f"{value!r} is not an App Store storefront code (e.g. us, gb, jp)"
        raise SelectionError("countries", value, message)
    return code


def storefronts(values: Iterable[str]) -> list[str]:
    """Codes checked and lower-cased, without duplicates; "all" stands for every storefront,
    where it is written (`["us", "all"]`: us first, then the rest in the usual order)."""
    out: dict[str, None] = {}
    for value in values:
        codes = STOREFRONTS if value.strip().lower() == ALL else (storefront(value),)
        out.update(dict.fromkeys(codes))
    return list(out)


def any_countries(values: Iterable[str]) -> list[str]:
    """The codes, checked, or none when "all" is among them: every country with data."""
    values = list(values)
    codes = storefronts(values)  # every value checked, "all" or not
    return [] if any(v.strip().lower() == ALL for v in values) else codes


def every_storefront(codes: Iterable[str]) -> bool:
    """Whether `codes` cover every storefront (what "all" gives)."""
    return set(codes) >= STOREFRONT_SET


def category_key(value: str | int, source: str | None) -> str:
    """The genre key of `value` by the rule of `source`'s store: an App Store genre id or name
    (tracker/storefronts.py) or a Google Play category (tracker/config/playcategories.py);
    without a source, the App Store's (the usual sources are Apple's). "all" either way;
    ValueError naming the value otherwise."""
    if source is not None and SOURCE_FACTS[source].store == "googleplay":
        return play_category(value)
    return normalize_category(value)


def default_source(chart: str) -> str:
    """apple serves top-free and top-paid; only the legacy itunes feed has top-grossing."""
    return "apple" if chart in SOURCE_FACTS["apple"].charts else "itunes"


@dataclass(frozen=True, slots=True)
class ChartSelection:
    """One kind of chart (its source, genre and device) in some countries.

    Built by `of`, which checks and normalises each value; the plain constructor takes values
    as they are, for code that holds checked ones.
    """

    chart: str = "top-free"
    source: str | None = None  # None: the chart's usual source (or the only one with data)
    category: str = ALL  # "all" or a genre id
    device: str = "iphone"
    countries: tuple[str, ...] = ()  # lower-cased codes; none: every country with data

    @classmethod
    def of(
        cls,
        chart: str = "top-free",
        *,
        source: str | None = None,
        category: str | int = ALL,
        device: str | None = None,
        countries: Iterable[str] = (),
        country: str | None = None,
    ) -> ChartSelection:
        """The selection of these values, checked in this order: the chart kind (offered by
        the source, when one is given), the source, the genre (by the source's rule), the
        device (likewise; none: the source's first, iphone without a source), genres from that
        source, then the countries ("all": every country with data) or the one `country` (a
        storefront code; "all" is none). SelectionError on the first that fails."""
        known = source if source in SOURCE_FACTS else None
        _offered("chart", chart, known)
        if source is not None and known is None:
            known = ", ".join(SOURCE_FACTS)
            raise SelectionError(
                "source",
                source,
                f"unknown source {source!r} (expected one of: {known})",
                f"unknown source (expected one of: {known})",
            )
        try:
            genre = category_key(category, known)
        except ValueError as exc:
            raise SelectionError("category", category, str(exc)) from None
        if device is None:
            device = SOURCE_FACTS[known].devices[0] if known is not None else "iphone"
        _offered("device", device, known)
        if known is not None:
            _genres(genre, known, category)
        if country is not None:
            codes: Iterable[str] = (storefront(country),)
        else:
            codes = any_countries(countries)
        return cls(chart, source, genre, device, tuple(codes))

    @property
    def country(self) -> str:
        """The one country of a selection made with `of(country=...)`."""
        if len(self.countries) != 1:
            raise ValueError(f"one country expected, not {len(self.countries) or 'every'}")
        return self.countries[0]

    def key(self) -> ChartKey:
        """The one chart this selection names, from its source or the chart's usual one;
        SelectionError when that source does not offer it."""
        source = self.source or default_source(self.chart)
        _offered("chart", self.chart, source)
        _offered("device", self.device, source)
        _genres(self.category, source, self.category)
        return ChartKey(source, self.country, self.chart, self.category, self.device)


def selections_of(
    chart: str,
    sources: Sequence[str],
    *,
    category: str | int = ALL,
    device: str | None = None,
    countries: Iterable[str] = (),
    country: str | None = None,
) -> list[ChartSelection]:
    """One selection per source of `sources` (`--source apple,googleplay`: one question over
    several stores), each checked by `ChartSelection.of` with the same values, a device not
    given being each source's own; no sources: the one selection without a source. With
    several, an error that does not name its source (an App Store genre given to Google Play)
    is prefixed with it."""
    given = list(countries)

    def one(source: str | None) -> ChartSelection:
        return ChartSelection.of(
            chart, source=source, category=category, device=device, countries=given, country=country
        )

    if not sources:
        return [one(None)]
    out = []
    for source in sources:
        try:
            out.append(one(source))
        except SelectionError as exc:
            if len(sources) < 2 or source in str(exc):
                raise
            raise SelectionError(
                exc.field, exc.value, f"source {source}: {exc}", f"source {source}: {exc.reason}"
            ) from None
    return out


def _choices(facts: SourceFacts, field: str) -> tuple[str, ...]:
    return facts.charts if field == "chart" else facts.devices


def _offered(field: str, value: str, source: str | None) -> None:
    """`value` is a chart kind or device some source offers (`source`, when given, too)."""
    every = sorted({v for facts in SOURCE_FACTS.values() for v in _choices(facts, field)})
    own = _choices(SOURCE_FACTS[source], field) if source is not None else tuple(every)
    if value in own:
        return
    # A config line shows the value already; with a source, it says what that source offers.
    reason = (
        f"not offered by {source} ({', '.join(own)})"
        if source is not None
        else f"unknown {field} (expected one of: {', '.join(every)})"
    )
    if value not in every:
        message = f"unknown {field} {value!r} (expected one of: {', '.join(every)})"
    else:
        assert source is not None  # a value some source offers is not offered by this one
        others = _others(source, lambda f: value in _choices(f, field))
        what = f"{value} chart" if field == "chart" else f"{value} charts"
        message = f"source {source} has no {what} (--source {' or '.join(others)} has them)"
    raise SelectionError(field, value, message, reason)


def _others(source: str, offers: Callable[[SourceFacts], bool]) -> list[str]:
    """The sources that offer what `source` lacks: those of its own store when any do (an
    App Store genre id means nothing to Google Play), else every one."""
    found = [f for f in SOURCE_FACTS.values() if offers(f)]
    same = [f.name for f in found if f.store == SOURCE_FACTS[source].store]
    return same or [f.name for f in found]


def _genres(genre: str, source: str, given: str | int) -> None:
    """`source` has genre charts, unless `genre` (`given`, normalised) is "all"."""
    if genre != ALL and not SOURCE_FACTS[source].supports_categories:
        others = _others(source, attrgetter("supports_categories"))
        raise SelectionError(
            "category",
            given,
            f"source {source} has no genre charts (--source {' or '.join(others)} has them)",
            f"{source} has no genre charts",
        )


__all__ = [
    "ALL",
    "ChartSelection",
    "SelectionError",
    "any_countries",
    "category_key",
    "default_source",
    "every_storefront",
    "selections_of",
    "storefront",
    "storefronts",
]
