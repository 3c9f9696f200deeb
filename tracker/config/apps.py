"""`[apps]`: aliases for store ids, usable wherever a command takes an app."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from tracker.config.errors import KeyValueError
from tracker.text.values import is_store_id


def _aliases(values: dict[str, str]) -> dict[str, str]:
    for alias, app_id in values.items():
        if not is_store_id(str(app_id)):
            raise KeyValueError(alias, app_id, "not a numeric store id (ASCII digits)")
    # Aliases match case-insensitively: kept lower-cased, as commands look them up.
    return {alias.lower(): str(app_id) for alias, app_id in values.items()}


# alias (lower-cased) -> store id
Aliases = Annotated[dict[str, str], AfterValidator(_aliases)]
