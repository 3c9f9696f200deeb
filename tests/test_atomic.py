"""`atomic_file`, the one writer: the umask decides the mode, and a file is whole or absent."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tracker.atomic import atomic_file
from tracker.errors import UsageError


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_the_mode_is_what_open_would_give_under_the_umask(
    mask: int, expected: int, tmp_path: Path, umask: None
) -> None:
    os.umask(mask)
    with atomic_file(tmp_path / "out.csv") as handle:
        handle.write(b"a,b\n")
    with open(tmp_path / "plain.csv", "w") as plain:  # the rule it follows
        plain.write("a,b\n")
    assert mode(tmp_path / "out.csv") == expected == mode(tmp_path / "plain.csv")


def test_a_replaced_file_takes_the_umask_mode_not_its_old_one(tmp_path: Path, umask: None) -> None:
    target = tmp_path / "out.csv"
    target.write_bytes(b"old\n")
    target.chmod(0o600)
    with atomic_file(target) as handle:
        handle.write(b"new\n")
    assert (target.read_bytes(), mode(target)) == (b"new\n", 0o644)


def test_a_failure_keeps_the_old_file_and_leaves_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_bytes(b"old\n")
    with pytest.raises(RuntimeError, match="midway"), atomic_file(target) as handle:
        handle.write(b"half a fi")
        raise RuntimeError("midway")
    assert target.read_bytes() == b"old\n"
    assert os.listdir(tmp_path) == ["out.csv"]


def test_a_failed_new_file_never_appears(tmp_path: Path) -> None:
    target = tmp_path / "new.csv"
    with pytest.raises(KeyboardInterrupt), atomic_file(target) as handle:
        handle.write(b"half")
        raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []


def test_nothing_is_visible_under_the_name_until_the_block_ends(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_bytes(b"old\n")
    with atomic_file(target) as handle:
        handle.write(b"new\n")
        handle.flush()
        assert target.read_bytes() == b"old\n"
        (temp,) = (p for p in tmp_path.iterdir() if p != target)
        assert temp.name.startswith(".out.csv.") and temp.name.endswith(".part")
    assert target.read_bytes() == b"new\n"
    assert os.listdir(tmp_path) == ["out.csv"]


def test_missing_folders_are_created(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.csv"
    with atomic_file(target) as handle:
        handle.write(b"x")
    assert target.read_bytes() == b"x"


def test_unwritable_paths_are_one_usage_error_naming_them(tmp_path: Path) -> None:
    (tmp_path / "afile").write_bytes(b"")
    target = tmp_path / "afile" / "x.csv"
    with pytest.raises(UsageError) as under_a_file, atomic_file(target):
        pass
    assert str(under_a_file.value) == f"cannot write {target}: {tmp_path}/afile is not a directory"
    with pytest.raises(UsageError) as a_dir, atomic_file(tmp_path):
        pass
    assert str(a_dir.value) == f"cannot write {tmp_path}: it is a directory; give a file name"


def test_an_error_may_name_another_path(tmp_path: Path) -> None:
    (tmp_path / "afile").write_bytes(b"")
    folder = tmp_path / "afile" / "out"
    with pytest.raises(UsageError) as caught, atomic_file(folder / ".marker", named=folder):
        pass
    assert str(caught.value) == f"cannot write {folder}: Not a directory"
