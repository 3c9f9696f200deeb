"""Naming apps: a store id, an `[apps]` alias from the config, or a fragment of the name.

Every command that takes an app goes through `resolve_app`, so the three forms work everywhere
and a bad name fails the same way: one error line (plus the candidates when ambiguous), exit 2.
A command asked about several stores (`--source apple,googleplay`) goes through
`resolve_across`, which turns an alias naming an id per store into the app in each store asked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from tracker.config.aliases import AppAlias, labels_by_id
from tracker.errors import UsageError
from tracker.query.selection import sql
from tracker.query.stores import store_name
from tracker.store.engine import read_connection
from tracker.store.listings import find_by_name, labels, scan_names
from tracker.text.values import is_package_name, is_store_id

# How many candidates an ambiguous fragment lists before summarising the rest.
MAX_CANDIDATES = 10


@dataclass(frozen=True)
class AppRef:
    """An app as the user named it: its store id, and the name and developer that stand for it
    across storefronts: its `[apps]` alias's label when it has one, else (tracker/store/
    listings.py `labels`) the US storefront's latest name, else the one most storefronts show;
    `store` is the store that lists it ("apple", "googleplay": `SourceFacts.store`)."""

    app_id: str
    name: str
    developer: str | None
    store: str = "apple"


def resolve_app(
    engine: Engine,
    aliases: Mapping[str, AppAlias],
    text: str,
    stores: Sequence[str] | None = None,
) -> AppRef:
    """Resolve a store id (App Store digits or a Google Play package name), an alias (of
    `aliases`, the config's `[apps]`) or a case-insensitive name fragment to one stored app;
    of one of `stores` when given (an alias: its first stored app among them, Apple's first
    where it names both; None: any store).

    Raises UsageError (exit 2) when nothing matches or a fragment matches several apps; the
    message then lists the candidates, one "id  name  developer" line each.
    """
    wanted = text.strip()
    if not wanted:
        raise UsageError("empty app name: give a store id, an [apps] alias or part of the name")
    labels = labels_by_id(aliases)
    alias = aliases.get(wanted.lower())
    if alias is not None:
        ids = _alias_ids(wanted, alias, stores)
        stored = app_refs(engine, ids, labels)
        for app_id in ids:
            if app_id in stored:
                return stored[app_id]
        raise UsageError(
            f"app {' or '.join(ids)} (alias {wanted!r}) is in no stored chart "
            "yet; fetch first or check the id in [apps]"
        )
    if is_store_id(wanted) or is_package_name(wanted):
        found = app_refs(engine, [wanted], labels).get(wanted)
        if found is not None:
            return _in_stores(found, stores)
        if is_store_id(wanted):
            raise UsageError(f"no stored app has the id {wanted}")
    matches = [m for m in _by_fragment(engine, wanted, labels) if _listed(m[0], stores)]
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


def resolve_across(
    engine: Engine, aliases: Mapping[str, AppAlias], texts: Sequence[str], stores: Sequence[str]
) -> list[AppRef]:
    """Resolve several names for a question about several stores: an alias naming an id in
    more than one of `stores` is its app in each of them (in `stores` order), so one alias
    follows one app across the stores; an id or a fragment is its one app, which must be in
    one of `stores`. An alias's app not stored yet in a store (while stored in another) is
    kept, named by the alias's label or its stored app's name: never in that store's charts,
    which is what its history there says. Each app is kept once, in first-named order."""
    out: list[AppRef] = []
    labels = labels_by_id(aliases)
    for text in texts:
        alias = aliases.get(text.strip().lower())
        ids = _alias_ids(text.strip(), alias, stores) if alias is not None else []
        if len(ids) > 1:
            assert alias is not None
            found = resolve_app(engine, aliases, text, stores)  # the error when none is stored
            stored = app_refs(engine, ids, labels)
            store_of = {alias.ids[store]: store for store in alias.ids}
            refs = [
                stored.get(app_id)
                or AppRef(app_id, alias.label or found.name, None, store_of[app_id])
                for app_id in ids
            ]
        else:
            refs = [resolve_app(engine, aliases, text, stores)]
        out += [ref for ref in refs if ref not in out]
    return out


def app_refs(
    engine: Engine, app_ids: Sequence[str], alias_labels: Mapping[str, str] | None = None
) -> dict[str, AppRef]:
    """The stored apps among `app_ids` (store ids), by store id, named by `alias_labels`
    (store id -> label, `labels_by_id` of `[apps]`) where they have one."""
    if not app_ids:
        return {}
    with read_connection(engine) as conn:
        return _refs(conn, labels(conn, app_ids), alias_labels or {})


_STORES_SQL = "SELECT store_id, store FROM app WHERE store_id IN :ids"


def _refs(
    conn: Connection,
    found: Mapping[str, tuple[str, str | None]],
    alias_labels: Mapping[str, str],
) -> dict[str, AppRef]:
    stores: dict[str, str] = {}
    if found:
        rows = conn.execute(sql(_STORES_SQL, "ids"), {"ids": list(found)})
        stores = {r.store_id: r.store for r in rows}
    return {
        sid: AppRef(sid, alias_labels.get(sid, name), developer, stores.get(sid, "apple"))
        for sid, (name, developer) in found.items()
    }


def _alias_ids(text: str, alias: AppAlias, stores: Sequence[str] | None) -> list[str]:
    """The alias's ids in `stores` (all it names when None), in `stores` order; UsageError
    when it names none of them."""
    if stores is None:
        return list(alias.ids.values())
    ids = [alias.ids[store] for store in dict.fromkeys(stores) if store in alias.ids]
    if not ids:
        named = ", ".join(f"{store_name(store)} {app_id}" for store, app_id in alias.ids.items())
        asked = " or ".join(store_name(store) for store in dict.fromkeys(stores))
        raise UsageError(f"alias {text!r} names no {asked} app (it names: {named})")
    return ids


def _listed(ref: AppRef, stores: Sequence[str] | None) -> bool:
    return stores is None or ref.store in stores


def _in_stores(ref: AppRef, stores: Sequence[str] | None) -> AppRef:
    """`ref`, or UsageError when it is not an app of `stores`."""
    if _listed(ref, stores):
        return ref
    assert stores is not None
    asked = " or ".join(store_name(store) for store in dict.fromkeys(stores))
    raise UsageError(
        f"{ref.name} ({ref.app_id}) is a {store_name(ref.store)} app, and the --source asked "
        f"for lists {asked} apps"
    )


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
        refs = _refs(conn, labels(conn, [store_id for store_id, _ in found]), alias_labels)
    return [(refs[store_id], shortest) for store_id, shortest in found if store_id in refs]


def _ambiguous(fragment: str, candidates: list[AppRef]) -> str:
    shown = candidates[:MAX_CANDIDATES]
    more = " (showing the first 10)" if len(candidates) > MAX_CANDIDATES else ""
    # Candidates in several stores say which each is in, which one --source would pick.
    stores = len({c.store for c in shown}) > 1
    lines = [
        f"{fragment!r} matches {len(shown)}{'+' if more else ''} apps{more}; "
        f"give the store id or more of the name{', or one --source' if stores else ''}:"
    ]
    for c in shown:
        line = f"  {c.app_id}  {c.name}  {c.developer or ''}".rstrip()
        lines.append(f"{line}  ({store_name(c.store)})" if stores else line)
    return "\n".join(lines)
