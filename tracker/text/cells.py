"""Spreadsheet safety for text cells (OWASP CSV injection): the rule every CSV writer shares.

A cell starting with `=`, `+`, `-`, `@`, tab or carriage return would be read as a formula by
a spreadsheet, so it gets a leading `'`. A cell that already starts with `'`s followed by a
trigger gets one more, so `restore` (used by import) gives back exactly the original.
"""

from __future__ import annotations

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Prefix "'" to a cell a spreadsheet would read as a formula."""
    if text.startswith(TRIGGERS) or (
        text.startswith("'") and text.lstrip("'").startswith(TRIGGERS)
    ):
        return "'" + text
    return text


def restore(text: str) -> str:
    """Undo `neutralise`: drop one "'" from apostrophes followed by a trigger character."""
    if text.startswith("'") and text.lstrip("'").startswith(TRIGGERS):
        return text[1:]
    return text
