"""`apprank demo --out DIR` writes only into folders it owns and never replaces a database it
did not write (issue 14)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import run_apprank
from tests.demo.helpers import SHORT, read_only, real_history, short_demo, snapshot_files

# End to end in child processes (the demo, the daemon, the installed command, a browser): the
# minimum-versions pass of .ci/run leaves these out (see there).
pytestmark = pytest.mark.slow

DEMO_FILES = {"apprank.db", "config.toml", "history.csv", "rank.png", "grid.png",
              "leaders.png", "heatmap.png"}  # fmt: skip


def users_folder(tmp_path: Path) -> Path:
    """A real database and a hand-written config.toml copied into a folder."""
    _, database = real_history(tmp_path / "tracker")
    out = tmp_path / "mine"
    shutil.copytree(database.parent, out)
    return out


def test_a_folder_holding_a_real_database_and_config_is_refused(tmp_path: Path) -> None:
    out = users_folder(tmp_path)
    before = snapshot_files(out)
    result = short_demo(out)
    assert (result.code, result.stderr) == (
        2,
        f"Error: {out / 'apprank.db'}: not written by apprank demo; "
        "use another --out, or --force to write into this folder\n",
    )
    assert snapshot_files(out) == before


def test_force_never_replaces_a_database_the_demo_did_not_write(tmp_path: Path) -> None:
    out = users_folder(tmp_path)
    before = snapshot_files(out)
    result = short_demo(out, "--force")
    assert (result.code, result.stderr) == (
        2,
        f"Error: {out / 'apprank.db'}: not a database apprank demo wrote; "
        "refusing to replace it, even with --force\n",
    )
    assert snapshot_files(out) == before  # the config too: nothing is written before the check


def test_a_file_the_demo_did_not_write_is_named(tmp_path: Path) -> None:
    out = tmp_path / "notes"
    out.mkdir()
    (out / "todo.txt").write_text("mine\n")
    result = short_demo(out)
    assert (result.code, result.stderr) == (
        2,
        f"Error: {out / 'todo.txt'}: not written by apprank demo; "
        "use another --out, or --force to write into this folder\n",
    )
    assert sorted(p.name for p in out.iterdir()) == ["todo.txt"]


def test_force_writes_beside_other_files_and_leaves_them_alone(tmp_path: Path) -> None:
    out = tmp_path / "notes"
    out.mkdir()
    (out / "todo.txt").write_text("mine\n")
    result = short_demo(out, "--force")
    assert result.code == 0, result.stderr
    assert (out / "todo.txt").read_text() == "mine\n"
    assert {p.name for p in out.iterdir()} >= DEMO_FILES


def test_an_empty_folder_and_then_the_demos_own_folder_need_no_force(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    first = short_demo(out)
    assert first.code == 0, first.stderr
    (out / "deepseek.csv").write_text("the README's own commands write here too\n")
    again = short_demo(out)
    assert again.code == 0, again.stderr
    assert (out / "deepseek.csv").read_text() == "the README's own commands write here too\n"


def test_a_demo_file_edited_since_is_not_overwritten_without_force(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert short_demo(out).code == 0
    config = out / "config.toml"
    config.write_text(config.read_text() + "# my edit\n")
    result = short_demo(out)
    assert (result.code, result.stderr) == (
        2,
        f"Error: {config}: not written by apprank demo; "
        "use another --out, or --force to write into this folder\n",
    )
    assert config.read_text().endswith("# my edit\n")
    assert short_demo(out, "--force").code == 0
    assert not config.read_text().endswith("# my edit\n")


def test_a_database_swapped_into_the_demos_folder_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert short_demo(out).code == 0
    _, database = real_history(tmp_path / "tracker")
    shutil.copy(database, out / "apprank.db")
    before = (out / "apprank.db").read_bytes()
    for extra in ((), ("--force",)):
        result = short_demo(out, *extra)
        assert result.code == 2
        assert result.stderr.startswith(f"Error: {out / 'apprank.db'}: not a database apprank")
    assert (out / "apprank.db").read_bytes() == before


def test_missing_parent_folders_are_created(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "c"
    result = short_demo(out)
    assert result.code == 0, result.stderr
    assert {p.name for p in out.iterdir()} >= DEMO_FILES


def test_a_read_only_folder_is_one_line_naming_it(tmp_path: Path) -> None:
    out = tmp_path / "ro"
    out.mkdir()
    with read_only(out) as reason:
        result = short_demo(out)
        nested = short_demo(out / "sub")
    assert (result.code, result.stderr) == (2, f"Error: cannot write {out}: {reason}\n")
    assert (nested.code, nested.stderr) == (2, f"Error: cannot write {out / 'sub'}: {reason}\n")
    assert sorted(out.iterdir()) == []


def test_an_out_that_is_a_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "file"
    out.write_text("x")
    result = short_demo(out)
    assert (result.code, result.stderr) == (2, f"Error: --out {out}: not a folder\n")
    assert out.read_text() == "x"


def test_the_demo_ignores_apprank_database_url(tmp_path: Path) -> None:
    # $APPRANK_DATABASE_URL points a user's commands at their tracker's database; the demo must
    # never write simulated charts into it.
    _, database = real_history(tmp_path / "tracker")
    before = snapshot_files(database.parent)
    out = tmp_path / "demo"
    result = run_apprank("demo", "--out", out, *SHORT,
                         env={"APPRANK_DATABASE_URL": f"sqlite:///{database}"})  # fmt: skip
    assert result.code == 0, result.stderr
    assert snapshot_files(database.parent) == before
    assert "csv       " in result.stdout and f"{out / 'history.csv'} (200 rows)" in result.stdout


def test_the_demo_never_replaces_a_database_a_daemon_is_running_on(tmp_path: Path) -> None:
    """The demo's config suggests `apprank run` on its database: a second demo must not delete
    that database from under the daemon (which also leaves its lock file beside it)."""
    from scheduler.lock import acquire_instance_lock

    out = tmp_path / "demo"
    assert short_demo(out).code == 0
    before = snapshot_files(out)
    with acquire_instance_lock(f"sqlite:///{out / 'apprank.db'}"):  # as the daemon holds it
        refused = short_demo(out)
    assert (refused.code, refused.stdout) == (2, "")
    assert refused.stderr == (
        f"Error: {out / 'apprank.db'}: an apprank daemon is running on it; "
        "stop it before the demo replaces it\n"
    )
    after = snapshot_files(out)
    assert after.pop("apprank.db.lock") == b""  # the stand-in daemon's, not the demo's doing
    assert after == before
    again = short_demo(out)  # the daemon gone, its lock file is no stranger to the demo
    assert again.code == 0, again.stderr
