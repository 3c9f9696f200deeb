"""Fault injection: which requests fail, and how, decided deterministically under a seed.

Each feed request gets a number in [0, 1) from a hash of (seed, path, how many times this path was
asked before); the fault kinds split [0, 1) by their probabilities in FAULT_KINDS order. The same
request sequence therefore meets the same faults on every run. `force` pins a kind to every path
containing a given substring, e.g. {"us/apps/top-paid": "server_error"}.

Google Play charts are one POST path, so each chart asked in a POST is decided under its own
key `play/{gl}/{collection}/{category}`, e.g. {"play/us/topselling_free/APPLICATION": "slow"}
(playroutes.py). The `play_*` kinds touch only Play charts (Apple's feeds pass them by); of the
generic kinds, `empty` empties one Play chart's entry list and every other one answers the whole
POST as it answers an Apple feed.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

FAULT_KINDS: tuple[str, ...] = (
    "rate_limit",  # 429 with Retry-After: 1
    "rate_limit_no_header",  # 429 without Retry-After
    "forbidden",  # 403, empty body
    "server_error",  # 500, 502 or 503
    "timeout",  # no answer for timeout_seconds, then the connection closes
    "reset",  # headers and half the body, then a TCP reset
    "truncated",  # 200, half the JSON, a Content-Length that matches the half
    "html",  # 200 with an HTML error page
    "empty",  # 200, a valid feed with no entries
    "oversized",  # 200, a valid feed padded past oversized_bytes
    "slow",  # 200, the body trickled over slow_seconds
    "redirect_loop",  # 302 to itself, forever
    "play_captcha",  # Play: an HTML captcha page with status captcha_status (429 or 503)
    "play_null_payload",  # Play: the chart's row with a null payload and error [3]
    "play_gateway_error",  # Play: the row's error names ...proto.PlayGatewayError, 200
    "play_truncated",  # Play: the row's payload string cut in half (the framing stays valid)
    "play_moved",  # Play: the entry list at container[27], [28] null (a redesign)
    "play_duplicate",  # Play: a package twice (rank 5 repeats rank 2)
    "play_extra_rows",  # Play: 5 more rows than asked (past 200 too)
)
CAPTCHA_STATUSES = (429, 503)


@dataclass(frozen=True)
class FaultConfig:
    """Probability of each fault kind per feed request, plus knobs for the slow ones."""

    rate_limit: float = 0.0
    rate_limit_no_header: float = 0.0
    forbidden: float = 0.0
    server_error: float = 0.0
    timeout: float = 0.0
    reset: float = 0.0
    truncated: float = 0.0
    html: float = 0.0
    empty: float = 0.0
    oversized: float = 0.0
    slow: float = 0.0
    redirect_loop: float = 0.0
    play_captcha: float = 0.0
    play_null_payload: float = 0.0
    play_gateway_error: float = 0.0
    play_truncated: float = 0.0
    play_moved: float = 0.0
    play_duplicate: float = 0.0
    play_extra_rows: float = 0.0
    seed: int = 0
    force: Mapping[str, str] = field(default_factory=dict)
    latency: float = 0.0  # seconds added to every feed response
    timeout_seconds: float = 30.0  # how long a `timeout` fault stays silent
    slow_seconds: float = 3.0  # how long a `slow` body takes
    oversized_bytes: int = 11 * 1024 * 1024  # an `oversized` body is larger than this
    captcha_status: int = 429  # what a `play_captcha` page answers with: 429 or 503

    def __post_init__(self) -> None:
        total = 0.0
        for kind in FAULT_KINDS:
            p = getattr(self, kind)
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"fault probability {kind}={p} is not between 0 and 1")
            total += p
        if total > 1.0 + 1e-9:
            raise ValueError(f"fault probabilities add up to {total:g}, more than 1")
        bad = {k: v for k, v in self.force.items() if v not in FAULT_KINDS}
        if bad:
            raise ValueError(f"unknown forced fault kind(s) {bad}; known: {', '.join(FAULT_KINDS)}")
        if self.latency < 0 or self.timeout_seconds < 0 or self.slow_seconds < 0:
            raise ValueError("latency, timeout_seconds and slow_seconds must be >= 0")
        if self.captcha_status not in CAPTCHA_STATUSES:
            raise ValueError(f"captcha_status must be 429 or 503, got {self.captcha_status}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FaultConfig:
        """Build from JSON-like data; unknown keys raise ValueError."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(unknown)}")
        values = dict(data)
        for kind in FAULT_KINDS:
            if kind in values:
                values[kind] = float(values[kind])
        if "captcha_status" in values:
            values["captcha_status"] = int(values["captcha_status"])
        if "force" in values:
            values["force"] = {str(k): str(v) for k, v in dict(values["force"]).items()}
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["force"] = dict(self.force)
        return data


class FaultPlan:
    """Decides, request by request, which fault (if any) a feed path meets."""

    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._seen: Counter[str] = Counter()

    def decide(self, path: str) -> tuple[str | None, float]:
        """(fault kind or None, a second uniform number for the fault's own choices)."""
        key = path.lower()
        for pattern, kind in self.config.force.items():
            if pattern.lower() in key:
                return kind, _uniform(self.config.seed, key, -1, "extra")
        with self._lock:
            count = self._seen[key]
            self._seen[key] = count + 1
        roll = _uniform(self.config.seed, key, count, "fault")
        extra = _uniform(self.config.seed, key, count, "extra")
        edge = 0.0
        for kind in FAULT_KINDS:
            edge += getattr(self.config, kind)
            if roll < edge:
                return kind, extra
        return None, extra


def _uniform(seed: int, path: str, count: int, salt: str) -> float:
    digest = hashlib.blake2b(f"{seed}|{path}|{count}|{salt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64
