"""What an imported row and snapshot must be: a known chart and a whole-second UTC time, a rank
within the feed's depth, an id as its store spells them, a name; a snapshot's ranks exactly
1..n, each app once.

`BadKey` marks a problem in the fields that say which snapshot a row belongs to, so the import
distrusts the snapshots around it too (tracker/files/importer.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracker.config.facts import SOURCE_FACTS
from tracker.config.selection import category_key
from tracker.files.export import COLUMNS
from tracker.models import ChartKey
from tracker.storefronts import STOREFRONT_SET
from tracker.text.cells import restore
from tracker.text.redact import quoted
from tracker.text.values import ID_RULES, clean_text, needs_cleaning
from tracker.timeutil import from_epoch, to_epoch


@dataclass(frozen=True, slots=True)
class ImportRow:
    line: int
    captured_at: int
    key: ChartKey
    rank: int
    app_id: str
    name: str
    developer: str | None
    simulated: bool = False
    # Google Play's, from a JSONL export (CSV has none: the stored ones stay).
    price_micros: int | None = None
    currency: str | None = None
    rating: float | None = None
    installs: str | None = None


class BadRow(ValueError):
    """One row's problem (the message names the field)."""


class BadKey(BadRow):
    """A problem in the fields naming the row's snapshot (time, chart): which snapshot the row
    belongs to is unknown, so the snapshots on either side of it are not trusted either."""


def label(row: ImportRow) -> str:
    return f"{row.key.label()} {from_epoch(row.captured_at):%Y-%m-%dT%H:%M:%SZ}"


def snapshot_problem(rows: list[ImportRow]) -> str | None:
    """Why these rows are not one whole chart (ranks 1..n, each app once), or None."""
    ranks = sorted(r.rank for r in rows)
    if len(set(ranks)) != len(ranks):
        twice = next(r for r in ranks if ranks.count(r) > 1)
        return f"rank {twice} appears twice in the {label(rows[0])} snapshot"
    if ranks != list(range(1, len(rows) + 1)):
        missing = min(set(range(1, ranks[-1] + 1)) - set(ranks))
        return (
            f"the {label(rows[0])} snapshot lacks rank {missing}: import needs whole charts "
            "(was the file exported with --app?)"
        )
    apps = [r.app_id for r in rows]
    if len(set(apps)) != len(apps):
        twice_app = next(a for a in apps if apps.count(a) > 1)
        return f"app {twice_app} appears twice in the {label(rows[0])} snapshot"
    return None


def parse_key(fields: dict[str, Any]) -> tuple[ChartKey, int] | BadKey:
    """The chart and captured_at of a record, or what is wrong with them."""
    try:
        for name in COLUMNS[:6]:
            if not isinstance(fields.get(name), str):
                raise BadKey(f"{name} {fields.get(name)!r} is not text")
        return _key(fields), _time(fields["captured_at"])
    except BadKey as exc:
        return exc


def parse_row(fields: dict[str, Any], raw: bool, line: int, key: ChartKey, at: int) -> ImportRow:
    """A row whose chart and time parsed: check rank, app id, name and developer."""
    is_json = fields.get("_json", False)
    if is_json:
        for name in COLUMNS[6:]:
            value = fields[name]
            if name == "simulated":
                if not isinstance(value, bool):
                    raise BadRow(f"simulated {value!r} is not true or false")
            elif name == "rank":
                if not isinstance(value, int) or isinstance(value, bool):
                    raise BadRow(f"rank {value!r} is not a whole number")
            elif not isinstance(value, str) and not (name == "developer" and value is None):
                raise BadRow(f"{name} {value!r} is not text")
    rank = fields["rank"] if is_json else _int(fields["rank"])
    depth = SOURCE_FACTS[key.source].max_depth
    if not 1 <= rank <= depth:
        raise BadRow(f"rank {rank} is outside 1..{depth} for {key.source}")
    app_id = fields["app_id"]
    ids = ID_RULES[SOURCE_FACTS[key.source].store]  # App Store ids, or Google Play's packages
    if not ids.one(app_id):
        raise BadRow(f"app_id {quoted(app_id)} is not {ids.what}")
    # CSV cannot tell an empty developer from none; JSON can, and keeps which it was.
    name, developer = fields["app_name"], fields["developer"]
    if not is_json:
        developer = developer or None
        if not raw:
            name, developer = restore(name), developer and restore(developer)
    # The same rule for stored text as a fetch applies (tracker/text/values.py).
    name = clean_text(name) if needs_cleaning(name) else name
    if developer is not None and needs_cleaning(developer):
        developer = clean_text(developer).strip() or None
    if not name or name.isspace():
        raise BadRow("app_name is empty")
    simulated = fields["simulated"]
    if not is_json:
        if simulated not in ("true", "false"):
            raise BadRow(f"simulated {simulated!r} is not true or false")
        simulated = simulated == "true"
    details = _details(fields.get("_details", {}))
    return ImportRow(line, at, key, rank, app_id, name, developer, simulated, *details)


_PRICE_MAX = 2**63 - 1  # the column is a BigInteger
_RATING_MAX = 5.0


def _details(given: dict[str, Any]) -> tuple[int | None, str | None, float | None, str | None]:
    """price_micros, currency, rating and installs of a JSONL row, checked (each may be absent
    or null); the columns take these only: a currency is three capital letters (ISO 4217)."""
    price, currency = given.get("price_micros"), given.get("currency")
    rating, installs = given.get("rating"), given.get("installs")
    if price is not None and (type(price) is not int or not 0 <= price <= _PRICE_MAX):
        raise BadRow(f"price_micros {quoted(str(price))} is not a whole number of micros")
    if currency is not None and not (
        isinstance(currency, str) and len(currency) == 3 and currency.isascii()
        and currency.isalpha() and currency.isupper()
    ):  # fmt: skip
        raise BadRow(f"currency {quoted(str(currency))} is not three capital letters")
    if rating is not None and (type(rating) not in (int, float) or not 0 <= rating <= _RATING_MAX):
        raise BadRow(f"rating {quoted(str(rating))} is not a number from 0 to {_RATING_MAX:g}")
    if installs is not None:
        if not isinstance(installs, str):
            raise BadRow(f"installs {quoted(str(installs))} is not text")
        installs = clean_text(installs).strip() if needs_cleaning(installs) else installs
    return price, currency, None if rating is None else float(rating), installs or None


def _int(text: str) -> int:
    if not text.isdigit() or not text.isascii():
        raise BadRow(f"rank {text!r} is not a whole number")
    return int(text)


def _time(text: str) -> int:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        raise BadKey(f"captured_at {text!r} is not an ISO 8601 time") from None
    if value.tzinfo is None:
        raise BadKey(f"captured_at {text!r} has no UTC offset (export writes ...Z)")
    if value.microsecond:
        raise BadKey(f"captured_at {text!r} has a fraction of a second (times are whole seconds)")
    return to_epoch(value)


def _key(fields: dict[str, Any]) -> ChartKey:
    source = fields["source"]
    if source not in SOURCE_FACTS:
        raise BadKey(f"source {source!r} is not one of {', '.join(SOURCE_FACTS)}")
    feed = SOURCE_FACTS[source]
    country = fields["country"]
    if country not in STOREFRONT_SET:
        raise BadKey(f"country {country!r} is not a lower-case App Store storefront code")
    chart = fields["chart"]
    if chart not in feed.charts:
        raise BadKey(f"chart {chart!r} is not offered by {source} ({', '.join(feed.charts)})")
    try:
        category = category_key(fields["category"], source)
    except ValueError as exc:
        raise BadKey(f"category: {exc}") from None
    if category != fields["category"] or (category != "all" and not feed.supports_categories):
        raise BadKey(f"category {fields['category']!r} is not a category of {source}")
    device = fields["device"]
    if device not in feed.devices:
        raise BadKey(f"device {device!r} is not offered by {source} ({', '.join(feed.devices)})")
    return ChartKey(source, country, chart, category, device)
