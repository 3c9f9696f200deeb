"""`[database]` and `[apps]` read without pydantic (tracker/config/reading.py), for read commands.

A plainly valid file gives the values the models give; anything else gets exactly the line the
models give, because the models are asked for it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.config.load import load_config
from tracker.config.reading import Reading, load_reading
from tracker.errors import ConfigError

VALID = [
    "",
    '[database]\nurl = "sqlite:///data/apprank.db"\n',
    '[database]\nurl = "postgresql+psycopg://apprank@db.example:5432/apprank"\n',
    '[apps]\nChatGPT = "6448311069"\ndeepseek = "6737597349"\n',
    '[apps]\n"Deep Seek" = "6737597349"\n[database]\nurl = "sqlite:///x.db"\n',
]
BROKEN = [
    ('[database]\nurl = "mysql://u@h/db"\n', "database.url = 'mysql://u@h/db': apprank stores"),
    (
        '[database]\nurl = "postgresql://h:port/db"\n',
        "database.url = 'postgresql://***/db': not a database URL (is the port a number?)",
    ),
    ("[database]\nurl = 5\n", "database.url = 5: Input should be a valid string"),
    ('[database]\nurl = "sqlite:///x.db"\npool = 3\n', "database.pool: unknown key"),
    ('database = "sqlite:///x.db"\n', "database = 'sqlite:///x.db': Input should be a valid"),
    ('[apps]\ndeepseek = "DeepSeek"\n', "apps.deepseek = 'DeepSeek': not a numeric store id"),
    (
        "[apps]\nchatgpt = 6448311069\n",
        'apps.chatgpt = 6448311069: an id is a quoted string (chatgpt = "6448311069")',
    ),
    ('apps = ["6448311069"]\n', "apps = ['6448311069']: [apps] is a table of aliases"),
]


def write(folder: Path, text: str) -> Path:
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text", VALID)
def test_a_valid_file_reads_as_the_models_read_it(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    full = load_config(path)
    assert load_reading(path) == Reading(full.database.url, dict(full.apps), path)


@pytest.mark.parametrize(("text", "expected"), BROKEN)
def test_a_broken_section_gets_the_models_line(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as light:
        load_reading(path)
    with pytest.raises(ConfigError) as full:
        load_config(path)
    assert str(light.value) == str(full.value)
    assert str(light.value).startswith(f"{path}: {expected}")


def test_aliases_are_lower_cased_and_the_sections_around_them_are_not_read(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        '[apps]\nChatGPT = "6448311069"\n[[alert]]\nwhen = "nonsense"\n[bogus]\nx = 1\n',
    )
    reading = load_reading(path)
    assert {k: a.ids for k, a in reading.aliases.items()} == {"chatgpt": {"apple": "6448311069"}}
    assert reading.database_url == "sqlite:///apprank.db"


def test_the_environment_names_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPRANK_DATABASE_URL", "sqlite:///elsewhere.db")
    path = write(tmp_path, '[database]\nurl = "sqlite:///here.db"\n')
    assert load_reading(path).database_url == "sqlite:///elsewhere.db"
    monkeypatch.setenv("APPRANK_DATABASE_URL", "mysql://u@h/db")
    with pytest.raises(ConfigError, match=r"database\.url = 'mysql://u@h/db': apprank stores"):
        load_reading(path)


def test_no_file_in_the_folder_is_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("APPRANK_CONFIG", raising=False)
    monkeypatch.delenv("APPRANK_DATABASE_URL", raising=False)
    reading = load_reading()
    assert (reading.database_url, dict(reading.aliases)) == ("sqlite:///apprank.db", {})


def test_a_named_file_that_is_missing_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.toml: no such configuration file$"):
        load_reading(tmp_path / "nowhere.toml")
