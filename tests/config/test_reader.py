"""Read commands validate only the sections they use; writers validate the whole file.

Both go through the same models, so a section both check is refused with the same line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.config.test_load import INVALID
from tests.conftest import run_apprank
from tests.query.story import build_story
from tracker.config.load import load_config
from tracker.config.reader import READER_SECTIONS, TRACKED_SECTIONS, load_reader_config
from tracker.errors import ConfigError
from tracker.store.engine import open_engine

# Sections no read command uses, each invalid: refused by every writer, not looked at by readers.
NOT_READ = {
    "alert": (
        '[[alert]]\nname = "r"\napp = "deepseek"\nwhen = "rank >= 3"\n',
        "alert[0].when = 'rank >= 3': cannot read 'rank >= 3'",
    ),
    "chart": ('[[chart]]\nkind = "pie"\n', "chart[0].kind = 'pie': Input should be 'rank'"),
    "notify": (
        '[notify.webhook.w]\nurl = "ftp://x"\n',
        "notify.webhook.w.url = 'ftp://x': must start with http:// or https://",
    ),
    "http": ("[http]\ntimeout = -1\n", "http.timeout = -1: Input should be greater than 0"),
    "daemon": ("[daemon]\nworkers = 0\n", "daemon.workers = 0: Input should be greater"),
    "unknown": ("[bogus]\nx = 1\n", "bogus: unknown key"),
}
ALL_NOT_READ = "".join(text for text, _ in NOT_READ.values())


@pytest.fixture(scope="module")
def story_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database at the current schema holding tests/query/story.py."""
    path = tmp_path_factory.mktemp("readers") / "apprank.db"
    engine = open_engine(f"sqlite:///{path}")
    build_story(engine)
    engine.dispose()
    return path


def config_file(folder: Path, db: Path, extra: str) -> Path:
    path = folder / "config.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{db}"\n[apps]\ndeepseek = "6737597349"\n'
        f'[[track]]\ncountries = ["us"]\n{extra}',
        encoding="utf-8",
    )
    return path


def the_full_loads_error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return str(caught.value)


@pytest.mark.parametrize(("text", "message"), NOT_READ.values(), ids=NOT_READ.keys())
def test_a_section_readers_do_not_use_is_refused_by_writers_while_readers_read(
    tmp_path: Path, story_db: Path, text: str, message: str
) -> None:
    path = config_file(tmp_path, story_db, text)
    error = the_full_loads_error(path)
    assert error.startswith(f"{path}: {message}")
    for writer in (["fetch"], ["db", "current"]):
        result = run_apprank(*writer, "--config", path)
        assert (result.code, result.stdout, result.stderr) == (2, "", f"Error: {error}\n"), writer

    top = run_apprank("top", "--limit", "3", "--json", "--config", path)
    assert (top.code, top.stderr) == (0, "")
    entries = json.loads(top.stdout)["entries"]
    assert [(e["rank"], e["app_id"]) for e in entries] == [
        (1, "6737597349"),
        (2, "310633997"),
        (3, "6448311069"),
    ]
    history = run_apprank("history", "deepseek", "--country", "us", "--json", "--config", path)
    assert (history.code, history.stderr) == (0, "")
    assert json.loads(history.stdout)[0]["points"][-1]["rank"] == 1
    status = run_apprank("status", "--json", "--config", path)
    assert (status.code, status.stderr) == (0, "")
    assert [(r["country"], r["chart"]) for r in json.loads(status.stdout)] == [("us", "top-free")]


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ('[database]\nurl = "mysql://h/db"\n', "database.url = 'mysql://h/db': apprank stores"),
        ('[apps]\ndeepseek = "DeepSeek"\n', "apps.deepseek = 'DeepSeek': not a numeric store id"),
    ],
    ids=["database", "apps"],
)
def test_a_bad_database_or_apps_is_refused_by_readers_and_writers_with_one_line(
    tmp_path: Path, section: str, message: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(section + ALL_NOT_READ, encoding="utf-8")
    error = the_full_loads_error(path)
    assert error.startswith(f"{path}: {message}")
    for command in (
        ["fetch"],
        ["db", "current"],
        ["top"],
        ["history", "deepseek"],
        ["status"],
        ["health"],
        ["export", "-o", "-"],
    ):
        result = run_apprank(*command, "--config", path)
        assert (result.code, result.stdout, result.stderr) == (2, "", f"Error: {error}\n"), command


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_readers_give_the_full_loads_error_for_the_sections_they_check(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    error = the_full_loads_error(path)
    section = text.strip("[\n").split("]")[0].split(".")[0]
    for sections in (READER_SECTIONS, TRACKED_SECTIONS):
        if section in sections or "not valid TOML" in message:
            with pytest.raises(ConfigError) as caught:
                load_reader_config(path, sections)
            assert str(caught.value) == error
        else:
            assert load_reader_config(path, sections).path == path


def test_a_reader_config_holds_what_the_full_load_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[database]\nurl = "sqlite:///a.db"\n[apps]\nDeepSeek = "6737597349"\n'
        '[sources.apple]\nbase_url = "http://127.0.0.1:9/"\n'
        '[[track]]\nname = "t"\ncountries = ["us", "GB"]\ncharts = ["top-free", "top-paid"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("APPRANK_DATABASE_URL", "sqlite:///override.db")
    full = load_config(path)
    reader = load_reader_config(path, TRACKED_SECTIONS)
    assert reader.database.url == full.database.url == "sqlite:///override.db"
    assert reader.apps == full.apps
    assert {k: a.ids for k, a in reader.apps.items()} == {"deepseek": {"apple": "6737597349"}}
    assert reader.base_url("apple") == full.base_url("apple") == "http://127.0.0.1:9"
    assert reader.requests() == full.requests() and len(reader.requests()) == 4
    # Sections left out keep their defaults: a reader of [database] and [apps] tracks nothing.
    assert load_reader_config(path, READER_SECTIONS).track == []
