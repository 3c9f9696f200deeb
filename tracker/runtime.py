"""Python's cycle collector kept off the hot paths, and modules loaded when first used.

A fetch cycle allocates millions of short-lived containers (JSON trees, entries, rows) and
makes no reference cycles; every 700 allocations the collector would otherwise walk the young
objects, and now and then everything the imports made.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import sys
import threading
from collections.abc import Iterator
from types import ModuleType


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


def lazy_module(name: str) -> ModuleType:
    """Module `name`, executed on its first attribute access instead of now.

    For command modules: `apprank --help` imports every command, and a command's queries (NumPy,
    the ORM) are only needed when it runs. Import it under `if TYPE_CHECKING:` as well, so that
    type checkers see the real module. Finding the module imports its parent package now, so
    this defers nothing under a heavy package `__init__` (`tracker.store`): import inside the
    function there.
    """
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module
