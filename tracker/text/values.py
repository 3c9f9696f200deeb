"""What a stored value may be: one rule, applied when a feed is parsed and again on import.

Whatever a fetch stores must survive export, import and `db copy` to any database, so the
checks at parse time are the strictest any of them makes:

- an App Store id is 1 to 64 ASCII digits (`app.store_id` is VARCHAR(150), to hold Google
  Play's package names too); `str.isdigit()`
  alone would take Arabic-Indic or superscript digits, which import then refuses;
- a Google Play id is an Android package name (`com.deepseek.chat`): Java's rule, segments of a
  letter then ASCII letters, digits or underscores, at least two, joined by dots, at most
  PACKAGE_NAME_MAX characters; `ID_RULES` says which rule each store's ids follow;
- text (names, developers, links) holds no control character (PostgreSQL refuses NUL; a
  newline or ESC forges log lines and drives terminals): each run of them becomes one space;
- text is at most TEXT_MAX characters (a 9 MB name would not read back through import's CSV
  reader); a longer one is cut, with an ellipsis.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

STORE_ID_MAX = 64
PACKAGE_NAME_MAX = 150
TEXT_MAX = 500

_STORE_ID = re.compile(f"[0-9]{{1,{STORE_ID_MAX}}}")
_SEGMENT = "[A-Za-z][A-Za-z0-9_]*"
_PACKAGE_NAME = re.compile(rf"{_SEGMENT}(?:\.{_SEGMENT})+")
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]+")


def is_store_id(value: str) -> bool:
    """True for 1 to STORE_ID_MAX ASCII digits."""
    return _STORE_ID.fullmatch(value) is not None


def is_store_id_list(values: list[str]) -> bool:
    """`is_store_id` for each of `values`, in a few passes in C (for a whole chart at once)."""
    joined = "".join(values)
    return (
        joined.isascii()
        and joined.isdigit()
        and min(map(len, values), default=1) >= 1
        and max(map(len, values), default=0) <= STORE_ID_MAX
    )


def is_package_name(value: str) -> bool:
    """True for an Android package name of at most PACKAGE_NAME_MAX characters."""
    return len(value) <= PACKAGE_NAME_MAX and _PACKAGE_NAME.fullmatch(value) is not None


def is_package_name_list(values: list[str]) -> bool:
    """`is_package_name` for each of `values` (a whole chart at once: the loop runs in C)."""
    return max(map(len, values), default=0) <= PACKAGE_NAME_MAX and all(
        map(_PACKAGE_NAME.fullmatch, values)
    )


@dataclass(frozen=True, slots=True)
class IdRule:
    """How one store spells its apps' ids: `what` names the rule in a refusal ("... is not
    {what}"), `one` checks an id, `every` a whole chart's ids at once."""

    what: str
    one: Callable[[str], bool]
    every: Callable[[list[str]], bool]


STORE_IDS = IdRule(f"a store id (1 to {STORE_ID_MAX} ASCII digits)", is_store_id, is_store_id_list)
PACKAGE_NAMES = IdRule(
    f"a package name (like com.example.app, at most {PACKAGE_NAME_MAX} characters)",
    is_package_name,
    is_package_name_list,
)
# store (`SourceFacts.store`) -> how its ids are spelled
ID_RULES: dict[str, IdRule] = {"apple": STORE_IDS, "googleplay": PACKAGE_NAMES}


def needs_cleaning(value: str) -> bool:
    """True when `clean_text` would change `value`."""
    return len(value) > TEXT_MAX or _has_controls(value)


def any_needs_cleaning(values: list[str]) -> bool:
    """`needs_cleaning` for any of `values`: one scan of them all."""
    return max(map(len, values), default=0) > TEXT_MAX or _has_controls("".join(values))


def _has_controls(value: str) -> bool:
    # isprintable() is False for every control character (and for a few harmless characters,
    # such as a no-break space, which the exact scan then clears): a check in C, ten times
    # faster than the regular expression over the text of a whole chart.
    return not value.isprintable() and _CONTROLS.search(value) is not None


def clean_text(value: str) -> str:
    """`value` with each run of control characters made one space, cut to TEXT_MAX."""
    value = _CONTROLS.sub(" ", value)
    return value if len(value) <= TEXT_MAX else value[: TEXT_MAX - 1] + "…"
