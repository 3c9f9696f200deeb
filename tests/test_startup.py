"""What `apprank` imports to start: the load-independent guard of start-up time.

Each command runs in a subprocess exactly as the console script runs it, and reports at exit
every module it loaded (a module `lazy_module` set up but nothing used is not loaded); heavy
libraries a command does not use must not be among them. The timings themselves are in
`python -m bench cli`, where machine load cannot fail a test. (`python -X importtime` would
miss modules imported through importlib, as the CLI loads its command modules.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.query.story import story_folder
from tracker.cli import COMMANDS

REPORT = """
import atexit, sys
def report():
    loaded = [n for n, m in list(sys.modules.items()) if type(m).__name__ != "_LazyModule"]
    sys.stderr.write("MODULES " + " ".join(sorted(loaded)) + "\\n")
atexit.register(report)
from tracker.cli import main
main(sys.argv[1:])
"""

# Never for a command's --help (nor the listing): the work is all in running a command.
HEAVY = (
    "numpy",
    "matplotlib",
    "psycopg",
    "httpx",
    "alembic",
    "apscheduler",
    "sqlalchemy",
    "sqlmodel",
    "tracker.config.load",
    "tracker.store",
    "tracker.query.history",
    "tracker.simulate",
    "scheduler.daemon",
    # The web server's stack: only `apprank serve` (and `run --serve`) loads it.
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    "tracker.web",
)
# Never for reading a SQLite database whose schema is current: reads go through SQLAlchemy
# Core (tracker/store/schema/views.py), small histories join without NumPy, and the PostgreSQL
# dialect is not loaded by a partial index's postgresql_where.
NOT_FOR_READERS = (
    "sqlmodel",
    "sqlalchemy.orm",
    "sqlalchemy.dialects.postgresql",
    "numpy",
    "matplotlib",
    "psycopg",
    "httpx",
    "alembic",
    "apscheduler",
    "tracker.fetch.cycle",
    "tracker.store.schema.base",
    "tracker.store.schema.charts",
    "tracker.store.schema.daemon",
    "tracker.store.schema.alerts",
    "tracker.store.writer",
    "tracker.store.migrate",
    "fastapi",
    "uvicorn",
    "tracker.web",
)
# The models of sections no reader uses: readers load tracker.config.reader, not these.
FULL_CONFIG = (
    "tracker.config.load",
    "tracker.config.alerts",
    "tracker.config.when",
    "tracker.config.notify",
    "tracker.config.charts",
    "tracker.config.http",
    "tracker.config.daemon",
)


def imported(*args: str | Path, cwd: Path | None = None) -> tuple[int, set[str], str]:
    """(exit code, every module loaded, the rest of stderr) of `apprank ARGS`."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    env.pop("APPRANK_CONFIG", None)
    env.pop("APPRANK_DATABASE_URL", None)
    proc = subprocess.run(
        [sys.executable, "-c", REPORT, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or ROOT,
        timeout=120,
    )
    modules: set[str] = set()
    other = []
    for line in proc.stderr.splitlines():
        if line.startswith("MODULES "):
            modules.update(line.split()[1:])
        else:
            other.append(line)
    return proc.returncode, modules, "\n".join(other)


def loaded(modules: set[str], roots: tuple[str, ...]) -> list[str]:
    """The roots (packages or modules) of which anything was imported."""
    return sorted({r for r in roots for m in modules if m == r or m.startswith(r + ".")})


@pytest.fixture(scope="module")
def story_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database at the current schema, holding tests/query/story.py, and its config."""
    return story_folder(tmp_path_factory.mktemp("startup"), '[[track]]\ncountries = ["us"]\n')


def test_the_guard_sees_what_a_command_imports(story_config: Path) -> None:
    # A command that uses the store must show it: an empty module list would pass every test.
    code, modules, err = imported("db", "current", "--config", story_config)
    assert code == 0, err
    assert {"typer", "tracker.cli.database", "tracker.store.migrate", "sqlalchemy"} <= modules
    # ... and a module set up by lazy_module but never used is not counted as loaded.
    code, modules, err = imported("history", "--help")
    assert code == 0, err
    assert "tracker.cli.history" in modules
    assert "tracker.query.history" not in modules


@pytest.mark.parametrize("command", [None, *dict.fromkeys(COMMANDS)])
def test_help_loads_no_heavy_library(command: str | None) -> None:
    args = ["--help"] if command is None else [command, "--help"]
    code, modules, err = imported(*args)
    assert code == 0, err
    assert loaded(modules, HEAVY) == []


@pytest.mark.parametrize(
    ("args", "also_not"),
    [
        (["top", "--limit", "3"], ("tracker.query.history", *FULL_CONFIG)),
        (["status"], ("tracker.query.history", *FULL_CONFIG)),
        (["history", "deepseek", "chatgpt", "--country", "us"], FULL_CONFIG),
        (["history", "deepseek", "--country", "us", "--csv"], ()),
        (["history", "chatgpt", "--json"], ()),
    ],
    ids=["top", "status", "history", "history-csv", "history-json"],
)
def test_readers_load_only_what_they_read_with(
    story_config: Path, args: list[str], also_not: tuple[str, ...]
) -> None:
    code, modules, err = imported(*args, "--config", story_config)
    assert code == 0, err
    assert "sqlite3" in modules
    assert loaded(modules, NOT_FOR_READERS + also_not) == []


def test_rank_cells_show_the_three_states_distinctly() -> None:
    from tracker.models import NO_DATA, NOT_IN_CHART
    from tracker.query.output import rank_cell

    assert [rank_cell(3), rank_cell(NOT_IN_CHART), rank_cell(NO_DATA)] == ["3", "-", ""]


@pytest.mark.parametrize(
    "args",
    [
        ["top", "--limit", "3"],
        ["status"],
        ["history", "deepseek", "chatgpt", "--country", "us"],
        ["movers", "--country", "us"],
        ["leaders", "deepseek"],
        ["stats", "deepseek"],
        ["export", "--app", "deepseek", "-o", "-"],
    ],
    ids=lambda args: args[0],
)
def test_commands_that_read_only_the_database_and_aliases_load_no_pydantic(
    story_config: Path, args: list[str]
) -> None:
    # [database] and [apps] (and for status [sources] and [[track]]) are read by plain rules
    # (tracker/config/reading.py, tracking.py); pydantic and the config models load only for a
    # file those rules do not find plainly valid.
    code, modules, err = imported(*args, "--config", story_config)
    assert code == 0, err
    assert "tracker.config.reading" in modules
    assert loaded(modules, ("pydantic", "pydantic_core", "tracker.config.reader")) == []
    assert ("tracker.config.tracking" in modules) == (args[0] == "status")


def test_a_broken_apps_section_still_gets_the_models_one_line_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[apps]\nchatgpt = 6448311069\n[database]\nurl = "sqlite:///x.db"\n')
    code, modules, err = imported("top", "--config", config)
    assert code == 2
    assert err == (
        f"Error: {config}: apps.chatgpt = 6448311069: "
        'an id is a quoted string (chatgpt = "6448311069")'
    )
    assert "pydantic" in modules


@pytest.mark.parametrize(
    "args",
    [
        ["top", "--limit", "3"],
        ["history", "deepseek", "--country", "us"],
        ["export", "-o", "-"],
        ["export", "--app", "deepseek", "--wide", "country", "-o", "-"],
    ],
    ids=["top", "history", "export", "export-wide"],
)
def test_read_commands_load_no_fetch_code(story_config: Path, args: list[str]) -> None:
    # What each source offers is read from tracker/config/facts.py, and options are checked by
    # tracker/config/selection.py: reading needs no source class, HTTP client or fetch cycle.
    code, modules, err = imported(*args, "--config", story_config)
    assert code == 0, err
    assert "tracker.config.selection" in modules
    assert loaded(modules, ("tracker.fetch",)) == []
