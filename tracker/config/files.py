"""Finding and reading `config.toml`, and the environment's overrides."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from tracker.errors import ConfigError

DEFAULT_PATH = Path("config.toml")


def read_config_file(path: Path | str | None) -> tuple[dict[str, Any], Path]:
    """The TOML of `path`, else $APPRANK_CONFIG, else ./config.toml (none there: no keys)."""
    chosen = Path(path or os.environ.get("APPRANK_CONFIG") or DEFAULT_PATH)
    if path is None and not os.environ.get("APPRANK_CONFIG") and not chosen.exists():
        return {}, chosen
    try:
        return tomllib.loads(chosen.read_text(encoding="utf-8")), chosen
    except FileNotFoundError:
        raise ConfigError(f"{chosen}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{chosen}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{chosen}: not valid TOML: {exc}") from None


def with_overrides(data: dict[str, Any], path: Path | str) -> dict[str, Any]:
    """`data` with $APPRANK_DATABASE_URL applied and the path it came from."""
    data = dict(data)
    env_url = os.environ.get("APPRANK_DATABASE_URL")
    # A `database` that is not a table is left for validation to refuse in one line.
    if env_url and isinstance(data.get("database", {}), dict):
        data["database"] = {**data.get("database", {}), "url": env_url}
    if "path" in data:
        raise ConfigError(f"{path}: path: unknown key")
    return {**data, "path": Path(path)}
