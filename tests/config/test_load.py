"""config.toml: the contract's keys, defaults, overrides and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, run_apprank
from tracker.config.load import load_config
from tracker.errors import ConfigError


def test_the_shipped_config_is_valid_and_tracks_the_seed_story() -> None:
    config = load_config(ROOT / "config.toml")
    keys = {(r.key.source, r.key.country, r.key.chart) for r in config.requests()}
    for country in ["us", "gb", "de", "fr", "jp", "kr", "in", "br", "cn", "au", "ca"]:
        assert ("apple", country, "top-free") in keys
        assert ("apple", country, "top-paid") in keys
    assert len({c for _, c, _ in keys}) >= 23
    assert {k: a.ids for k, a in config.apps.items()} == {
        "deepseek": {"apple": "6737597349"},
        "chatgpt": {"apple": "6448311069"},
    }
    assert config.database.url == "sqlite:///apprank.db"
    assert config.track[0].interval.total_seconds() == 3600


def test_path_then_env_then_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.toml").write_text('[database]\nurl = "sqlite:///cwd.db"\n')
    env_file = tmp_path / "env.toml"
    env_file.write_text('[database]\nurl = "sqlite:///env.db"\n')
    given = tmp_path / "given.toml"
    given.write_text('[database]\nurl = "sqlite:///given.db"\n')
    monkeypatch.chdir(tmp_path)
    assert load_config().database.url == "sqlite:///cwd.db"
    monkeypatch.setenv("APPRANK_CONFIG", str(env_file))
    assert load_config().database.url == "sqlite:///env.db"
    assert load_config(given).database.url == "sqlite:///given.db"
    monkeypatch.setenv("APPRANK_DATABASE_URL", "sqlite:///override.db")
    assert load_config(given).database.url == "sqlite:///override.db"


def test_no_config_file_in_cwd_means_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.track == []
    assert config.base_url("apple") == "https://rss.marketingtools.apple.com"
    assert config.base_url("itunes") == "https://itunes.apple.com"


def test_countries_all_expands_to_every_storefront(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[[track]]\ncountries = ["all"]\ncharts = ["top-free", "top-paid"]\n')
    requests = load_config(path).requests()
    assert len(requests) == 174 * 2


def test_itunes_categories_accept_ids_and_names(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[[track]]\nsource = "itunes"\ncharts = ["top-grossing"]\n'
        'categories = ["all", 6014, "Photo & Video"]\ndevices = ["iphone", "ipad"]\n'
    )
    keys = {(r.key.category, r.key.device) for r in load_config(path).requests()}
    assert keys == {(c, d) for c in ("all", "6014", "6008") for d in ("iphone", "ipad")}


INVALID = [
    ('[[track]]\nsource = "playstore"\n', "track[0].source = 'playstore': unknown source"),
    (
        '[[track]]\ncountries = ["us", "zz"]\n',
        "track[0].countries = ['us', 'zz']: 'zz' is not an App Store storefront code "
        "(e.g. us, gb, jp)",
    ),
    (
        '[[track]]\ncharts = ["top-grossing"]\n',
        "track[0].charts = 'top-grossing': not offered by apple",
    ),
    ("[[track]]\ndepth = 101\n", "track[0].depth = 101: must be 1..100 for apple"),
    (
        '[[track]]\nsource = "itunes"\ndepth = 201\n',
        "track[0].depth = 201: must be 1..200 for itunes",
    ),
    ("[[track]]\ndepth = 0\n", "track[0].depth = 0: must be 1..100"),
    ('[[track]]\nevery = "soon"\n', "track[0].every = 'soon': not a duration"),
    ('[[track]]\ncron = "61 * * * *"\n', "track[0].cron = '61 * * * *': invalid cron expression"),
    (
        '[[track]]\ncategories = ["games"]\n',
        "track[0].categories = ['6014']: apple has no genre charts",
    ),
    (
        '[[track]]\nsource = "itunes"\ncategories = ["nonsense"]\n',
        "track[0].categories = ['nonsense']: unknown genre 'nonsense'",
    ),
    (
        '[[track]]\nsource = "itunes"\ncategories = ["all", true]\n',
        "track[0].categories[1] = True: Input should be a valid string",
    ),
    (
        '[[track]]\nsource = "itunes"\ndevices = ["watch"]\n',
        "track[0].devices = 'watch': not offered by itunes",
    ),
    ('[[track]]\ncolour = "red"\n', "track[0].colour: unknown key"),
    ("[http]\ntimeout = -1\n", "http.timeout = -1: Input should be greater than 0"),
    ('[http]\nretries = "many"\n', "http.retries = 'many'"),
    ("[bogus]\nx = 1\n", "bogus: unknown key"),
    (
        '[sources.apple]\nbase_url = "ftp://x"\n',
        "sources.apple.base_url = 'ftp://x': must start with http:// or https://",
    ),
    ('[sources.play]\nbase_url = "https://x"\n', "unknown source 'play'"),
    ('[apps]\ndeepseek = "DeepSeek"\n', "apps.deepseek = 'DeepSeek': not a numeric store id"),
    ('[[track]]\nname = "a"\n[[track]]\nname = "a"\n', "track name 'a' is used twice"),
    ("[database\nurl = 1\n", "not valid TOML"),
]


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_invalid_values_name_the_file_key_and_value(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_cli_reports_a_config_error_in_one_line_with_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[[track]]\ncountries = ["us", "zz"]\n')
    result = run_apprank("fetch", "--config", path)
    assert result.code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: {path}: track[0].countries = ['us', 'zz']: 'zz' is not an App Store "
        "storefront code (e.g. us, gb, jp)\n"
    )


def test_cli_reports_a_missing_config_file(tmp_path: Path) -> None:
    result = run_apprank("status", "--config", tmp_path / "nope.toml")
    assert result.code == 2
    assert result.stderr == f"Error: {tmp_path / 'nope.toml'}: no such configuration file\n"


@pytest.mark.parametrize("command", ["top", "status", "run", "export"])
def test_a_database_url_with_a_non_numeric_port_is_a_config_error(
    tmp_path: Path, command: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[database]\nurl = "postgresql+psycopg://me:hunter2@127.0.0.1:abc/db"\n')
    result = run_apprank(command, "--config", path)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr.startswith(f"Error: {path}: database.url = ")
    assert result.stderr.endswith(": not a database URL (is the port a number?)\n")
    assert "hunter2" not in result.stderr and result.stderr.count("\n") == 1


def test_the_database_url_override_on_a_database_that_is_not_a_table_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('database = "x"\n')
    for command in ("top", "fetch"):
        result = run_apprank(
            command,
            "--config",
            path,
            env={"APPRANK_DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}"},
        )
        assert (result.code, result.stdout) == (2, "")
        assert result.stderr.startswith(f"Error: {path}: database = 'x': ")
        assert result.stderr.count("\n") == 1
