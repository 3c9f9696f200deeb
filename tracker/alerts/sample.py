"""`apprank alerts test NAME`: a made-up event sent to a rule's targets (or to one target).

Test events are marked `"test": true` and "[test]" in the text, are never stored, and are sent
once (with the webhook's quick retries), so the result says at once whether a target works.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from tracker.alerts.deliver import SendResult, send
from tracker.alerts.events import AlertEvent
from tracker.alerts.messages import describe
from tracker.alerts.rules import Position
from tracker.config.alerts import AlertRule
from tracker.config.aliases import AppAlias
from tracker.config.facts import SOURCE_FACTS
from tracker.config.fields import every_storefront
from tracker.config.load import Config
from tracker.config.when import Direction, Kind
from tracker.errors import UsageError
from tracker.models import ChartKey
from tracker.timeutil import utcnow

SAMPLE_DEPTH = 100
SAMPLE_APP = "Example App"


@dataclass(frozen=True, slots=True)
class _Ranks:
    before: int | None
    now: int | None
    rival_before: int | None = None
    rival_now: int | None = None


def _sample_ranks(rule: AlertRule) -> _Ranks:
    """Ranks that fire the rule's condition."""
    condition = rule.condition
    n = condition.limit
    if condition.kind in (Kind.RANK, Kind.ENTERS):
        return _Ranks(n + 1, n)
    if condition.kind is Kind.LEAVES:
        return _Ranks(n, n + 1 if n < SAMPLE_DEPTH else None)
    if condition.kind is Kind.MOVES:
        far = min(1 + n, SAMPLE_DEPTH)
        return _Ranks(1, far) if condition.direction is Direction.DOWN else _Ranks(far, 1)
    return _Ranks(2, 1, 1, 2)


def sample_event(rule: AlertRule, aliases: Mapping[str, AppAlias], now: datetime) -> AlertEvent:
    """A made-up event as `rule` would fire it: its app, first country (us for a rule on every
    storefront), chart and condition; apps named through the `[apps]` `aliases`."""
    country = "us" if every_storefront(rule.countries) else rule.countries[0]
    source = rule.source or "apple"
    device = rule.device or SOURCE_FACTS[source].devices[0]
    key = ChartKey(source, country, rule.chart, rule.category, device)
    ranks = _sample_ranks(rule)
    before, after = Position(ranks.before, SAMPLE_DEPTH), Position(ranks.now, SAMPLE_DEPTH)
    rival = rule.condition.rival
    rival_before = Position(ranks.rival_before, SAMPLE_DEPTH) if rival else None
    rival_now = Position(ranks.rival_now, SAMPLE_DEPTH) if rival else None
    message = describe(
        rule.condition,
        rule.app,
        key,
        before,
        after,
        rival=rival,
        rival_before=rival_before,
        rival_now=rival_now,
    )
    return AlertEvent(
        event_id=uuid.uuid4().hex,
        rule=rule.name,
        when=rule.when,
        app_id=_store_id(aliases, rule.app),
        app_name=rule.app,
        key=key,
        rank=ranks.now,
        previous_rank=ranks.before,
        depth=SAMPLE_DEPTH,
        previous_depth=SAMPLE_DEPTH,
        captured_at=now,
        previous_captured_at=now - timedelta(hours=1),
        snapshot_id=0,
        message=message,
        rival_id=_store_id(aliases, rival) if rival else None,
        rival_name=rival,
        rival_rank=ranks.rival_now,
        rival_previous_rank=ranks.rival_before,
        targets=tuple(rule.notify),
    )


def _store_id(aliases: Mapping[str, AppAlias], text: str) -> str:
    """The store id an alias or id names; "0" for a name, which only the database resolves."""
    alias = aliases.get(text.lower())
    return alias.first_id() if alias else (text if text.isdigit() else "0")


def send_test(config: Config, name: str, *, now: datetime | None = None) -> list[SendResult]:
    """Send a sample event: for a rule NAME to each of its targets, for a target NAME ("log",
    "webhook:team", "apprise:phone", or just "team" for a webhook) to it alone. Raises
    UsageError for an unknown name.
    """
    now = now or utcnow()
    notify = config.notify
    public_url = config.web.public_url
    rules = {rule.name: rule for rule in config.alert}
    rule = rules.get(name)
    if rule is not None:
        event = sample_event(rule, config.apps, now)
        return [
            send(notify, config.http, target, [event], test=True, public_url=public_url)
            for target in rule.notify
        ]
    target = name if name in notify.targets() else f"webhook:{name}"
    if target not in notify.targets():
        raise UsageError(
            f"no alert rule or target named {name!r} "
            f"(rules: {', '.join(rules) or 'none'}; targets: {', '.join(notify.targets())})"
        )
    generic = AlertRule(name="test", app=SAMPLE_APP, when="rank <= 1", notify=[target])
    event = sample_event(generic, config.apps, now)
    return [send(notify, config.http, target, [event], test=True, public_url=public_url)]
