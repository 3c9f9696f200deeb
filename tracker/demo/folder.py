"""The demo's output folder: it writes only into folders it made, and never replaces a database
it did not make, with or without --force.

A folder the demo wrote holds MARKER, a JSON record of the SHA-256 of each file the demo wrote
there. The demo's database carries APPLICATION_ID in its SQLite header (`PRAGMA
application_id`, which exists for exactly this), so it is recognised wherever it is found.
Files the demo does not write (a `deepseek.csv` the README's commands export) are left alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from pathlib import Path

import orjson

from tracker.atomic import atomic_file, cannot_write
from tracker.errors import UsageError

MARKER = ".apprank-demo"
DATABASE = "apprank.db"
# Files beside the database (the lock: a daemon run on the demo's database, as its config.toml
# suggests, leaves it).
SIDECARS = ("apprank.db-wal", "apprank.db-shm", "apprank.db.lock")
APPLICATION_ID = 0x61707264  # "aprd", at offset 68 of the header, big-endian


class DemoFolder:
    """`path` checked and claimed for the demo, which will write `files` (names) there."""

    def __init__(self, path: Path, files: tuple[str, ...], *, force: bool = False) -> None:
        self.path = path
        self.files = files
        self.force = force
        self._written: dict[str, str] = {}

    @property
    def database(self) -> Path:
        # Absolute, so the written config works from any folder (the README runs it from here).
        return self.path.resolve() / DATABASE

    def claim(self) -> None:
        """Refuse (UsageError, nothing written) unless the demo may write here; then create the
        folder and mark it. Every check runs before anything is written."""
        if self.path.exists() and not self.path.is_dir():
            raise UsageError(f"--out {self.path}: not a folder")
        recorded = self._recorded()
        if recorded is not None:
            self._written = {k: v for k, v in recorded.items() if (self.path / k).is_file()}
        if not self.force:
            foreign = self._foreign(recorded)
            if foreign is not None:
                raise UsageError(
                    f"{foreign}: not written by apprank demo; "
                    "use another --out, or --force to write into this folder"
                )
        database = self.path / DATABASE
        if database.exists() and not is_demo_database(database):
            raise UsageError(
                f"{database}: not a database apprank demo wrote; "
                "refusing to replace it, even with --force"
            )
        if database.exists():
            _refuse_if_a_daemon_uses(database)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise cannot_write(self.path, exc) from None
        self._save()

    def fresh_database(self) -> Path:
        """Remove the previous demo database (claim() checked it is one) and create an empty
        one marked as the demo's."""
        for name in (DATABASE, *SIDECARS):
            (self.path / name).unlink(missing_ok=True)
        database = self.database
        try:
            with contextlib.closing(sqlite3.connect(database)) as conn:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.commit()
        except sqlite3.Error as exc:
            raise UsageError(f"cannot write {database}: {exc}") from None
        return database

    def record(self, *paths: Path) -> None:
        """Note what the demo wrote, so a later demo knows these files are its own."""
        for path in paths:
            self._written[path.name] = _digest(path)
        self._save()

    def _save(self) -> None:
        marker = self.path / MARKER
        body = {"written_by": "apprank demo", "files": dict(sorted(self._written.items()))}
        # An error names the folder the user gave (--out), not the hidden file in it.
        with atomic_file(marker, named=self.path) as handle:
            handle.write(orjson.dumps(body, option=orjson.OPT_INDENT_2) + b"\n")

    def _recorded(self) -> dict[str, str] | None:
        """The marker's record of the demo's files, or None when the folder is not the demo's."""
        try:
            body = orjson.loads((self.path / MARKER).read_bytes())
            files = body["files"]
        except (OSError, orjson.JSONDecodeError, TypeError, KeyError):
            return None
        if not isinstance(files, dict):
            return None
        return {str(k): str(v) for k, v in files.items()}

    def _foreign(self, recorded: dict[str, str] | None) -> Path | None:
        """The first file here that the demo did not write (the ones it would replace first)."""
        if not self.path.is_dir():
            return None
        own = (DATABASE, *SIDECARS, *self.files)
        present = sorted(p.name for p in self.path.iterdir() if p.name != MARKER)
        if recorded is None:
            ordered = [n for n in own if n in present] + [n for n in present if n not in own]
            return self.path / ordered[0] if ordered else None
        for name in self.files:
            if name in present and recorded.get(name) != _digest(self.path / name):
                return self.path / name
        return None  # the database is checked by its header, whatever the marker says


def is_demo_database(path: Path) -> bool:
    """Whether `path` is a SQLite database the demo created. Reads the file's 100-byte header
    and nothing else: opening it with SQLite, even read-only, would touch its -shm file."""
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError:
        return False  # unreadable: not provably the demo's
    return header[:16] == b"SQLite format 3\x00" and header[68:72] == APPLICATION_ID.to_bytes(4)


def _digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _refuse_if_a_daemon_uses(database: Path) -> None:
    """A daemon running on the demo's database (the config the demo writes suggests one) would
    lose its files from under it: refuse, as a second daemon would be refused."""
    from scheduler.lock import DaemonAlreadyRunning, LockFileError, acquire_instance_lock

    try:
        acquire_instance_lock(f"sqlite:///{database}").release()
    except DaemonAlreadyRunning:
        raise UsageError(
            f"{database}: an apprank daemon is running on it; stop it before the demo replaces it"
        ) from None
    except LockFileError:
        pass  # a folder the demo cannot write: said in one line when it tries
