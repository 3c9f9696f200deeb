"""Python's cycle collector, kept off the hot paths.

A fetch cycle allocates millions of short-lived containers (JSON trees, entries, rows) and
makes no reference cycles; every 700 allocations the collector would otherwise walk the young
objects, and now and then everything the imports made.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


def freeze_long_lived() -> None:
    """Move every object alive now (modules, classes, caches) out of the collector's sight.

    For start-up, after the imports: these live as long as the process anyway.
    """
    gc.freeze()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cycle collector for a section that allocates much and makes no cycles.

    Sections may overlap across threads: the collector is on again once the first one that
    paused it ends, and stays as it was if it was off to begin with.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
