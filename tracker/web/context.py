"""What every route of the web server reads: the database (read-only), the configuration, the
settings, the worker pool, and the health check `apprank health` runs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy import Engine

from tracker.config.aliases import AppAlias
from tracker.config.load import Config
from tracker.models import ChartKey
from tracker.timeutil import utcnow
from tracker.web.fresh import Fresh
from tracker.web.settings import WebSettings
from tracker.web.work import Workers

# (healthy, what `apprank health --json` prints): scheduler/health.py's check, handed in by the
# command that serves (the web server sits below the daemon and may not import it).
HealthCheck = Callable[[], tuple[bool, dict[str, Any]]]


@dataclass
class WebContext:
    """The server's state; `workers` is made from `settings` (the hook: a test seam, see
    `Workers`), `fresh` keeps answers until the database changes."""

    engine: Engine
    config: Config
    settings: WebSettings
    health: HealthCheck | None = None
    clock: Callable[[], datetime] = utcnow
    hook: Callable[[str], None] | None = None
    workers: Workers = field(init=False)
    fresh: Fresh = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        self.workers = Workers(s.workers, s.heavy_workers, s.request_timeout, hook=self.hook)
        self.fresh = Fresh(self.engine)

    @property
    def aliases(self) -> Mapping[str, AppAlias]:
        return self.config.apps

    @property
    def tracked(self) -> list[ChartKey]:
        """The charts `[[track]]` fetches, in its order (as `apprank status` lists them)."""
        return [r.key for r in self.config.requests()]


def context_of(request: Request) -> WebContext:
    context = request.app.state.web
    assert isinstance(context, WebContext)
    return context
