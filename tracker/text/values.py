"""What a stored value may be: one rule, applied when a feed is parsed and again on import.

Whatever a fetch stores must survive export, import and `db copy` to any database, so the
checks at parse time are the strictest any of them makes:

- a store id is 1 to 64 ASCII digits (`app.store_id` is VARCHAR(64)); `str.isdigit()` alone
  would take Arabic-Indic or superscript digits, which import then refuses;
- text (names, developers, links) holds no control character (PostgreSQL refuses NUL; a
  newline or ESC forges log lines and drives terminals): each run of them becomes one space;
- text is at most TEXT_MAX characters (a 9 MB name would not read back through import's CSV
  reader); a longer one is cut, with an ellipsis.
"""

from __future__ import annotations

import re

STORE_ID_MAX = 64
TEXT_MAX = 500

_STORE_ID = re.compile(f"[0-9]{{1,{STORE_ID_MAX}}}")
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
