"""`apprank digest`: its text and --json on the digest scenario, and one-line usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.main import get_command

from tests.cli.conftest import Apprank
from tests.query.digest_story import US_GB_LINES, scenario
from tests.query.story import DEEPSEEK
from tracker.store.engine import open_engine

WINDOW = ("--since", "2025-01-26T00:30", "--until", "2025-01-26T13:00")


@pytest.fixture(scope="module")
def digest_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("digest")
    engine = open_engine(f"sqlite:///{folder / 'apprank.db'}")
    scenario(engine)
    engine.dispose()
    path = folder / "config.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{folder / "apprank.db"}"\n'
        '[apps]\ndeepseek = "6737597349"\nchatgpt = "6448311069"\n',
        encoding="utf-8",
    )
    return path


def test_digest_prints_its_lines(digest_config: Path, apprank: Apprank) -> None:
    result = apprank("digest", "-c", digest_config, *WINDOW, "--country", "us,gb")
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "apprank digest · top-free · 26 Jan 00:30 UTC -> 26 Jan 13:00 UTC · 2 countries",
        *US_GB_LINES,
    ]


def test_digest_json_shape(digest_config: Path, apprank: Apprank) -> None:
    result = apprank("digest", "-c", digest_config, *WINDOW, "--app", "deepseek", "--json")
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert sorted(doc) == [
        "apps",
        "chart",
        "climbs",
        "countries",
        "drops",
        "entered_top",
        "failed_fetches",
        "left_top",
        "new_number_ones",
        "number_one_countries",
        "since",
        "top",
        "until",
    ]
    assert doc["since"] == "2025-01-26T00:30:00Z" and doc["top"] == 10
    assert doc["apps"] == [{"app_id": DEEPSEEK, "name": "DeepSeek"}]
    assert doc["climbs"][0] == {
        "app_id": DEEPSEEK,
        "name": "DeepSeek",
        "country": "gb",
        "before": 12,
        "after": 4,
        "change": 8,
    }
    assert doc["failed_fetches"] == [
        {
            "chart": "apple gb top-free",
            "count": 2,
            "last_at": "2025-01-26T07:00:00Z",
            "outcome": "http_error",
            "error": "https://u:***@feed.example/x?token=*** timed out",
        }
    ]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--since", "yesterday"), "--since: not a time: 'yesterday'"),
        (("--until", "soon"), "--until: not a time: 'soon'"),
        (("--since", "2025-01-27", "--until", "2025-01-26"), "--since: must be before --until"),
        (("--country", "zz"), "'zz' is not an App Store storefront code"),
        (("--app", "nothing like it"), "no stored app matches 'nothing like it'"),
        (("--chart", "top-weird"), "top-weird"),
        (("--moves", "0"), "--moves"),
    ],
)
def test_bad_options_exit_2_with_one_line(
    digest_config: Path, apprank: Apprank, args: tuple[str, ...], says: str
) -> None:
    result = apprank("digest", "-c", digest_config, *args)
    assert result.code == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert says in result.stderr and "Traceback" not in result.stderr


def test_digest_help_has_an_example() -> None:
    from tracker.cli import app, load_all

    load_all()
    command = get_command(app).commands["digest"]  # type: ignore[attr-defined]
    assert "Example:" in (command.help or "")
    assert "apprank digest --since 24h" in (command.help or "")
