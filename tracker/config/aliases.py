"""The `[apps]` rule, without pydantic: an alias names an app by its id in each store, and may
give the label that stands for it wherever one name must speak for several storefronts.

    [apps]
    chatgpt = "6448311069"                                  # an App Store id
    deepseek = { apple = "6737597349", googleplay = "com.deepseek.chat", label = "DeepSeek" }

A plain string is an App Store id. In a table, `apple` and `googleplay` are the app's ids in
those stores (at least one), and `label` is optional. Aliases match case-insensitively.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from tracker.text.values import is_package_name, is_store_id

# The stores an alias can name an id in, in the order an alias's apps are listed.
ALIAS_STORES = ("apple", "googleplay")
_LABEL_MAX = 200


@dataclass(frozen=True, slots=True)
class AppAlias:
    """One `[apps]` entry: the app's id per store (`ids`, in ALIAS_STORES order) and its label."""

    ids: Mapping[str, str]
    label: str | None = None

    def id_in(self, store: str) -> str | None:
        return self.ids.get(store)

    def first_id(self) -> str:
        """The id of the first store the alias names (Apple's when it names one)."""
        return next(iter(self.ids.values()))


class AliasError(ValueError):
    """An `[apps]` entry that breaks the rule; `key` is its dotted key below `apps`."""

    def __init__(self, key: str, value: Any, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.value = value


def aliases(values: Mapping[str, Any]) -> dict[str, AppAlias]:
    """alias (lower-cased) -> AppAlias, or AliasError naming the entry that breaks the rule."""
    out: dict[str, AppAlias] = {}
    for alias, value in values.items():
        out[alias.lower()] = _alias(alias, value)
    return out


def labels_by_id(values: Mapping[str, AppAlias]) -> Mapping[str, str]:
    """store id -> the label its alias gives it (ids of aliases without a label left out)."""
    return MappingProxyType(
        {app_id: a.label for a in values.values() if a.label for app_id in a.ids.values()}
    )


def _alias(alias: str, value: Any) -> AppAlias:
    if isinstance(value, str | int) and not isinstance(value, bool):
        return AppAlias(MappingProxyType({"apple": _id(alias, "apple", value)}))
    if not isinstance(value, dict):
        raise AliasError(
            alias, value, "give an App Store id, or a table of store ids (apple, googleplay)"
        )
    unknown = [k for k in value if k not in (*ALIAS_STORES, "label")]
    if unknown:
        raise AliasError(
            f"{alias}.{unknown[0]}",
            value[unknown[0]],
            f"unknown key (expected {', '.join(ALIAS_STORES)} or label)",
        )
    ids = {
        store: _id(f"{alias}.{store}", store, value[store])
        for store in ALIAS_STORES
        if store in value
    }
    if not ids:
        raise AliasError(alias, value, f"name the app's id in a store ({', '.join(ALIAS_STORES)})")
    label = value.get("label")
    if label is not None and (
        not isinstance(label, str) or not label.strip() or len(label) > _LABEL_MAX
    ):
        raise AliasError(
            f"{alias}.label", label, f"a label is a non-empty string of at most {_LABEL_MAX}"
        )
    return AppAlias(MappingProxyType(ids), label.strip() if label else None)


def _id(key: str, store: str, value: Any) -> str:
    if not isinstance(value, str):
        raise AliasError(key, value, 'an id is a quoted string (chatgpt = "6448311069")')
    if store == "apple":
        if not is_store_id(value):
            raise AliasError(key, value, "not a numeric store id (ASCII digits)")
        return value
    if not is_package_name(value):
        raise AliasError(key, value, "not a Google Play package name (like com.deepseek.chat)")
    return value
