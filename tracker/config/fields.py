"""Field types every section shares: durations and storefronts, each checked in one place.

    every: Duration             "30s", "15m", "1h", "90d" or a number of seconds -> timedelta
    countries: Countries        storefront codes, or "all": every storefront, in the order given
    countries: AnyCountries     the same, where none (or "all") means every country with data

The value is parsed once, when the configuration loads; callers use the `timedelta` or the
codes. "all" means every App Store storefront wherever countries are configured: a track
fetches each of them and an alert rule watches each of them (both hold the full list); a chart
holds it as no countries, its own way of saying "every country with data", so that a chart of
all countries draws what there is instead of noting each storefront without data.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from tracker.storefronts import STOREFRONT_SET, STOREFRONTS
from tracker.timeutil import format_duration, parse_duration

ALL = "all"


class Strict(BaseModel):
    """A config table: unknown keys are errors, and the values cannot change once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def duration(value: object) -> timedelta:
    """A duration from config text ("15m"), a number of seconds (TOML `pause_max = 90`), or a
    timedelta; ValueError in `parse_duration`'s words otherwise."""
    if isinstance(value, timedelta):
        if value <= timedelta(0):
            raise ValueError(f"duration must be positive: {format_duration(value)!r}")
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return parse_duration(f"{value}s")
    if isinstance(value, str):
        return parse_duration(value)
    raise ValueError(f"not a duration: {value!r} (expected e.g. 30s, 15m, 1h, 7d)")


Duration = Annotated[timedelta, BeforeValidator(duration)]


def storefront(value: str) -> str:
    """One storefront code, lower-cased; ValueError naming the value as given otherwise."""
    code = value.strip().lower()
    if code not in STOREFRONT_SET:
        raise ValueError(f"{value!r} is not an App Store storefront code (e.g. us, gb, jp)")
    return code


def storefronts(values: Iterable[str]) -> list[str]:
    """Codes checked and lower-cased, without duplicates; "all" stands for every storefront,
    where it is written (`["us", "all"]`: us first, then the rest in the usual order)."""
    out: dict[str, None] = {}
    for value in values:
        codes = STOREFRONTS if value.strip().lower() == ALL else (storefront(value),)
        out.update(dict.fromkeys(codes))
    return list(out)


def every_storefront(codes: Iterable[str]) -> bool:
    """Whether `codes` cover every storefront (what "all" gives)."""
    return set(codes) >= STOREFRONT_SET


def _one_as_list(value: Any) -> Any:
    # `countries = "us"` is a list of one; anything else is left for the list check to refuse.
    return [value] if isinstance(value, str) else value


def _countries(values: list[str]) -> list[str]:
    if not values:
        raise ValueError(f'needs at least one country (or "{ALL}")')
    return storefronts(values)


def _any_countries(values: list[str]) -> list[str]:
    codes = storefronts(values)  # every value checked, "all" or not
    return [] if any(v.strip().lower() == ALL for v in values) else codes


Countries = Annotated[list[str], BeforeValidator(_one_as_list), AfterValidator(_countries)]
AnyCountries = Annotated[list[str], BeforeValidator(_one_as_list), AfterValidator(_any_countries)]

__all__ = [
    "ALL",
    "AnyCountries",
    "Countries",
    "Duration",
    "Strict",
    "duration",
    "every_storefront",
    "storefront",
    "storefronts",
]
