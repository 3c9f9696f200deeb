"""`[http]`: limits, retries and the per-host pause of every request apprank makes."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from tracker import __version__
from tracker.config.fields import Duration, Strict


class HttpConfig(Strict):
    timeout: float = Field(10.0, gt=0, le=600)
    concurrency: int = Field(8, ge=1, le=256)
    per_host: int = Field(4, ge=1, le=256)
    retries: int = Field(3, ge=0, le=20)
    user_agent: str = f"apprank/{__version__}"
    max_bytes: int = Field(10_000_000, ge=1024)
    backoff_initial: float = Field(0.5, ge=0)
    backoff_max: float = Field(60.0, ge=0)
    # Throttle answers (429/403) in a row from one host before every request to it pauses, and
    # the first and longest pause (the pause doubles while the host keeps refusing).
    pause_after: int = Field(3, ge=1, le=100)
    pause_initial: Duration = timedelta(seconds=30)
    pause_max: Duration = timedelta(minutes=30)
