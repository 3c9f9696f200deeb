"""What the demo tests share: a short demo run, a database the demo did not write, a read-only
folder."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import FeedServer, Run, real_fixture, run_apprank

# One simulated hour in one storefront: the whole pipeline in a few seconds.
SHORT = ("--days", "0.05", "--countries", "us")


def short_demo(out: Path, *extra: str | Path, cwd: Path | None = None) -> Run:
    return run_apprank("demo", "--out", out, *SHORT, *extra, cwd=cwd)


def real_history(folder: Path) -> tuple[Path, Path]:
    """A hand-written config.toml and the database `apprank fetch` stored from a real Apple
    capture through it, in `folder`: what a user's own tracker folder holds."""
    folder.mkdir(parents=True, exist_ok=True)
    with FeedServer() as server:
        server.serve(
            "/api/v2/us/apps/top-free/100/apps.json",
            real_fixture("v2-us-top-free-100-2026-08-03.json"),
        )
        config = folder / "config.toml"
        config.write_text(
            "# my tracker\n"
            f'[database]\nurl = "sqlite:///{folder / "apprank.db"}"\n'
            f'[sources.apple]\nbase_url = "{server.base_url}"\n'
            '[[track]]\ncountries = ["us"]\n',
            encoding="utf-8",
        )
        fetched = run_apprank("fetch", "--config", config)
    assert fetched.code == 0, fetched.stderr
    return config, folder / "apprank.db"


def snapshot_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@contextmanager
def read_only(folder: Path) -> Iterator[str]:
    """`folder` made unwritable even for root (chattr +i), restored afterwards; yields the
    reason the system gives for a refused write."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield os.strerror(errno.EACCES)
        finally:
            folder.chmod(0o755)
        return
    if shutil.which("chattr") is None:
        pytest.skip("needs chattr +i to make a folder read-only for root")
    made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"chattr +i not supported here: {made.stderr.strip()}")
    try:
        yield os.strerror(errno.EPERM)
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
