"""Writing a chart: PNG, SVG or PDF by extension, atomically, and the same bytes every time.

The file appears whole or not at all (temp file in the same folder, fsync, rename), so a web
server or a reader polling the daemon's output never sees half a picture. Metadata that would
change from run to run (dates, random SVG ids) is left out, so an unchanged chart re-rendered
gives an identical file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

from charts.spec import chart_format
from tracker import __version__
from tracker.errors import ApprankError

_CREATOR = f"apprank {__version__}"
_METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": _CREATOR},
    "svg": {"Creator": _CREATOR, "Date": None},
    "pdf": {"Creator": _CREATOR, "Producer": _CREATOR, "CreationDate": None, "ModDate": None},
}

# SVG element ids hash a salt that is random unless set; a fixed one makes SVGs reproducible.
# Set once, only if the user has not chosen their own (rcParams are process-wide).
if mpl.rcParams["svg.hashsalt"] is None:
    mpl.rcParams["svg.hashsalt"] = "apprank"


def save_figure(figure: Figure, path: Path | str) -> Path:
    """Write `figure` to `path` atomically, in the format its extension names; returns the path."""
    target = Path(path)
    fmt = chart_format(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise ApprankError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            figure.savefig(handle, format=fmt, metadata=_METADATA[fmt], facecolor="white")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise ApprankError(f"cannot write {target}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return target
