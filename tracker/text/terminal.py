"""Terminal and log safety for third-party text: the rule every text log line and table shares.

App names and feed errors come from servers we do not control. Written raw, a newline forges a
log line (`...\n2026-01-27T12:00:00.000Z CRITICAL apprank.daemon: the scheduler stopped`), and
ESC or OSC sequences move the cursor, recolour the terminal or set its title. `printable` shows
every control character as a visible escape instead; JSON output needs none of this (its
encoder escapes them) and CSV has its own rule (tracker/text/cells.py).
"""

from __future__ import annotations

import re

# C0 controls (newline, ESC, BEL...), DEL, and the C1 controls (CSI, OSC as one code point).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` with each control character shown as an escape: `\\n`, `\\x1b`, `\\x9b`."""
    if _CONTROL.search(text) is None:  # the usual case costs one scan
        return text
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or f"\\x{ord(char):02x}"
