"""The README's commands work as written: its first two blocks are the newcomer's two commands,
every `sh` block runs in the demo's folder, and every `shell` block (real App Store, daemons)
names commands and options that exist.
"""

from __future__ import annotations

import re
import shlex
import tomllib

import pytest

from tests.conftest import ROOT, run_apprank

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```", README, flags=re.S | re.M)


def commands(language: str) -> list[str]:
    return [
        line.strip()
        for lang, body in BLOCKS
        if lang == language
        for line in body.splitlines()
        if line.strip().startswith("apprank ")
    ]


def test_the_readme_starts_with_the_two_commands() -> None:
    assert BLOCKS[0] == ("sh", "pip install -e . && apprank demo\n")
    assert BLOCKS[1] == ("sh", "pip install -e '.[test]' && pytest -n 3\n")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    runs = [line for line in ci.splitlines() if line.startswith("python3 -m pytest")]
    assert runs == ["python3 -m pytest " + BLOCKS[1][1].split("&& pytest ")[1].strip()]


def test_the_install_extras_exist() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["apprank"] == "tracker.cli:main"
    for extra in re.findall(r"pip install -e '\.\[(\w+)\]'", README):
        assert extra in project["optional-dependencies"], extra


def test_the_demo_command_works_as_written(demo_run) -> None:
    folder, result = demo_run
    assert result.code == 0, result.stderr
    assert (folder / "config.toml").exists()


@pytest.mark.parametrize("line", commands("sh"))
def test_each_sh_command_runs_in_the_demo_folder(demo_run, line: str) -> None:
    folder, _ = demo_run
    if line == "apprank demo":
        return  # the session fixture ran it
    args = shlex.split(line)[1:]
    result = run_apprank(*args, cwd=folder)
    assert result.code == 0, f"{line}: {result.stderr}"
    assert result.stdout


@pytest.mark.parametrize("line", commands("shell"))
def test_each_shell_command_and_its_options_exist(line: str) -> None:
    args = shlex.split(line)[1:]
    words = [a for a in args if not a.startswith("-")]
    command = words[:2] if words[:1] == ["db"] else words[:1]
    help_text = run_apprank(*command, "--help")
    assert help_text.code == 0, line
    for option in (a.split("=")[0] for a in args if a.startswith("--")):
        assert option in help_text.stdout, f"{line}: {option} is not an option"


def test_the_readme_links_only_to_files_that_exist() -> None:
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target
