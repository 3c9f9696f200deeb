"""One daemon per database: `acquire_instance_lock(url)` at start-up, held until exit.

A SQLite file database: an exclusive, non-blocking `flock(2)` on `<database file>.lock`, a file
created beside the database (mode 0o666 less the umask, like every file apprank creates). The
lock is advisory: it stops a second apprank daemon, which asks for the same lock, not other
programs (SQLite's own file locking guards the database against those). A daemon that finds
it held exits with DaemonAlreadyRunning; a lock file that cannot be created, written or locked
(a read-only folder, a full disk, a file system without locks) is LockFileError.

The kernel drops a flock when its descriptor closes, so a daemon that dies however it dies never
leaves a stale lock. The file holds the owner's pid, only to make the refusal message useful;
`release()` empties it and leaves it in place (deleting it could let a starting daemon lock a new
file while a running one still holds the old).

PostgreSQL, and SQLite in memory or by `file:` URI: `NoInstanceLock`, which locks nothing.
Several daemons may share one PostgreSQL database: they split each slot's charts between them by
claim rows (tracker/store/claims.py, docs/postgresql.md "Several daemons on one database").
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from types import TracebackType

from sqlalchemy.engine import make_url

from tracker.errors import ApprankError


class DaemonAlreadyRunning(ApprankError):
    """Another daemon holds this database's instance lock."""


class LockFileError(ApprankError):
    """The lock file cannot be created or written (a full disk, a read-only folder)."""


class InstanceLock:
    """Held for the daemon's lifetime; `release()` (or process exit) frees it."""

    description = "no lock"

    def release(self) -> None:
        """Free the lock."""

    def __enter__(self) -> InstanceLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class NoInstanceLock(InstanceLock):
    """For databases another mechanism must coordinate (see the module docstring)."""


class FileInstanceLock(InstanceLock):
    """An exclusive `flock` on a file next to the SQLite database."""

    def __init__(self, path: Path, database: Path) -> None:
        self.path = path
        self.description = f"lock file {path}"
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise _unwritable(path, exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _read_owner(fd)
            os.close(fd)
            who = f" (pid {owner})" if owner else ""
            raise DaemonAlreadyRunning(
                f"another apprank daemon{who} is already running on {database} "
                f"(it holds {path}); not starting a second one"
            ) from None
        except OSError as exc:  # no locks on this file system (ENOLCK on some NFS mounts)
            os.close(fd)
            raise LockFileError(
                f"cannot lock the daemon's lock file {path}: {exc.strerror}"
            ) from None
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError as exc:
            os.close(fd)
            raise _unwritable(path, exc) from None
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing the descriptor drops the flock
        self._fd = None


def _unwritable(path: Path, exc: OSError) -> LockFileError:
    return LockFileError(f"cannot write the daemon's lock file {path}: {exc.strerror}")


def _read_owner(fd: int) -> str:
    with contextlib.suppress(OSError):
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        if text.isdigit():
            return text
    return ""


def lock_path_for(url: str) -> Path | None:
    """`<database file>.lock` for a SQLite file database, else None."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database).expanduser().resolve()
    return path.with_name(path.name + ".lock")


def acquire_instance_lock(url: str) -> InstanceLock:
    """Take the single-daemon lock for the database at `url`, or raise DaemonAlreadyRunning."""
    path = lock_path_for(url)
    if path is None:
        return NoInstanceLock()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    return FileInstanceLock(path, path.with_name(path.name.removesuffix(".lock")))
