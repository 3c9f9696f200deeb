"""`[apps]`: aliases for store ids, usable wherever a command takes an app."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from tracker.config.errors import KeyValueError
from tracker.config.reading import AliasError, aliases


def _aliases(values: dict[str, str]) -> dict[str, str]:
    try:
        return aliases(values)  # the rule, shared with the pydantic-free reading
    except AliasError as exc:
        raise KeyValueError(exc.alias, exc.app_id, str(exc)) from None


# alias (lower-cased) -> store id
Aliases = Annotated[dict[str, str], AfterValidator(_aliases)]
