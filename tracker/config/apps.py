"""`[apps]`: aliases for apps, usable wherever a command takes an app (the rule:
tracker/config/aliases.py, shared with the pydantic-free reading)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import PlainValidator

from tracker.config.aliases import AliasError, AppAlias, aliases
from tracker.config.errors import KeyValueError


def _aliases(values: Any) -> Mapping[str, AppAlias]:
    if not isinstance(values, dict):
        raise ValueError("[apps] is a table of aliases")
    try:
        return aliases(values)
    except AliasError as exc:
        raise KeyValueError(exc.key, exc.value, str(exc)) from None


# alias (lower-cased) -> AppAlias
Aliases = Annotated[Mapping[str, AppAlias], PlainValidator(_aliases)]
