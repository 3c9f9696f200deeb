"""The one-line error format of `config.toml`: file, key path and value, then the problem.

    config.toml: track[0].countries = ['us', 'zz']: 'zz' is not an App Store storefront code ...

Secrets never reach the line: a key that names a secret shows no value, and an unknown key
(perhaps a secret under a misspelt name) shows only its name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from tracker.errors import ConfigError
from tracker.text.redact import is_secret_key, mask_text, quoted

M = TypeVar("M", bound=BaseModel)


class KeyValueError(ValueError):
    """A validation error that knows which sub-key failed (a model check spanning keys)."""

    def __init__(self, key: str, value: Any, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.value = value
        self.message = message


def format_error(path: Path | str, error: ValidationError) -> str:
    first = error.errors()[0]
    loc = [str(part) for part in first["loc"]]
    ctx_error = (first.get("ctx") or {}).get("error")
    message = first["msg"].removeprefix("Value error, ")
    value: Any = first.get("input")
    if isinstance(ctx_error, KeyValueError):
        loc.append(ctx_error.key)
        value = ctx_error.value
        message = ctx_error.message
    key = ""
    for part in loc:
        key += f"[{part}]" if part.isdigit() else (f".{part}" if key else part)
    # An unknown key's value may be a secret under a misspelt name: only the key is named.
    if first["type"] == "extra_forbidden":
        return f"{path}: {key}: unknown key"
    if loc and is_secret_key(loc[-1]):
        return f"{path}: {key}: {message}"
    if isinstance(value, dict):  # a table is not shown: it may hold secrets
        return f"{path}: {key} = {{...}}: {mask_text(message)}"
    shown = quoted(mask_text(value) if isinstance(value, str) else value)
    return f"{path}: {key} = {shown}: {mask_text(message)}"


def validated(model: type[M], data: dict[str, Any], path: Path | str) -> M:
    """`model` of `data`, or the first problem as one ConfigError line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_error(path, exc)) from None
