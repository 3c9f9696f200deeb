"""Sending alerts: the "log" target, webhooks (a signed JSON POST) and Apprise, with retries.

Every delivery due for one target goes out as one message (several events of a cycle make one
POST). A webhook send retries quickly a few times (timeouts, connection errors, 429, 5xx); if it
still fails the deliveries stay pending and are tried again later with a growing delay (30 s,
1 min, 2 min, ... at most 1 h), by the next cycle or the next process, until `[notify]
give_up_after` has passed since the event: then its delivery is abandoned, with a warning.
Nothing here raises: a failing target is logged and recorded, never allowed to stop a fetch or
the daemon. `send_text` sends free text (a digest) to any target the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine

from tracker.alerts.events import AlertEvent
from tracker.alerts.store import abandon_stale, claim_due, mark_sent
from tracker.config.http import HttpConfig
from tracker.config.notify import APPRISE_PREFIX, LOG_TARGET, NotifyConfig, WebhookTarget
from tracker.errors import ApprankError, StoreError
from tracker.fetch.webhook import post_json
from tracker.metrics import ALERT_DELIVERIES, count
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
    public_url: str | None = None,
) -> SendResult:
    """Send `events` to one target of `notify` as one message (a webhook under `http`'s
    back-off and user agent; Apprise as short text, with chart links under `public_url`).
    Never raises."""
    try:
        if target.startswith(APPRISE_PREFIX):
            from tracker.alerts.apprise_send import phone_message

            title, text = phone_message(events, public_url=public_url, test=test)
            return _send_apprise(notify, target, title, text, (), len(events))
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
    except Exception as exc:
        return _failed(target, len(events), exc)
    if 200 <= status < 300:
        return SendResult(target, True, len(events), status)
    return SendResult(target, False, len(events), status, f"HTTP {status}")


def send_text(
    notify: NotifyConfig,
    http: HttpConfig,
    target: str,
    title: str,
    body: str,
    attachments: Sequence[Path | str] = (),
) -> SendResult:
    """Send free text (a digest) to one target: logged at INFO for "log", a signed JSON POST
    `{"text", "content", "title"}` for a webhook (attachments are not sent), an Apprise
    message with `attachments` (files; channels that take none get the text). Never raises;
    the result counts one message as one event."""
    try:
        if target == LOG_TARGET:
            log.info("%s\n%s", title, body, extra={"title": title})
            return SendResult(target, True, 1)
        if target.startswith(APPRISE_PREFIX):
            return _send_apprise(notify, target, title, body, attachments, 1)
        webhook = notify.webhook_for(target)
        if webhook is None:
            return SendResult(target, False, 1, error=f"{target} is not configured")
        content = body if len(body) <= DISCORD_LIMIT else body[: DISCORD_LIMIT - 1] + "…"
        payload = orjson.dumps({"text": body, "content": content, "title": title})
        status = _post(http, webhook, payload)
    except Exception as exc:
        return _failed(target, 1, exc)
    if 200 <= status < 300:
        return SendResult(target, True, 1, status)
    return SendResult(target, False, 1, status, f"HTTP {status}")


def _send_apprise(
    notify: NotifyConfig,
    target: str,
    title: str,
    body: str,
    attachments: Sequence[Path | str],
    events: int,
) -> SendResult:
    from tracker.alerts.apprise_send import send_apprise

    config = notify.apprise_for(target)
    if config is None:
        return SendResult(target, False, events, error=f"{target} is not configured")
    error = send_apprise(config, title, body, attachments)
    return SendResult(target, error is None, events, error=error)


def _failed(target: str, events: int, exc: Exception) -> SendResult:
    """A send that raised, as a result whose error is masked (a URL is a credential: Slack,
    Discord, user:pw@, an Apprise token)."""
    from tracker.alerts.apprise_send import scrub  # knows the Apprise secrets in use

    if isinstance(exc, ApprankError | ValueError):  # FetchError included
        return SendResult(target, False, events, getattr(exc, "status", None), scrub(str(exc)))
    # A bug or an unforeseen error must not stop the daemon either.
    log.error("alerts: sending to %s failed unexpectedly: %s", target, scrub(repr(exc)))
    return SendResult(target, False, events, error=scrub(f"{type(exc).__name__}: {exc}"))


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
    engine: Engine,
    notify: NotifyConfig,
    http: HttpConfig,
    now: datetime | None = None,
    *,
    public_url: str | None = None,
) -> int:
    """Send every pending delivery that is due to its target in `notify`, one message per
    target (at most MAX_BUNDLE events each), after abandoning those older than
    `notify.give_up_after`; returns how many (event, target) deliveries succeeded. Never raises.
    """
    now = now or utcnow()
    try:
        for gone in abandon_stale(engine, now, notify.give_up_after):
            log.warning(
                "alerts: gave up delivering %d event(s) to %s after %s; last error: %s",
                gone.count,
                gone.target,
                _age(notify.give_up_after),
                gone.last_error or "none (never tried)",
            )
        claimed = claim_due(engine, now, LEASE)
    except StoreError as exc:
        log.error("alerts: pending deliveries not read: %s", exc)
        return 0
    delivered = 0
    for group in claimed:
        for start in range(0, len(group.events), MAX_BUNDLE):
            events = group.events[start : start + MAX_BUNDLE]
            result = send(notify, http, group.target, events, public_url=public_url)
            count(
                ALERT_DELIVERIES, group.target, "ok" if result.ok else "failed", amount=len(events)
            )
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


def _age(age: timedelta) -> str:
    """`2d`, `36h`, `90m`: the give-up age as config.toml writes it."""
    seconds = int(age.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
