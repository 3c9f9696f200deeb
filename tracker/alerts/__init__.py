"""Alerts: rules evaluated after every stored snapshot, events kept, webhooks delivered.

    from tracker.alerts import process_cycle, deliver_pending, send_test

The entry points load lazily so that `tracker.config.load` can import `tracker.config.alerts`
(the rule models) without importing the evaluation code, which itself needs `tracker.config.load`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.alerts.cycle import deliver_pending, process_cycle
    from tracker.alerts.events import AlertEvent
    from tracker.alerts.sample import send_test

_LAZY = {
    "process_cycle": "tracker.alerts.cycle",
    "deliver_pending": "tracker.alerts.cycle",
    "send_test": "tracker.alerts.sample",
    "AlertEvent": "tracker.alerts.events",
}

__all__ = ["AlertEvent", "deliver_pending", "process_cycle", "send_test"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tracker.alerts' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
