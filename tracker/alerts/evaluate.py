"""Evaluating the rules: each stored snapshot against the previous snapshot of its chart.

Only two real snapshots are ever compared. A chart's first snapshot is the baseline and fires
nothing; a failed fetch stores no snapshot, so the next success is compared with the last one
that exists and "no data" can never pass for a drop. Apps are resolved here, at evaluation
time, because an app named by a rule may not be in the database yet.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from tracker.alerts.events import AlertEvent
from tracker.alerts.messages import describe
from tracker.alerts.rules import Position, fires
from tracker.alerts.store import Candidate
from tracker.config.alerts import AlertRule
from tracker.config.aliases import AppAlias
from tracker.config.facts import SOURCE_FACTS
from tracker.errors import UsageError
from tracker.models import ChartKey
from tracker.query.selection import app_ids_by_store_id
from tracker.store.engine import read_connection
from tracker.store.listings import names_at
from tracker.store.snapshots import (
    StoredSnapshot,
    previous_snapshot,
    ranks_in,
    snapshots_by_id,
)
from tracker.timeutil import to_epoch

log = logging.getLogger("apprank.alerts")

# Unresolvable app names already logged, so a daemon says so once, not every cycle.
_REPORTED: set[tuple[str, str]] = set()


@dataclass(frozen=True, slots=True)
class _Named:
    """An app a rule names: its store id and the name to show until the database has one."""

    store_id: str
    label: str


class _Resolver:
    """Resolves each rule's app text once per evaluation (id, alias or name fragment)."""

    def __init__(self, engine: Engine, aliases: Mapping[str, AppAlias]) -> None:
        self.engine = engine
        self.aliases = aliases
        self._cache: dict[tuple[str, str], _Named | None] = {}

    def __call__(self, rule: AlertRule, text: str, key: ChartKey) -> _Named | None:
        """The app `text` names in the store of `key`'s chart (None: none there, or unknown)."""
        store = SOURCE_FACTS[key.source].store
        if (text, store) not in self._cache:
            self._cache[(text, store)] = self._resolve(rule, text, store)
        return self._cache[(text, store)]

    def _resolve(self, rule: AlertRule, text: str, store: str) -> _Named | None:
        alias = self.aliases.get(text.lower())
        if alias is not None:
            # An alias naming no app in this store's charts does not watch them.
            app_id = alias.id_in(store)
            return None if app_id is None else _Named(app_id, alias.label or text)
        if text.isdigit():
            return _Named(text, text)
        from tracker.query.apps import resolve_app

        try:
            ref = resolve_app(self.engine, self.aliases, text)
        except UsageError as exc:
            problem = str(exc).splitlines()[0]
            if (rule.name, problem) not in _REPORTED:
                _REPORTED.add((rule.name, problem))
                log.warning("alert %s not evaluated yet: %s", rule.name, problem)
            return None
        return _Named(ref.app_id, ref.name)


def evaluate(
    engine: Engine,
    rules: Sequence[AlertRule],
    aliases: Mapping[str, AppAlias],
    stored: Sequence[tuple[ChartKey, int]],
) -> list[Candidate]:
    """The events `rules` fire for `stored` snapshots, in order (apps named through the
    `[apps]` `aliases`); nothing is written."""
    if not rules:
        return []
    resolve = _Resolver(engine, aliases)
    work: list[tuple[ChartKey, int, list[tuple[AlertRule, _Named, _Named | None]]]] = []
    for key, snapshot_id in stored:
        watching = []
        for rule in rules:
            if not rule.matches(key):
                continue
            app = resolve(rule, rule.app, key)
            rival_text = rule.condition.rival
            rival = resolve(rule, rival_text, key) if rival_text is not None else None
            if app is not None and (rival_text is None or rival is not None):
                watching.append((rule, app, rival))
        if watching:
            work.append((key, snapshot_id, watching))
    out: list[Candidate] = []
    if not work:
        return out
    with read_connection(engine) as conn:
        # What every snapshot of the batch needs is read once: the snapshots and the apps.
        snaps = snapshots_by_id(conn, [snapshot_id for _, snapshot_id, _ in work])
        named = {a.store_id for *_, watching in work for _, a, _ in watching}
        named |= {r.store_id for *_, watching in work for _, _, r in watching if r}
        apps = {
            store_id: (app_id, name)
            for store_id, (app_id, name, _) in app_ids_by_store_id(conn, sorted(named)).items()
        }
        for key, snapshot_id, watching in work:
            now = snaps.get(snapshot_id)
            if now is None:
                log.warning(
                    "alerts: snapshot %s of %s is not in the database", snapshot_id, key.label()
                )
                continue
            out.extend(_evaluate_snapshot(conn, key, now, watching, apps))
    return out


def _evaluate_snapshot(
    conn: Connection,
    key: ChartKey,
    now: StoredSnapshot,
    watching: list[tuple[AlertRule, _Named, _Named | None]],
    apps: dict[str, tuple[int, str]],
) -> list[Candidate]:
    before = previous_snapshot(conn, now)
    if before is None:
        return []  # the chart's first snapshot: a baseline, not a transition
    store_ids = {a.store_id for _, a, _ in watching} | {r.store_id for _, _, r in watching if r}
    internal = [apps[s][0] for s in store_ids if s in apps]
    ranks = ranks_in(conn, sorted({now.ranking_id, before.ranking_id}), internal)
    # The names this chart's storefront showed at the snapshot, not the last ones seen anywhere.
    shown = names_at(conn, (key.source, key.country), internal, to_epoch(now.captured_at))

    def position(snap: StoredSnapshot, named: _Named) -> Position:
        found = apps.get(named.store_id)
        rank = ranks.get((snap.ranking_id, found[0])) if found else None
        return Position(rank, snap.depth)

    def name(named: _Named) -> str:
        found = apps.get(named.store_id)
        if found is None:
            return named.label
        return shown[found[0]][0] if found[0] in shown else found[1]

    out = []
    for rule, app, rival in watching:
        was, is_ = position(before, app), position(now, app)
        rival_was = position(before, rival) if rival else None
        rival_is = position(now, rival) if rival else None
        if not fires(rule.condition, was, is_, rival_was, rival_is):
            continue
        event = AlertEvent(
            event_id=uuid.uuid4().hex,
            rule=rule.name,
            when=rule.when,
            app_id=app.store_id,
            app_name=name(app),
            key=key,
            rank=is_.rank,
            previous_rank=was.rank,
            depth=now.depth,
            previous_depth=before.depth,
            captured_at=now.captured_at,
            previous_captured_at=before.captured_at,
            snapshot_id=now.id,
            message=describe(
                rule.condition,
                name(app),
                key,
                was,
                is_,
                rival=name(rival) if rival else None,
                rival_before=rival_was,
                rival_now=rival_is,
            ),
            rival_id=rival.store_id if rival else None,
            rival_name=name(rival) if rival else None,
            rival_rank=rival_is.rank if rival_is else None,
            rival_previous_rank=rival_was.rank if rival_was else None,
            targets=tuple(rule.notify),
        )
        out.append(Candidate(event, rule.cooldown))
    return out
