"""Read commands on read-only media, on no database at all, and database errors that name it.

Root ignores file modes, so "read-only" is made real in two ways, each skipped where the machine
cannot do it: a read-only bind mount of the folder in a private mount namespace (`unshare -m`,
needs CAP_SYS_ADMIN), and the command run as `nobody` on a 0555 folder holding a 0444 file
(`setpriv`, needs the Python install readable by nobody).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import ROOT, Run, run_apprank
from tracker.errors import StoreError
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.store.engine import dispose_all, open_engine
from tracker.store.writer import Attempt, SnapshotWriter

T0 = datetime(2025, 1, 27, 12, 0, tzinfo=UTC)
KEY = ChartKey("apple", "us", "top-free")
MAKE_ONE = "make one with `apprank fetch` or `apprank demo`"
# Every read command, with the arguments it needs to reach the database.
READERS: dict[str, list[str]] = {
    "top": ["top"],
    "status": ["status"],
    "history": ["history", "deepseek"],
    "movers": ["movers"],
    "compare": ["compare", "deepseek", "chatgpt"],
    "leaders": ["leaders", "deepseek"],
    "stats": ["stats", "deepseek"],
    "export": ["export", "-o", "out.csv"],
    "chart": ["chart", "rank", "deepseek", "-o", "out.png"],
    "alerts list": ["alerts", "list"],
    "health": ["health"],
    "db current": ["db", "current"],
}


def store(db: Path, *rankings: Sequence[str]) -> None:
    """One snapshot of KEY per ranking, an hour apart, each app named after its id."""
    writer = SnapshotWriter(open_engine(f"sqlite:///{db}"))
    for hour, ids in enumerate(rankings):
        at = T0 + timedelta(hours=hour)
        entries = tuple(ChartEntry(r, i, f"App {i}", "Dev") for r, i in enumerate(ids, start=1))
        writer.save(ChartSnapshot(ChartRequest(KEY, 100), entries, at), at, Attempt(at, 9, "ok"))


def config(folder: Path, db: Path) -> Path:
    path = folder / "config.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{db}"\n[[track]]\ncountries = ["us"]\n')
    return path


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- running a command on a folder it cannot write ---------------------------------------------


def _bind_mount(folder: Path, args: Sequence[str]) -> list[str]:
    # cd again: a working folder entered before the mount would bypass it
    script = 'mount --bind -o ro "$0" "$0" && cd "$0" && exec "$@"'
    return ["unshare", "-m", "sh", "-c", script, str(folder), *args]


def _as_nobody(folder: Path, args: Sequence[str]) -> list[str]:
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *args]


@dataclass
class ReadOnly:
    """Folders made under `base` are read-only to the commands `run` runs in them."""

    base: Path
    wrap: Callable[[Path, Sequence[str]], list[str]]
    by_mode: bool  # read-only by file modes (the nobody way), else by the mount

    def run(self, folder: Path, args: Sequence[str]) -> Run:
        if self.by_mode:
            for path in folder.iterdir():
                path.chmod(0o444)
            folder.chmod(0o555)
        done = subprocess.run(
            self.wrap(folder, [sys.executable, *args]),
            capture_output=True,
            text=True,
            timeout=120,
            cwd=folder,
            env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
        )
        return Run(done.returncode, done.stdout, done.stderr)

    def apprank(self, folder: Path, args: Sequence[str]) -> Run:
        return self.run(folder, ["-m", "tracker", *args])

    def why_not(self) -> str | None:
        """Why writes are not denied here (None when they are): the wrapped Python must load
        apprank, read a file in a read-only folder, and fail to write one there."""
        folder = self.base / "probe"
        folder.mkdir()
        (folder / "readable").write_text("yes")
        code = (
            "import sys, orjson, pydantic, rich, sqlalchemy, typer, tracker.cli\n"
            "assert open('readable').read() == 'yes'\n"
            "try:\n    open('written', 'w')\nexcept OSError:\n    sys.exit(0)\n"
            "sys.exit('the folder is still writable')\n"
        )
        try:
            done = self.run(folder, ["-c", code])
        except FileNotFoundError as exc:
            return str(exc)
        return None if done.code == 0 else (done.stderr.strip().splitlines() or ["?"])[-1]


@pytest.fixture(params=["bind-mount", "nobody"])
def read_only(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ReadOnly]:
    if request.param == "bind-mount":
        made = ReadOnly(tmp_path, _bind_mount, by_mode=False)
    else:  # pytest's own folders are private to root: nobody needs one it can reach
        made = ReadOnly(Path(tempfile.mkdtemp(prefix="apprank-ro-")), _as_nobody, by_mode=True)
        made.base.chmod(0o755)
    try:
        why = made.why_not()
        if why is not None:
            pytest.skip(f"{request.param} cannot make a read-only folder here: {why}")
        yield made
    finally:
        if made.by_mode:
            for folder in [made.base, *made.base.rglob("*")]:
                if folder.is_dir():
                    folder.chmod(0o755)
            shutil.rmtree(made.base)


@pytest.fixture
def backup(read_only: ReadOnly) -> Path:
    """A folder holding a cleanly closed database (no -wal, no -shm) and its config."""
    folder = read_only.base / "back up #1"  # characters a SQLite URI must escape
    folder.mkdir()
    store(folder / "apprank.db", ["1", "2", "3"], ["2", "1", "3"])
    dispose_all()  # the last connection to close checkpoints and removes the -wal and -shm
    config(folder, folder / "apprank.db")
    assert listing(folder) == ["apprank.db", "config.toml"]
    return folder


def ranks(run: Run) -> list[tuple[int, str]]:
    assert run.code == 0, run.stderr
    return [(e["rank"], e["app_id"]) for e in json.loads(run.stdout)["entries"]]


def test_every_reader_reads_a_database_on_read_only_media(
    read_only: ReadOnly, backup: Path
) -> None:
    assert ranks(read_only.apprank(backup, ["top", "--json"])) == [(1, "2"), (2, "1"), (3, "3")]
    history = read_only.apprank(backup, ["history", "App 1", "--json", "--since", "2025-01-01"])
    assert history.code == 0, history.stderr
    points = json.loads(history.stdout)[0]["points"]
    assert [p["rank"] for p in points if p["state"] == "ranked"] == [1, 2]
    for args in (["movers"], ["stats", "App 1"], ["leaders", "App 1"], ["export", "-o", "-"]):
        done = read_only.apprank(backup, args)
        assert (done.code, done.stderr) == (0, ""), args
    exported = read_only.apprank(backup, ["export", "-o", "-"]).stdout
    assert exported.count("\n") == 7  # the header and 6 rows
    assert listing(backup) == ["apprank.db", "config.toml"]


def test_status_says_once_that_the_database_is_read_only(read_only: ReadOnly, backup: Path) -> None:
    done = read_only.apprank(backup, ["status", "--json"])
    assert done.code == 0, done.stderr
    assert done.stderr == (
        f"Note: the database {backup / 'apprank.db'} cannot be written (read-only media?): "
        "reading it read-only\n"
    )
    assert json.loads(done.stdout)[0]["snapshots"] == 2
    assert read_only.apprank(backup, ["top"]).stderr == ""  # the other readers stay quiet about it


def test_a_copy_of_a_live_folder_is_read_with_its_write_ahead_log(read_only: ReadOnly) -> None:
    live = read_only.base / "live"
    live.mkdir()
    store(live / "apprank.db", ["1", "2", "3"], ["3", "2", "1"])
    copy = read_only.base / "copy"
    copy.mkdir()
    # Copied while the writer's connections are open: the newest snapshot is in the -wal only.
    for name in ("apprank.db", "apprank.db-wal", "apprank.db-shm"):
        shutil.copyfile(live / name, copy / name)
    dispose_all()
    config(copy, copy / "apprank.db")
    assert ranks(read_only.apprank(copy, ["top", "--json"])) == [(1, "3"), (2, "2"), (3, "1")]


def test_a_write_ahead_log_that_cannot_be_read_is_refused_not_skipped(read_only: ReadOnly) -> None:
    live = read_only.base / "live"
    live.mkdir()
    store(live / "apprank.db", ["1", "2", "3"], ["3", "2", "1"])
    copy = read_only.base / "copy"
    copy.mkdir()
    for name in ("apprank.db", "apprank.db-wal"):  # no -shm, and none can be made
        shutil.copyfile(live / name, copy / name)
    dispose_all()
    config(copy, copy / "apprank.db")
    done = read_only.apprank(copy, ["top"])
    db = copy / "apprank.db"
    assert (done.code, done.stdout) == (1, "")
    assert done.stderr == (
        f"Error: the database at {db} is read-only and its write-ahead log {db}-wal cannot be "
        f"read without creating {db}-shm; copy the folder somewhere writable and read the copy\n"
    )


def test_a_writer_on_read_only_media_names_the_database(read_only: ReadOnly, backup: Path) -> None:
    new = read_only.base / "new.csv"
    new.write_text(
        "captured_at,source,country,chart,category,device,rank,app_id,app_name,developer,simulated\n"
        "2025-02-01T00:00:00Z,apple,us,top-free,all,iphone,1,123,X,Y,false\n"
    )
    new.chmod(0o644)
    done = read_only.apprank(backup, ["import", str(new)])
    assert (done.code, done.stdout) == (1, "")
    assert done.stderr.startswith("Error: database error: ")
    assert done.stderr.endswith(f" (database {backup / 'apprank.db'})\n")
    assert len(done.stderr.splitlines()) == 1
    assert listing(backup) == ["apprank.db", "config.toml"]


# --- no database at all ------------------------------------------------------------------------


@pytest.mark.parametrize("command", list(READERS))
def test_a_reader_creates_no_database(tmp_path: Path, command: str) -> None:
    done = run_apprank(*READERS[command], cwd=tmp_path)
    assert (done.code, done.stdout) == (1, "")
    assert done.stderr == f"Error: no database at {tmp_path / 'apprank.db'}; {MAKE_ONE}\n"
    assert listing(tmp_path) == []


def test_a_reader_creates_no_folder_either(tmp_path: Path) -> None:
    db = tmp_path / "not" / "there" / "apprank.db"
    done = run_apprank("status", env={"APPRANK_DATABASE_URL": f"sqlite:///{db}"}, cwd=tmp_path)
    assert (done.code, done.stderr) == (1, f"Error: no database at {db}; {MAKE_ONE}\n")
    assert listing(tmp_path) == []


def test_a_writer_still_creates_the_database(tmp_path: Path) -> None:
    done = run_apprank("db", "upgrade", cwd=tmp_path)
    assert done.code == 0, done.stderr
    assert (tmp_path / "apprank.db").is_file()
    assert run_apprank("status", "--json", cwd=tmp_path).code == 0


def test_an_empty_database_file_gets_no_tables_from_a_reader(tmp_path: Path) -> None:
    db = tmp_path / "apprank.db"
    db.touch()
    done = run_apprank("top", cwd=tmp_path)
    assert (done.code, done.stderr) == (
        1,
        f"Error: no apprank tables in the database at {db}; {MAKE_ONE}\n",
    )
    assert db.stat().st_size == 0


@pytest.mark.postgres
def test_a_reader_creates_no_tables_in_an_empty_postgresql_database(pg_url: str) -> None:
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.engine import make_url

    done = run_apprank("status", env={"APPRANK_DATABASE_URL": pg_url})
    shown = make_url(pg_url).render_as_string(hide_password=True)
    assert (done.code, done.stderr) == (
        1,
        f"Error: no apprank tables in the database at {shown}; {MAKE_ONE}\n",
    )
    engine = create_engine(pg_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


# --- errors name the database ------------------------------------------------------------------


def test_a_damaged_database_is_named_in_the_error(tmp_path: Path) -> None:
    db = tmp_path / "apprank.db"
    db.write_bytes(b"this is not a database" * 100)
    done = run_apprank("top", cwd=tmp_path)
    assert (done.code, done.stdout) == (1, "")
    assert done.stderr == f"Error: database error: file is not a database (database {db})\n"


def test_an_unreachable_server_is_named_with_its_password_masked(tmp_path: Path) -> None:
    url = "postgresql+psycopg://apprank:s3cret-pw@127.0.0.1:1/apprank"
    done = run_apprank("status", env={"APPRANK_DATABASE_URL": url}, cwd=tmp_path)
    assert done.code == 1
    assert done.stderr.startswith("Error: database error: ")
    assert done.stderr.endswith(
        " (database postgresql+psycopg://apprank:***@127.0.0.1:1/apprank)\n"
    )
    assert "s3cret" not in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_an_invalid_url_is_named_with_its_password_masked() -> None:
    with pytest.raises(StoreError) as caught:
        open_engine("postgres ql://me:s3cret@db/x")
    assert str(caught.value) == "invalid database URL 'postgres ql://me:***@db/x'"
