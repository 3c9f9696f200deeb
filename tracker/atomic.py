"""Every file apprank writes goes through `atomic_file`: exports, charts (`charts.save`), the
demo's folder marker and config. One rule for all:

- Missing parent folders are created (`-o out/2025/us.csv` just works).
- The file appears whole or not at all: it is written to a temporary sibling, fsynced and
  renamed over the target, so a reader never sees half a file and a failure keeps the old one
  (and leaves no temporary file behind).
- Its mode is the one a plain `open(path, "w")` creating it would give: 0o666 less the umask,
  also when it replaces an existing file (the rename installs a new file; the old one's mode
  is not carried over). The temporary file is created with that mode rather than chmod-ed
  after, because reading the umask means setting it, which races with other threads.
- A path that cannot be written is one UsageError (exit 2) naming the file and the reason.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from tracker.errors import UsageError


def cannot_write(target: Path, exc: OSError) -> UsageError:
    if isinstance(exc, FileExistsError):  # mkdir met a file where a folder should be
        return UsageError(f"cannot write {target}: {exc.filename} is not a directory")
    return UsageError(f"cannot write {target}: {exc.strerror or exc}")


@contextlib.contextmanager
def atomic_file(path: str | Path, *, named: Path | None = None) -> Iterator[IO[bytes]]:
    """A binary handle whose content replaces `path` when the block ends without an error.

    `named`: what an error names instead of `path` (the demo names its folder, not the hidden
    marker file in it)."""
    target = Path(path)
    shown = target if named is None else named
    if target.is_dir():
        raise UsageError(f"cannot write {target}: it is a directory; give a file name")
    temp = target.with_name(f".{target.name}.{os.urandom(4).hex()}.part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise cannot_write(shown, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise cannot_write(shown, exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
