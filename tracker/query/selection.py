"""Which stored charts a query reads, and the SQL helpers every query shares.

Queries select charts by kind, category and device (and optionally countries and source), then
work on chart ids. The SQL is plain text with bound values so the same statement runs on SQLite
and PostgreSQL; time buckets are integer division of epoch seconds by a literal step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, TextClause, bindparam, text

from tracker.errors import UsageError
from tracker.fetch.sources import SOURCES
from tracker.models import ChartKey
from tracker.store.schema.views import chart_key
from tracker.storefronts import STOREFRONT_SET, normalize_category


@dataclass(frozen=True, slots=True)
class StoredChart:
    """A row of the chart table: its id and what it is."""

    id: int
    key: ChartKey


def default_source(chart: str) -> str:
    """apple serves top-free and top-paid; only the legacy itunes feed has top-grossing."""
    return "apple" if chart in SOURCES["apple"].charts else "itunes"


def check_selection(
    chart: str, source: str | None, category: str, device: str
) -> tuple[str, str, str]:
    """Validate the chart kind, source, category and device; returns normalised values."""
    kinds = sorted({k for s in SOURCES.values() for k in s.charts})
    if chart not in kinds:
        raise UsageError(f"unknown chart {chart!r} (expected one of: {', '.join(kinds)})")
    if source is not None and source not in SOURCES:
        raise UsageError(f"unknown source {source!r} (expected one of: {', '.join(SOURCES)})")
    try:
        category = normalize_category(category)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    devices = sorted({d for s in SOURCES.values() for d in s.devices})
    if device not in devices:
        raise UsageError(f"unknown device {device!r} (expected one of: {', '.join(devices)})")
    return chart, category, device


_CHARTS_SQL = """
SELECT c.id, c.source, c.country, c.kind, c.category, c.device,
       EXISTS (SELECT 1 FROM snapshot s WHERE s.chart_id = c.id) AS has_data
FROM chart c
WHERE c.kind = :kind AND c.category = :category AND c.device = :device
ORDER BY c.country, c.source
"""


def select_charts(
    conn: Connection,
    *,
    chart: str,
    source: str | None,
    category: str,
    device: str,
    countries: Sequence[str] | None,
) -> list[StoredChart]:
    """The stored charts of one kind/category/device with data, one source, sorted by country.

    `source=None` picks the default source for the chart kind, unless only one source has data
    for it (then that one). `countries=None` means every country with data.
    """
    chart, category, device = check_selection(chart, source, category, device)
    for country in countries or ():
        if country.lower() not in STOREFRONT_SET:
            raise UsageError(f"{country!r} is not an App Store storefront code (e.g. us, gb, jp)")
    rows = conn.execute(
        text(_CHARTS_SQL), {"kind": chart, "category": category, "device": device}
    ).all()
    wanted = {c.lower() for c in countries} if countries else None
    rows = [r for r in rows if r.has_data and (wanted is None or r.country in wanted)]
    if source is None:
        sources = {r.source for r in rows}
        source = sources.pop() if len(sources) == 1 else default_source(chart)
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

