"""`[apps]`: a plain string is an App Store id; a table names an id per store and a label."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.config.load import load_config
from tracker.config.reading import load_reading
from tracker.errors import ConfigError


def _write(tmp_path: Path, apps: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"[apps]\n{apps}\n", encoding="utf-8")
    return path


def test_a_table_names_an_id_per_store_and_a_label(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        'chatgpt = "6448311069"\n'
        'DeepSeek = { apple = "6737597349", googleplay = "com.deepseek.chat", '
        'label = "DeepSeek" }\n'
        'play_only = { googleplay = "com.openai.chatgpt" }',
    )
    for aliases in (load_reading(path).aliases, load_config(path).apps):
        assert {k: (dict(a.ids), a.label) for k, a in aliases.items()} == {
            "chatgpt": ({"apple": "6448311069"}, None),
            "deepseek": ({"apple": "6737597349", "googleplay": "com.deepseek.chat"}, "DeepSeek"),
            "play_only": ({"googleplay": "com.openai.chatgpt"}, None),
        }
        assert aliases["deepseek"].first_id() == "6737597349"
        assert aliases["play_only"].first_id() == "com.openai.chatgpt"


@pytest.mark.parametrize(
    ("apps", "line"),
    [
        ('x = { apple = "12a" }', "apps.x.apple = '12a': not a numeric store id (ASCII digits)"),
        (
            'x = { googleplay = "6737597349" }',
            "apps.x.googleplay = '6737597349': not a Google Play package name "
            "(like com.deepseek.chat)",
        ),
        ('x = { label = "X" }', "apps.x = {...}: name the app's id in a store (apple, googleplay)"),
        ('x = { apple = "1", store = "y" }', "apps.x.store = 'y': unknown key"),
        ('x = { apple = "1", label = " " }', "apps.x.label = ' ': a label is a non-empty string"),
    ],
)
def test_a_broken_alias_is_one_line_naming_its_key(tmp_path: Path, apps: str, line: str) -> None:
    path = _write(tmp_path, apps)
    for load in (load_reading, load_config):
        with pytest.raises(ConfigError) as caught:
            load(path)
        assert str(caught.value).startswith(f"{path}: {line}"), str(caught.value)
