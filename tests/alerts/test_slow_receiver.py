"""A receiver that answers a byte at a time can hold neither a send nor the daemon's tracks."""

from __future__ import annotations

import time

from tests.alerts.conftest import TricklingReceiver, make_config
from tracker.alerts.config import WebhookTarget
from tracker.alerts.deliver import LEASE, QUICK_BACKOFF_MAX
from tracker.alerts.sample import send_test


def test_each_try_has_a_total_deadline(trickling: TricklingReceiver, sqlite_url: str) -> None:
    """timeout = 1 with one retry: two tries of one second each, not two of two minutes (each
    read arrives well within the timeout, so a per-read timeout alone never fires)."""
    config = make_config(
        sqlite_url,
        [{"name": "r", "app": "deepseek", "when": "rank <= 1", "notify": ["webhook:slow"]}],
        {"slow": {"url": trickling.url, "timeout": 1, "retries": 1}},
    )
    started = time.monotonic()
    [result] = send_test(config, "r")
    elapsed = time.monotonic() - started
    assert (result.ok, result.http_status) == (False, None)
    assert result.error == f"no complete answer within 1 s from {trickling.url}"
    assert trickling.connections == 2
    assert elapsed < 30  # the receiver would hold each try for 120 s


def test_the_longest_possible_send_is_well_inside_the_delivery_lease() -> None:
    """Another process may take a delivery over only after its lease ends: the slowest send
    the configuration allows must end long before, or one bundle could go out twice."""
    fields = WebhookTarget.model_fields
    timeout = next(m.le for m in fields["timeout"].metadata if hasattr(m, "le"))
    retries = next(m.le for m in fields["retries"].metadata if hasattr(m, "le"))
    assert (timeout, retries) == (60, 5)  # as docs/alerts.md says
    longest = (retries + 1) * timeout + retries * QUICK_BACKOFF_MAX
    assert longest * 2 < LEASE.total_seconds()
