"""`[sources.NAME]`: where to fetch each source from (what each offers: tracker/config/facts.py)."""

from __future__ import annotations

import re

from pydantic import field_validator

from tracker.config.facts import SOURCE_FACTS, SourceSettings
from tracker.config.fields import Strict
from tracker.config.tracking import http_base_url


class SourceConfig(Strict):
    base_url: str
    # The storefront language asked for, where a source takes one (Google Play's `hl`).
    language: str = "en"
    # Extra headers and query parameters sent with every request to the source.
    headers: dict[str, str] = {}
    params: dict[str, str] = {}

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return http_base_url(value)  # the rule, shared with the pydantic-free reading

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if not _LANGUAGE.fullmatch(value):
            raise ValueError("not a language code (like en, pt-BR or zh-Hant)")
        return value

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not _TOKEN.fullmatch(name):
                raise ValueError(f"{name!r} is not an HTTP header name")
            if any(c in text for c in "\r\n\0"):
                raise ValueError(f"the value of header {name!r} holds a line break")
        return value

    def settings(self) -> SourceSettings:
        """What the fetch needs of this table."""
        return SourceSettings(
            self.base_url, self.language, tuple(self.headers.items()), tuple(self.params.items())
        )


_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


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
