"""What an imported row may hold, by its chart's store: App Store ids and genre ids, Google
Play package names and category codes (tracker/files/import_rows.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tracker.files.import_rows import BadKey, BadRow, parse_key, parse_row
from tracker.models import ChartKey


def fields(
    source: str, app_id: str, category: str = "all", device: str = "phone"
) -> dict[str, Any]:
    return {
        "captured_at": "2026-01-05T10:00:00Z",
        "source": source,
        "country": "us",
        "chart": "top-free",
        "category": category,
        "device": device,
        "rank": "1",
        "app_id": app_id,
        "app_name": "DeepSeek",
        "developer": "DeepSeek",
        "simulated": "false",
    }


def test_a_google_play_row_holds_a_package_name_and_a_category_code() -> None:
    record = fields("googleplay", "com.deepseek.chat", "GAME_PUZZLE")
    parsed = parse_key(record)
    assert not isinstance(parsed, BadKey)
    key, at = parsed
    assert key == ChartKey("googleplay", "us", "top-free", "GAME_PUZZLE", "phone")
    assert parse_row(record, False, 2, key, at).app_id == "com.deepseek.chat"


@pytest.mark.parametrize(
    ("source", "app_id", "device", "why"),
    [("googleplay", "6737597349", "phone",
      "app_id '6737597349' is not a package name (like com.example.app, at most 150 characters)"),
     ("apple", "com.deepseek.chat", "iphone",
      "app_id 'com.deepseek.chat' is not a store id (1 to 64 ASCII digits)")],
    ids=["digits-on-googleplay", "package-on-apple"],
)  # fmt: skip
def test_each_store_refuses_the_others_ids(source: str, app_id: str, device: str, why: str) -> None:
    record = fields(source, app_id, device=device)
    parsed = parse_key(record)
    assert not isinstance(parsed, BadKey)
    with pytest.raises(BadRow) as caught:
        parse_row(record, False, 2, *parsed)
    assert str(caught.value) == why


@pytest.mark.parametrize(
    ("category", "why"),
    [("6014", "category: unknown Google Play category '6014' (a code such as GAME, GAME_PUZZLE "
      "or TOOLS; the README lists them)"),
     ("game_puzzle", "category 'game_puzzle' is not a category of googleplay")],
    ids=["apple-genre", "not-as-exported"],
)  # fmt: skip
def test_a_google_play_category_is_its_exported_code(category: str, why: str) -> None:
    parsed = parse_key(fields("googleplay", "com.deepseek.chat", category))
    assert isinstance(parsed, BadKey)
    assert str(parsed) == why
