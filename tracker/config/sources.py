"""`[sources.NAME]`: where to fetch each source from (what each offers: tracker/config/facts.py)."""

from __future__ import annotations

from pydantic import field_validator

from tracker.config.facts import SOURCE_FACTS
from tracker.config.fields import Strict
from tracker.config.tracking import http_base_url


class SourceConfig(Strict):
    base_url: str

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return http_base_url(value)  # the rule, shared with the pydantic-free reading


def default_sources() -> dict[str, SourceConfig]:
    return {name: SourceConfig(base_url=f.default_base_url) for name, f in SOURCE_FACTS.items()}


def with_default_sources(values: dict[str, SourceConfig]) -> dict[str, SourceConfig]:
    """`[sources]` as given over the defaults; a table for an unknown source is an error."""
    for name in values:
        if name not in SOURCE_FACTS:
            raise ValueError(
                f"unknown source {name!r} (expected one of: {', '.join(SOURCE_FACTS)})"
            )
    return {**default_sources(), **values}
