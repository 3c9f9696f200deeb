"""The daemon on a full disk: one line naming the file, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.lock import LockFileError, acquire_instance_lock
from tests.conftest import run_apprank


def test_the_lock_on_a_full_disk_is_one_error_naming_the_file(full_disk: Path) -> None:
    with pytest.raises(LockFileError) as caught:
        acquire_instance_lock(f"sqlite:///{full_disk}/apprank.db")
    assert str(caught.value) == (
        f"cannot write the daemon's lock file {full_disk}/apprank.db.lock: No space left on device"
    )
    assert caught.value.exit_code == 1


def test_apprank_run_on_a_full_disk_exits_1_with_one_line(full_disk: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{full_disk}/apprank.db"\n'
        '[[track]]\ncountries = ["us"]\nevery = "1h"\n',
        encoding="utf-8",
    )
    result = run_apprank("run", "--config", config, timeout=60)
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == (
        f"Error: cannot write the daemon's lock file {full_disk}/apprank.db.lock: "
        "No space left on device\n"
    )


def test_a_file_system_without_locks_is_one_error_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """flock failing for another reason than "held" (ENOLCK on some NFS mounts)."""
    import errno
    import fcntl

    def no_locks(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    with pytest.raises(LockFileError) as caught:
        acquire_instance_lock(f"sqlite:///{tmp_path}/apprank.db")
    assert str(caught.value) == (
        f"cannot lock the daemon's lock file {tmp_path}/apprank.db.lock: No locks available"
    )
    monkeypatch.undo()
    acquire_instance_lock(f"sqlite:///{tmp_path}/apprank.db").release()  # no descriptor leaked
