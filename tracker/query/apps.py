"""Naming apps: a store id, an `[apps]` alias from the config, or a fragment of the name.

Every command that takes an app goes through `resolve_app`, so the three forms work everywhere
and a bad name fails the same way: one error line (plus the candidates when ambiguous), exit 2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine

from tracker.config.aliases import AppAlias, labels_by_id
from tracker.errors import UsageError
from tracker.store.engine import read_connection
from tracker.store.listings import find_by_name, labels, scan_names

# How many candidates an ambiguous fragment lists before summarising the rest.
MAX_CANDIDATES = 10


@dataclass(frozen=True)
class AppRef:
    """An app as the user named it: its store id, and the name and developer that stand for it
    across storefronts: its `[apps]` alias's label when it has one, else (tracker/store/
    listings.py `labels`) the US storefront's latest name, else the one most storefronts show."""

    app_id: str
    name: str
    developer: str | None


def resolve_app(engine: Engine, aliases: Mapping[str, AppAlias], text: str) -> AppRef:
    """Resolve a store id, an alias (of `aliases`, the config's `[apps]`) or a case-insensitive
    name fragment to one stored app.

    Raises UsageError (exit 2) when nothing matches or a fragment matches several apps; the
    message then lists the candidates, one "id  name  developer" line each.
    """
    wanted = text.strip()
    if not wanted:
        raise UsageError("empty app name: give a store id, an [apps] alias or part of the name")
    labels = labels_by_id(aliases)
    alias = aliases.get(wanted.lower())
    if alias is not None:
        stored = app_refs(engine, list(alias.ids.values()), labels)
        for app_id in alias.ids.values():  # Apple's first, where the alias names both stores
            if app_id in stored:
                return stored[app_id]
        raise UsageError(
            f"app {' or '.join(alias.ids.values())} (alias {wanted!r}) is in no stored chart "
            "yet; fetch first or check the id in [apps]"
        )
    if wanted.isdigit():
        found = app_refs(engine, [wanted], labels).get(wanted)
        if found is None:
            raise UsageError(f"no stored app has the id {wanted}")
        return found
    matches = _by_fragment(engine, wanted, labels)
    candidates = [ref for ref, _ in matches]
    if not candidates:
        raise UsageError(
            f"no stored app matches {wanted!r} (give a store id, an [apps] alias "
            "or part of the app's name)"
        )
    if len(candidates) == 1:
        return candidates[0]
    # A fragment that is some app's whole name (any it had, in any storefront) picks that
    # app, so "ChatGPT" is not ambiguous merely because "ChatGPT Helper" exists too.
    exact = [ref for ref, shortest in matches if shortest.casefold() == wanted.casefold()]
    if len(exact) == 1:
        return exact[0]
    raise UsageError(_ambiguous(wanted, candidates))


def resolve_apps(
    engine: Engine, aliases: Mapping[str, AppAlias], texts: Sequence[str]
) -> list[AppRef]:
    """Resolve several names; the same app named twice is kept once, in first-named order."""
    out: list[AppRef] = []
    for text in texts:
        ref = resolve_app(engine, aliases, text)
        if ref not in out:
            out.append(ref)
    return out


def app_refs(
    engine: Engine, app_ids: Sequence[str], alias_labels: Mapping[str, str] | None = None
) -> dict[str, AppRef]:
    """The stored apps among `app_ids` (store ids), by store id, named by `alias_labels`
    (store id -> label, `labels_by_id` of `[apps]`) where they have one."""
    if not app_ids:
        return {}
    with read_connection(engine) as conn:
        return _refs(labels(conn, app_ids), alias_labels or {})


def _refs(
    found: Mapping[str, tuple[str, str | None]], alias_labels: Mapping[str, str]
) -> dict[str, AppRef]:
    return {
        sid: AppRef(sid, alias_labels.get(sid, name), developer)
        for sid, (name, developer) in found.items()
    }


def _by_fragment(
    engine: Engine, fragment: str, alias_labels: Mapping[str, str]
) -> list[tuple[AppRef, str]]:
    """Apps with a name, in any storefront at any time, containing `fragment` (ignoring case),
    each with its shortest such name, shortest first."""
    with read_connection(engine) as conn:
        found = find_by_name(conn, fragment, MAX_CANDIDATES + 1)
        if not found and not fragment.isascii():
            # SQLite folds case for ASCII only; scan names in Python for other scripts
            # (streamed, never the whole table in memory).
            folded = fragment.casefold()
            found = scan_names(conn, lambda name: folded in name.casefold(), MAX_CANDIDATES + 1)
        refs = _refs(labels(conn, [store_id for store_id, _ in found]), alias_labels)
    return [(refs[store_id], shortest) for store_id, shortest in found if store_id in refs]


def _ambiguous(fragment: str, candidates: list[AppRef]) -> str:
    shown = candidates[:MAX_CANDIDATES]
    more = " (showing the first 10)" if len(candidates) > MAX_CANDIDATES else ""
    lines = [
        f"{fragment!r} matches {len(shown)}{'+' if more else ''} apps{more}; "
        "give the store id or more of the name:"
    ]
    lines += [f"  {c.app_id}  {c.name}  {c.developer or ''}".rstrip() for c in shown]
    return "\n".join(lines)
