"""printable: every control character of third-party text becomes a visible escape."""

from __future__ import annotations

import pytest

from tracker.text.terminal import printable


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("DeepSeek - AI Assistant", "DeepSeek - AI Assistant"),
        ("多邻国Duolingo英语日语法语", "多邻国Duolingo英语日语法语"),
        ("a\nb\rc\td", "a\\nb\\rc\\td"),
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),
        ("nul\x00del\x7f csi\x9b", "nul\\x00del\\x7f csi\\x9b"),
    ],
)
def test_control_characters_are_escaped_and_the_rest_kept(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_plain_text_is_returned_as_is() -> None:
    text = "Money $ maker"
    assert printable(text) is text
