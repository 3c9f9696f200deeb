"""Sending alerts: the "log" target and webhooks (a signed JSON POST), with retries.

Every delivery due for one target goes out as one message (several events of a cycle make one
POST). A webhook send retries quickly a few times (timeouts, connection errors, 429, 5xx); if it
still fails the deliveries stay pending and are tried again later with a growing delay (30 s,
1 min, 2 min, ... at most 1 h), by the next cycle or the next process. Nothing here raises: a
failing target is logged and recorded, never allowed to stop a fetch or the daemon.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Engine

from tracker.alerts.events import AlertEvent
from tracker.alerts.store import claim_due, mark_sent
from tracker.config.http import HttpConfig
from tracker.config.notify import LOG_TARGET, NotifyConfig, WebhookTarget
from tracker.errors import ApprankError, StoreError
from tracker.fetch.webhook import post_json
from tracker.text.redact import mask_text
from tracker.timeutil import isoformat_z, utcnow

log = logging.getLogger("apprank.alerts")

SIGNATURE_HEADER = "X-Apprank-Signature"
# Events per message: chat services cap a message's size, receivers their request bodies.
MAX_BUNDLE = 50
# Discord refuses `content` longer than this.
DISCORD_LIMIT = 2000
RETRY_FIRST = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=1)
# How long a sender holds the deliveries it took; longer than the slowest webhook send
# (timeout <= 60 s, retries <= 5), so a live sender never loses its lease mid-send.
LEASE = timedelta(minutes=15)
# Cap on the quick in-send back-off, whatever [http] backoff_max says: the sender waits on it.
QUICK_BACKOFF_MAX = 10.0


@dataclass(frozen=True, slots=True)
class SendResult:
    """How one send to one target went."""

    target: str
    ok: bool
    events: int
    http_status: int | None = None
    error: str | None = None


def retry_delay(attempts: int) -> timedelta:
    """The wait before the next try after `attempts` failed sends (30 s doubling, at most 1 h)."""
    # The doublings are capped well past RETRY_MAX: 30 s * 2**44 is beyond what a timedelta holds,
    # so an uncapped delay raised OverflowError once a receiver had been down for about two days.
    doublings = min(max(attempts - 1, 0), 16)
    return min(RETRY_MAX, RETRY_FIRST * (1 << doublings))


def sign(body: bytes, secret: bytes) -> str:
    """The signature header value: `sha256=` and the hex HMAC-SHA256 of the exact body."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def message_text(events: Sequence[AlertEvent], *, test: bool = False) -> str:
    """The human text of a message: one line per event."""
    prefix = "[test] " if test else ""
    return "\n".join(f"{prefix}{event.message}" for event in events)


def build_body(events: Sequence[AlertEvent], *, test: bool = False) -> bytes:
    """The JSON a webhook receives: the events, their ids, and the text under the keys Slack
    (`text`) and Discord (`content`) display. The same events always give the same bytes.
    """
    text = message_text(events, test=test)
    content = text if len(text) <= DISCORD_LIMIT else text[: DISCORD_LIMIT - 1] + "…"
    body: dict[str, Any] = {
        "event_ids": [event.event_id for event in events],
        "events": [event.to_json() for event in events],
        "text": text,
        "content": content,
        "test": test,
    }
    return orjson.dumps(body)


def send(
    notify: NotifyConfig,
    http: HttpConfig,
    target: str,
    events: Sequence[AlertEvent],
    *,
    test: bool = False,
) -> SendResult:
    """Send `events` to one target of `notify` as one message (a webhook under `http`'s
    back-off and user agent). Never raises."""
    try:
        if target == LOG_TARGET:
            for event in events:
                log.info(
                    "%s%s",
                    "[test] " if test else "",
                    event.message,
                    extra={
                        "alert": event.rule,
                        "event_id": event.event_id,
                        "app_id": event.app_id,
                        "country": event.key.country,
                        "chart": event.key.chart,
                        "rank": event.rank,
                        "previous_rank": event.previous_rank,
                    },
                )
            return SendResult(target, True, len(events))
        webhook = notify.webhook_for(target)
        if webhook is None:
            return SendResult(target, False, len(events), error=f"{target} is not configured")
        status = _post(http, webhook, build_body(events, test=test))
    except (ApprankError, ValueError) as exc:  # FetchError included
        error = mask_text(str(exc))  # a webhook URL is a credential (Slack, Discord, user:pw@)
        return SendResult(target, False, len(events), getattr(exc, "status", None), error)
    except Exception as exc:  # a bug or an unforeseen error must not stop the daemon either
        log.exception("alerts: sending to %s failed unexpectedly", target)
        error = mask_text(f"{type(exc).__name__}: {exc}")
        return SendResult(target, False, len(events), error=error)
    if 200 <= status < 300:
        return SendResult(target, True, len(events), status)
    return SendResult(target, False, len(events), status, f"HTTP {status}")


def _post(http: HttpConfig, webhook: WebhookTarget, body: bytes) -> int:
    headers = {"Content-Type": "application/json"}
    secret = webhook.secret_bytes()
    if secret is not None:
        headers[SIGNATURE_HEADER] = sign(body, secret)
    return post_json(
        webhook.url,
        body,
        headers,
        timeout=webhook.timeout,
        retries=webhook.retries,
        backoff=http.backoff_initial,
        backoff_max=min(http.backoff_max, QUICK_BACKOFF_MAX),
        user_agent=http.user_agent,
    )


def deliver_due(
    engine: Engine, notify: NotifyConfig, http: HttpConfig, now: datetime | None = None
) -> int:
    """Send every pending delivery that is due to its target in `notify`, one message per
    target (at most MAX_BUNDLE events each); returns how many (event, target) deliveries
    succeeded. Never raises.
    """
    now = now or utcnow()
    try:
        claimed = claim_due(engine, now, LEASE)
    except StoreError as exc:
        log.error("alerts: pending deliveries not read: %s", exc)
        return 0
    delivered = 0
    for group in claimed:
        for start in range(0, len(group.events), MAX_BUNDLE):
            events = group.events[start : start + MAX_BUNDLE]
            result = send(notify, http, group.target, events)
            # After a failed message, the target's other messages wait with it: one dead
            # receiver costs one send per back-off period, not one per 50 events.
            ids = (
                group.alert_ids[start : start + MAX_BUNDLE]
                if result.ok
                else group.alert_ids[start:]
            )
            retry_at = None if result.ok else now + retry_delay(group.attempts + 1)
            if not result.ok:
                log.warning(
                    "alerts: %d event(s) not delivered to %s: %s; next try at %s",
                    len(ids),
                    group.target,
                    result.error,
                    isoformat_z(retry_at) if retry_at else "",
                )
            try:
                mark_sent(
                    engine,
                    group.target,
                    ids,
                    now,
                    ok=result.ok,
                    http_status=result.http_status,
                    error=result.error,
                    retry_at=retry_at,
                )
            except StoreError as exc:
                # The lease runs out and the events go again: at least once, never lost.
                log.error("alerts: delivery to %s not recorded: %s", group.target, exc)
            if not result.ok:
                break
            delivered += len(events)
    return delivered
