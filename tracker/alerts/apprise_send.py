"""Alerts through Apprise (`apprise:NAME` targets): short text for a phone, every URL of the
target in one notify() call, and Apprise's own logging kept from leaking a URL's secret.

A message is one line per event and the snapshot's time ("DeepSeek is now #1 on the US top-free
chart (was #2) · 27 Jan 06:00 UTC"), titled "apprank: 3 alerts", with each chart's link when
`[web] public_url` is set. Apprise reports a failure only as False and log records on its
`apprise` logger: those records are masked (the secret values a target's URLs hold, then every
URL by `mask_text`) by a filter on that logger (and urllib3's, which logs request paths), held at
WARNING so their DEBUG lines (request URLs, payloads) are not made, and the warnings of one send
become its error text.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from tracker.alerts.events import AlertEvent
from tracker.config.notify import AppriseTarget
from tracker.models import ChartKey
from tracker.query.links import chart_page
from tracker.text.redact import MASK, mask_text

APPRISE_LOGGER = "apprise"
# A logger's filters see only its own records, not its children's: each one that logs is named.
GUARDED = (APPRISE_LOGGER, "urllib3", "urllib3.connectionpool", "urllib3.connection")
# Longest error text kept from Apprise's warnings (the delivery row, `alerts test`).
ERROR_LIMIT = 300

# Every secret value put into an Apprise URL by this process (env values, raw and encoded):
# the logger filter masks them wherever Apprise writes them. Grows only with configured secrets.
_secrets: set[str] = set()
_lock = threading.Lock()


def scrub(text: str) -> str:
    """`text` with every known secret value and every URL's secret parts masked."""
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, MASK)
    return mask_text(text)


class _Masking(logging.Filter):
    """Rewrites each record of the `apprise` logger to its masked text (args folded in)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = ()
        # A traceback's text may quote a URL; Apprise's own message already says what failed.
        record.exc_info = None
        record.exc_text = None
        return True


class _Collect(logging.Handler):
    """The warnings Apprise logs during one send: they say why it returned False."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


_FILTER = _Masking()


def guard_apprise_logger() -> None:
    """Mask the records of Apprise's logger and of urllib3's (under Apprise's requests, it
    logs each request's path at DEBUG: a token in it), and hold both at WARNING (idempotent)."""
    for name in GUARDED:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    for name in (APPRISE_LOGGER, "urllib3"):
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:  # NOTSET too: it would inherit a DEBUG root
            logger.setLevel(logging.WARNING)


def snapshot_time(at: datetime) -> str:
    """`27 Jan 06:00 UTC`: short, and plain on every phone."""
    at = at.astimezone(UTC)
    return f"{at.day} {at:%b %H:%M} UTC"


def chart_link(public_url: str, key: ChartKey, at: datetime | None = None) -> str:
    """The web page of `key` (as it stood at `at`) under `public_url`."""
    return public_url.rstrip("/") + chart_page(key, at)


def phone_message(
    events: Sequence[AlertEvent], *, public_url: str | None = None, test: bool = False
) -> tuple[str, str]:
    """(title, body) of one message: a line per event with its snapshot's time, then each
    chart's link once (when `public_url` is set)."""
    count = len(events)
    noun = "alert" if count == 1 else "alerts"
    title = f"apprank: {'test ' if test else ''}{count} {noun}"
    prefix = "[test] " if test else ""
    lines = [f"{prefix}{e.message} · {snapshot_time(e.captured_at)}" for e in events]
    if public_url:
        links = (chart_link(public_url, e.key, e.captured_at) for e in events)
        lines.extend(dict.fromkeys(links))
    return title, "\n".join(lines)


def _with_timeout(url: str, timeout: float) -> str:
    """`url` with Apprise's connect (`cto`) and read (`rto`) timeouts, unless it sets them."""
    extra = [f"{arg}={timeout:g}" for arg in ("cto", "rto") if f"{arg}=" not in url]
    if not extra:
        return url
    return url + ("&" if "?" in url else "?") + "&".join(extra)


def send_apprise(
    target: AppriseTarget, title: str, body: str, attachments: Sequence[Path | str] = ()
) -> str | None:
    """Send one message to every URL of `target`; None when all took it, else the masked
    reason. Raises nothing for a failed send (ValueError only for an unset variable)."""
    import apprise  # here: only a config with an Apprise target pays for loading it

    guard_apprise_logger()
    urls, secrets = target.resolved()
    with _lock:
        _secrets.update(secrets)
    notifier = apprise.Apprise(asset=apprise.AppriseAsset(app_id="apprank", app_desc="apprank"))
    for index, url in enumerate(urls):
        if not notifier.add(_with_timeout(url, target.timeout)):
            return f"urls[{index}]: Apprise cannot use this URL"
    attach = None
    if attachments:
        attach = apprise.AppriseAttachment()
        for path in attachments:
            attach.add(str(path))
    collect = _Collect()
    logger = logging.getLogger(APPRISE_LOGGER)
    with _lock:  # one send at a time owns the collector (the delivery thread; `alerts test`)
        logger.addHandler(collect)
        try:
            ok = notifier.notify(body=body, title=title, attach=attach)
        finally:
            logger.removeHandler(collect)
    if ok:
        return None
    reason = "; ".join(dict.fromkeys(collect.messages)) or "Apprise could not send the message"
    reason = scrub(reason)
    return reason if len(reason) <= ERROR_LIMIT else reason[: ERROR_LIMIT - 1] + "…"
