"""Writing a chart: PNG, SVG or PDF by extension, atomically, and the same bytes every time.

The file appears whole or not at all (`tracker.atomic`, as every apprank output), so a web
server or a reader polling the daemon's output never sees half a picture. Metadata that would
change from run to run (dates, random SVG ids) is left out, so an unchanged chart re-rendered
gives an identical file.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import matplotlib as mpl
from matplotlib.figure import Figure

from tracker import __version__
from tracker.atomic import atomic_file
from tracker.config.charts import chart_format

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
    """Write `figure` to `path` atomically, in the format its extension names; returns the path.

    Missing folders are created; a path that cannot be written is a UsageError naming it."""
    target = Path(path)
    fmt = chart_format(target)
    with atomic_file(target) as handle:
        write_figure(figure, handle, fmt)
    return target


def write_figure(figure: Figure, out: IO[bytes], fmt: str) -> None:
    """`figure` as `fmt` ("png", "svg" or "pdf") to a binary stream: the bytes `save_figure`
    writes to a file of that format (the web server sends them as they are)."""
    figure.savefig(out, format=fmt, metadata=_METADATA[fmt], facecolor="white")
