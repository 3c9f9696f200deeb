"""Python's cycle collector, kept off the hot paths.

A fetch cycle allocates millions of short-lived containers (JSON trees, entries, rows) and
makes no reference cycles; every 700 allocations the collector would otherwise walk the young
objects, and now and then everything the imports made.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator


def freeze_long_lived() -> None:
    """Move every object alive now (modules, classes, caches) out of the collector's sight.

    For start-up, after the imports: these live as long as the process anyway.
    """
    gc.freeze()


# Paused sections may overlap (the event loop parses while the writer thread writes): the
# collector is off from the first one's start to the last one's end, counted under a lock.
_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cycle collector for a section that allocates much and makes no cycles.

    Thread-safe and nestable: the collector comes back, as it was before the first section,
    when the last running section ends.
    """
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
