"""The progress bar every long command shows (fetch, export, db copy, demo): one look, one rule.

A bar is for a person watching, so it goes to stderr and only when stderr is a terminal; stdout
stays the command's answer (a table, JSON, CSV), byte for byte the same with or without a bar.
rich is imported when a bar is made, not when a command module loads.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from tracker.cli.common import stderr

if TYPE_CHECKING:
    from rich.progress import Progress


def stderr_is_terminal() -> bool:
    """Progress is for a person watching: only when stderr is a terminal."""
    return sys.stderr.isatty()


def progress_bar(
    label: str | None = None, *, transient: bool = True, disable: bool = False
) -> Progress:
    """A bar on stderr: `label` (or, when None, each task's description: one bar per task),
    the bar, done/total and the time elapsed. A transient bar is erased when it ends; a
    disabled one draws nothing, so callers keep one code path."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        TextColumn("{task.description}" if label is None else label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=transient,
        disable=disable,
    )
