"""`[database]`: where the history lives (SQLite or PostgreSQL)."""

from __future__ import annotations

from pydantic import field_validator

from tracker.config.fields import Strict


class DatabaseConfig(Strict):
    url: str = "sqlite:///apprank.db"

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        # Checked here so that another database is a configuration error (exit 2), not a
        # missing driver found when the first command opens it.
        scheme, sep, _ = value.partition("://")
        if not sep or scheme.split("+")[0] not in ("sqlite", "postgresql"):
            raise ValueError(
                "apprank stores its history in SQLite (sqlite:///PATH) or PostgreSQL "
                "(postgresql+psycopg://...)"
            )
        from sqlalchemy.engine import make_url

        try:
            make_url(value)
        except ValueError:  # SQLAlchemy's own words name no part ("invalid literal for int()")
            raise ValueError("not a database URL (is the port a number?)") from None
        return value
