"""What most read commands need of `config.toml`, read without pydantic: the database URL and
the `[apps]` aliases.

`top`, `history`, `movers`, `compare`, `leaders`, `stats`, `apps` and `export` use nothing
else, and importing pydantic and building the reader models cost them a fifth of their start-up
(docs/performance.md, "CLI start-up"). So the two rules live here as plain functions, which
`DatabaseConfig` and `Aliases` call too (one home for each rule), and a valid file is read with
them alone. Anything this path does not accept as plainly valid (a section that is not a table,
an unknown key, a value of the wrong type, a rule broken) is handed to the pydantic models, so a
broken file gets exactly the one-line error every other command gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tracker.config.aliases import AppAlias, aliases
from tracker.config.files import read_config_file, with_overrides
from tracker.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///apprank.db"


def database_url(value: str) -> str:
    """`value` if apprank can store its history there; ValueError saying why not otherwise."""
    # Checked at load so that another database is a configuration error (exit 2), not a
    # missing driver found when the first command opens it.
    scheme, sep, _ = value.partition("://")
    if not sep or scheme.split("+")[0] not in ("sqlite", "postgresql"):
        raise ValueError(
            "apprank stores its history in SQLite (sqlite:///PATH) or PostgreSQL "
            "(postgresql+psycopg://...)"
        )
    from sqlalchemy.engine import make_url  # every reader loads it to open the database anyway

    try:
        make_url(value)
    except ValueError:  # SQLAlchemy's own words name no part ("invalid literal for int()")
        raise ValueError("not a database URL (is the port a number?)") from None
    return value


@dataclass(frozen=True, slots=True)
class Reading:
    """The sections a read command uses, validated."""

    database_url: str
    aliases: Mapping[str, AppAlias]
    path: Path


def load_reading(path: Path | str | None = None) -> Reading:
    """`[database]` and `[apps]` of `path` (found as `load_config` finds it), with
    $APPRANK_DATABASE_URL applied; ConfigError in the one-line format when either is broken."""
    data, chosen = read_config_file(path)
    picked = with_overrides({k: data[k] for k in ("database", "apps") if k in data}, chosen)
    reading = plainly_valid_reading(picked, chosen)
    if reading is not None:
        return reading
    # Not plainly valid: the models say what is wrong, in the format every command uses.
    from tracker.config.errors import validated
    from tracker.config.reader import ReaderConfig

    model = validated(ReaderConfig, picked, chosen)
    # The models accept only what the plain path accepts; should they ever accept more, use
    # their reading rather than refuse a file they call valid.
    return Reading(model.database.url, MappingProxyType(dict(model.apps)), chosen)


def plainly_valid_reading(data: dict[str, Any], path: Path) -> Reading | None:
    """The reading of `data`'s `[database]` and `[apps]` if they are plainly valid, else None."""
    database = data.get("database", {})
    apps = data.get("apps", {})
    if not isinstance(database, dict) or not isinstance(apps, dict):
        return None
    url = database.get("url", DEFAULT_DATABASE_URL)
    if set(database) - {"url"} or not isinstance(url, str):
        return None
    try:
        return Reading(database_url(url), MappingProxyType(aliases(apps)), path)
    except ValueError:
        return None


__all__ = ["ConfigError", "Reading", "aliases", "database_url", "load_reading"]
