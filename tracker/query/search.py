"""App search, for the web API's `/api/v1/apps?q=` and the pages' search box: the apps a text
may mean, as `resolve_app` (tracker/query/apps.py) would take them, several at once.

An `[apps]` alias gives its apps; a store id the app with it; any text the apps with a name,
in any storefront at any time, holding it (ignoring case), shortest name first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine

from tracker.config.aliases import AppAlias, labels_by_id
from tracker.errors import UsageError
from tracker.query.apps import app_refs
from tracker.store.engine import read_connection
from tracker.store.listings import find_by_name, scan_names

MAX_RESULTS = 100


def search(
    engine: Engine, aliases: Mapping[str, AppAlias], text: str, limit: int = 20
) -> list[dict[str, Any]]:
    """Up to `limit` stored apps `text` may name: app_id, name (the label standing for the app
    across storefronts), developer and store."""
    wanted = text.strip()
    if not wanted:
        raise UsageError("give part of an app's name, a store id or an [apps] alias", param="q")
    if not 1 <= limit <= MAX_RESULTS:
        raise UsageError(f"limit: from 1 to {MAX_RESULTS}, not {limit}", param="limit")
    alias = aliases.get(wanted.lower())
    ids = [*alias.ids.values()] if alias is not None else [wanted]
    with read_connection(engine) as conn:
        found = find_by_name(conn, wanted, limit)
        if not found and not wanted.isascii():
            # SQLite folds case for ASCII only, as resolve_app knows: scan the names.
            folded = wanted.casefold()
            found = scan_names(conn, lambda name: folded in name.casefold(), limit)
    ids += [store_id for store_id, _ in found]
    refs = app_refs(engine, list(dict.fromkeys(ids)), labels_by_id(aliases))
    shown = [refs[i] for i in dict.fromkeys(ids) if i in refs][:limit]
    return [
        {"app_id": r.app_id, "name": r.name, "developer": r.developer, "store": r.store}
        for r in shown
    ]
