"""Storage: tables (`schema`), engine set-up (`engine`), the write path (`writer`) and the reads
behind `top` and `status` (`reads`).

Nothing heavy is imported here: callers import the submodule they use, so a reader never loads the
writer, SQLModel or the ORM (each costs every command start-up time; see docs/performance.md).
"""

from __future__ import annotations

import importlib
from typing import Any

# The old package-level names, resolved on first use (PEP 562) for callers not yet moved to
# the submodules: importing `tracker.store` still loads nothing.
_MOVED = {
    "Attempt": "writer",
    "Saved": "writer",
    "SnapshotWriter": "writer",
    "open_engine": "engine",
    "read_connection": "engine",
    "write_transaction": "engine",
}


def __getattr__(name: str) -> Any:
    module = _MOVED.get(name)
    if module is None:
        raise AttributeError(f"module 'tracker.store' has no attribute {name!r}")
    return getattr(importlib.import_module(f"tracker.store.{module}"), name)
