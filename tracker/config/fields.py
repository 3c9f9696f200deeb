"""Field types every section shares: durations and storefronts, each checked in one place
(storefronts in tracker/config/selection.py, which read commands use without pydantic).

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

from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from tracker.config.selection import (
    ALL,
    any_countries,
    every_storefront,
    storefront,
    storefronts,
)
from tracker.timeutil import duration


class Strict(BaseModel):
    """A config table: unknown keys are errors, and the values cannot change once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


Duration = Annotated[timedelta, BeforeValidator(duration)]


def _one_as_list(value: Any) -> Any:
    # `countries = "us"` is a list of one; anything else is left for the list check to refuse.
    return [value] if isinstance(value, str) else value


def _countries(values: list[str]) -> list[str]:
    if not values:
        raise ValueError(f'needs at least one country (or "{ALL}")')
    return storefronts(values)


Countries = Annotated[list[str], BeforeValidator(_one_as_list), AfterValidator(_countries)]
AnyCountries = Annotated[list[str], BeforeValidator(_one_as_list), AfterValidator(any_countries)]

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
