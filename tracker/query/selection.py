"""Which stored charts a query reads, and the SQL helpers every query shares.

Queries select charts by a `ChartSelection` (tracker/config/selection.py: kind, source,
category, device, countries), then work on chart ids. The SQL is plain text with bound values
so the same statement runs on SQLite and PostgreSQL; time buckets are integer division of epoch
seconds by a literal step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, TextClause, bindparam, text

from tracker.config.selection import ChartSelection, default_source
from tracker.models import ChartKey
from tracker.store.schema.views import chart_key


@dataclass(frozen=True, slots=True)
class StoredChart:
    """A row of the chart table: its id and what it is."""

    id: int
    key: ChartKey


# What a query reads without a selection: top free iPhone apps, in every country with data.
EVERY_COUNTRY = ChartSelection()

_CHARTS_SQL = """
SELECT c.id, c.source, c.country, c.kind, c.category, c.device,
       EXISTS (SELECT 1 FROM snapshot s WHERE s.chart_id = c.id) AS has_data
FROM chart c
WHERE c.kind = :kind AND c.category = :category AND c.device = :device
ORDER BY c.country, c.source
"""


def select_charts(conn: Connection, selection: ChartSelection) -> list[StoredChart]:
    """The stored charts of the selection's kind/category/device with data, one source, sorted
    by country; its countries only, when it names some.

    Without a source, the chart's usual source, unless only one source has data for it (then
    that one). The selection's values are taken as checked (`ChartSelection.of`).
    """
    params = {"kind": selection.chart, "category": selection.category, "device": selection.device}
    rows = conn.execute(text(_CHARTS_SQL), params).all()
    wanted = set(selection.countries)
    rows = [r for r in rows if r.has_data and (not wanted or r.country in wanted)]
    source = selection.source
    if source is None:
        sources = {r.source for r in rows}
        source = sources.pop() if len(sources) == 1 else default_source(selection.chart)
    return [StoredChart(r.id, chart_key(r)) for r in rows if r.source == source]


def sql(statement: str, *expanding: str) -> TextClause:
    """A text statement whose named parameters in `expanding` take lists (IN (...))."""
    clause = text(statement)
    if expanding:
        clause = clause.bindparams(*[bindparam(name, expanding=True) for name in expanding])
    return clause


StoredApp = tuple[int, str, str | None]


def app_ids_by_store_id(conn: Connection, store_ids: Sequence[str]) -> dict[str, StoredApp]:
    """store id -> (internal id, name, developer) for the stored apps among `store_ids`."""
    if not store_ids:
        return {}
    rows = conn.execute(
        sql("SELECT id, store_id, name, developer FROM app WHERE store_id IN :ids", "ids"),
        {"ids": list(store_ids)},
    ).all()
    return {r.store_id: (r.id, r.name, r.developer) for r in rows}
