"""`[database]`: where the history lives (SQLite or PostgreSQL)."""

from __future__ import annotations

from pydantic import field_validator

from tracker.config.fields import Strict
from tracker.config.reading import DEFAULT_DATABASE_URL, database_url


class DatabaseConfig(Strict):
    url: str = DEFAULT_DATABASE_URL

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        return database_url(value)  # the rule, shared with the pydantic-free reading
