"""Naming apps: a store id, an `[apps]` alias from the config, or a fragment of the name.

Every command that takes an app goes through `resolve_app`, so the three forms work everywhere
and a bad name fails the same way: one error line (plus the candidates when ambiguous), exit 2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, select

from tracker.errors import UsageError
from tracker.store.engine import read_connection
from tracker.store.schema.views import APP

# How many candidates an ambiguous fragment lists before summarising the rest.
MAX_CANDIDATES = 10


@dataclass(frozen=True)
class AppRef:
    """An app as the user named it: its store id and current name."""

    app_id: str
    name: str
    developer: str | None


def resolve_app(engine: Engine, aliases: Mapping[str, str], text: str) -> AppRef:
    """Resolve a store id, an alias (of `aliases`, the config's `[apps]`) or a case-insensitive
    name fragment to one stored app.

    Raises UsageError (exit 2) when nothing matches or a fragment matches several apps; the
    message then lists the candidates, one "id  name  developer" line each.
    """
    wanted = text.strip()
    if not wanted:
        raise UsageError("empty app name: give a store id, an [apps] alias or part of the name")
    alias_id = aliases.get(wanted.lower())
    if alias_id is not None:
        found = _by_store_id(engine, alias_id)
        if found is None:
            raise UsageError(
                f"app {alias_id} (alias {wanted!r}) is in no stored chart yet; "
                "fetch first or check the id in [apps]"
            )
        return found
    if wanted.isdigit():
        found = _by_store_id(engine, wanted)
        if found is None:
            raise UsageError(f"no stored app has the id {wanted}")
        return found
    candidates = _by_fragment(engine, wanted)
    if not candidates:
        raise UsageError(
            f"no stored app matches {wanted!r} (give a store id, an [apps] alias "
            "or part of the app's name)"
        )
    if len(candidates) == 1:
        return candidates[0]
    # A fragment that is some app's whole name picks that app, so "ChatGPT" is not
    # ambiguous merely because "ChatGPT Helper" exists too.
    exact = [c for c in candidates if c.name.casefold() == wanted.casefold()]
    if len(exact) == 1:
        return exact[0]
    raise UsageError(_ambiguous(wanted, candidates))


def resolve_apps(engine: Engine, aliases: Mapping[str, str], texts: Sequence[str]) -> list[AppRef]:
    """Resolve several names; the same app named twice is kept once, in first-named order."""
    out: list[AppRef] = []
    for text in texts:
        ref = resolve_app(engine, aliases, text)
        if ref not in out:
            out.append(ref)
    return out


def app_refs(engine: Engine, app_ids: Sequence[str]) -> dict[str, AppRef]:
    """The stored apps among `app_ids` (store ids), by store id."""
    if not app_ids:
        return {}
    with read_connection(engine) as conn:
        rows = conn.execute(
            select(APP.c.store_id, APP.c.name, APP.c.developer).where(
                APP.c.store_id.in_(list(app_ids))
            )
        ).all()
    return {r.store_id: AppRef(r.store_id, r.name, r.developer) for r in rows}


def _by_store_id(engine: Engine, store_id: str) -> AppRef | None:
    return app_refs(engine, [store_id]).get(store_id)


def _by_fragment(engine: Engine, fragment: str) -> list[AppRef]:
    """Apps whose name contains `fragment`, ignoring case, shortest name first."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = (
        select(APP.c.store_id, APP.c.name, APP.c.developer)
        .where(APP.c.name.ilike(f"%{escaped}%", escape="\\"))
        .order_by(func.length(APP.c.name), APP.c.name, APP.c.store_id)
        .limit(MAX_CANDIDATES + 1)
    )
    with read_connection(engine) as conn:
        rows = conn.execute(query).all()
        if not rows and not fragment.isascii():
            # SQLite folds case for ASCII only; scan names in Python for other scripts
            # (streamed, never the whole table in memory).
            return _casefold_scan(conn, fragment)
    return [AppRef(r.store_id, r.name, r.developer) for r in rows]


def _casefold_scan(conn: Connection, fragment: str) -> list[AppRef]:
    folded = fragment.casefold()
    found: list[AppRef] = []
    result = conn.execution_options(yield_per=2000).execute(
        select(APP.c.store_id, APP.c.name, APP.c.developer)
    )
    for row in result:
        if folded in row.name.casefold():
            found.append(AppRef(row.store_id, row.name, row.developer))
            if len(found) > MAX_CANDIDATES:
                break
    result.close()
    found.sort(key=lambda r: (len(r.name), r.name, r.app_id))
    return found


def _ambiguous(fragment: str, candidates: list[AppRef]) -> str:
    shown = candidates[:MAX_CANDIDATES]
    more = " (showing the first 10)" if len(candidates) > MAX_CANDIDATES else ""
    lines = [
        f"{fragment!r} matches {len(shown)}{'+' if more else ''} apps{more}; "
        "give the store id or more of the name:"
    ]
    lines += [f"  {c.app_id}  {c.name}  {c.developer or ''}".rstrip() for c in shown]
    return "\n".join(lines)
