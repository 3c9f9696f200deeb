"""Every writer follows one rule: missing folders are created; a path that cannot be written
(or read, for import) is one `Error:` line and exit 2, never a traceback; files get the mode
`open()` would give them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import Apprank


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("not a folder", encoding="utf-8")
    return tmp_path


@pytest.fixture
def umask_002() -> Iterator[None]:
    old = os.umask(0o002)
    try:
        yield
    finally:
        os.umask(old)


WRITERS = {
    "export": ["export"],
    "export-wide": ["export", "--app", "deepseek", "--wide", "country", "--country", "us"],
    "chart": ["chart", "rank", "deepseek", "--country", "us"],
}


@pytest.mark.parametrize("writer", WRITERS)
def test_missing_folders_are_created(
    writer: str, story_config: Path, in_tmp: Path, apprank: Apprank
) -> None:
    name = "out.png" if writer == "chart" else "out.csv"
    result = apprank(*WRITERS[writer], "-o", f"new/deeper/{name}", "--config", story_config)
    assert result.code == 0, result.stderr
    assert (in_tmp / "new" / "deeper" / name).stat().st_size > 0
    assert sorted(os.listdir(in_tmp / "new" / "deeper")) == [name]  # no temporary file left


@pytest.mark.parametrize("writer", WRITERS)
def test_a_file_where_a_folder_should_be_is_one_error_line(
    writer: str, story_config: Path, in_tmp: Path, apprank: Apprank
) -> None:
    name = "out.png" if writer == "chart" else "out.csv"
    result = apprank(*WRITERS[writer], "-o", f"afile/{name}", "--config", story_config)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr.endswith(f"Error: cannot write afile/{name}: afile is not a directory\n")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("writer", WRITERS)
def test_an_unwritable_folder_is_one_error_line(
    writer: str, story_config: Path, in_tmp: Path, apprank: Apprank
) -> None:
    # /sys refuses new files even to root (chmod would not stop root, who runs CI containers).
    name = "out.png" if writer == "chart" else "out.csv"
    result = apprank(*WRITERS[writer], "-o", f"/sys/{name}", "--config", story_config)
    assert (result.code, result.stdout) == (2, "")
    last = result.stderr.splitlines()[-1]
    assert last in {
        f"Error: cannot write /sys/{name}: Permission denied",
        f"Error: cannot write /sys/{name}: Read-only file system",
    }
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("writer", WRITERS)
def test_files_get_the_mode_open_would_give(
    writer: str, story_config: Path, in_tmp: Path, apprank: Apprank, umask_002: None
) -> None:
    name = "out.png" if writer == "chart" else "out.csv"
    assert apprank(*WRITERS[writer], "-o", name, "--config", story_config).code == 0
    assert (in_tmp / name).stat().st_mode & 0o777 == 0o664


def test_import_of_a_missing_file_is_a_usage_error(
    story_config: Path, in_tmp: Path, apprank: Apprank
) -> None:
    result = apprank("import", "missing.csv", "--config", story_config)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == "Error: cannot read missing.csv: No such file or directory\n"


def test_import_of_a_folder_is_a_usage_error(
    story_config: Path, in_tmp: Path, apprank: Apprank
) -> None:
    (in_tmp / "folder").mkdir()
    result = apprank("import", "folder", "--config", story_config)
    assert (result.code, result.stderr) == (2, "Error: cannot read folder: Is a directory\n")


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_simulate_on_an_impossible_port_is_a_usage_error(port: str, apprank: Apprank) -> None:
    result = apprank("simulate", "--port", port)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == f"Error: --port {port}: expected 0-65535 (0 picks a free one)\n"


def test_export_onto_a_full_disk_is_one_line_and_leaves_no_partial_file(
    story_config: Path, apprank: Apprank, full_disk: Path
) -> None:
    out = full_disk / "history.csv"
    result = apprank("export", "-o", out, "--config", story_config)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == f"Error: cannot write {out}: No space left on device\n"
    assert sorted(p.name for p in full_disk.iterdir()) == ["ballast"]
