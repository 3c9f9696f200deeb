"""One question over several stores: `--source apple,googleplay`.

A question names its sources as a list (repeated or comma-separated, as every list option);
each source's charts are selected by the same chart, category, device and country options,
its device defaulting to the source's own (iphone on the App Store, phone on Google Play).
Results are told apart by store: "DeepSeek (App Store)", "DeepSeek (Google Play)". Without
`--source` a question reads what it always read: the chart's usual App Store source.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tracker.config.facts import SOURCE_FACTS
from tracker.errors import UsageError
from tracker.query.params import chart_selection, selection_param, split_values

if TYPE_CHECKING:
    from tracker.config.selection import ChartSelection
    from tracker.query.apps import AppRef

# How tables, legends and summaries name a store (`SourceFacts.store`).
STORE_NAMES = {"apple": "App Store", "googleplay": "Google Play"}


def store_name(store: str) -> str:
    """ "apple" -> "App Store", "googleplay" -> "Google Play"."""
    return STORE_NAMES.get(store, store)


def store_of(source: str) -> str:
    """The store whose apps a source's charts list (apple and itunes: the App Store)."""
    return SOURCE_FACTS[source].store


def source_list(values: Sequence[str] | str | None) -> list[str]:
    """`--source apple,googleplay` (or repeated) as a list, order kept, duplicates dropped;
    each is checked with the rest of the selection (`selections`)."""
    if isinstance(values, str):
        values = [values]
    return split_values(values)


def stores_of(sources: Sequence[str]) -> list[str]:
    """The stores of `sources` (known ones), in order, each once."""
    return list(dict.fromkeys(store_of(s) for s in sources if s in SOURCE_FACTS))


def selections(
    chart: str,
    sources: Sequence[str],
    category: str,
    device: str | None,
    countries: Sequence[str] | None = None,
    *,
    country: str | None = None,
) -> list[ChartSelection]:
    """One selection per source (none given: the one a question reads without `--source`),
    by `selections_of`; a value a source lacks is a UsageError naming it and the source."""
    if len(sources) <= 1:  # one chart_selection: its words, as before several stores
        source = sources[0] if sources else None
        return [chart_selection(chart, source, category, device, countries, country=country)]
    from tracker.config.selection import SelectionError, selections_of

    try:
        return selections_of(
            chart,
            sources,
            category=category,
            device=device,
            countries=split_values(countries),
            country=country,
        )
    except SelectionError as exc:
        raise UsageError(str(exc), param=selection_param(exc.field)) from None


def source_label(source: str, sources: Sequence[str]) -> str:
    """How results of `source` are labelled among those of `sources`: by its store's name,
    or by store and source where two sources of one store are shown (apple and itunes)."""
    store = store_of(source)
    shared = sum(1 for s in sources if store_of(s) == store) > 1
    return f"{store_name(store)}, {source}" if shared else store_name(store)


def labelled(name: str, source: str, sources: Sequence[str]) -> str:
    """An app's name as results over `sources` show it: "DeepSeek (Google Play)" when they
    span several sources, the name alone otherwise (every output from before several stores
    reads as it did)."""
    shown = list(dict.fromkeys(sources))
    return f"{name} ({source_label(source, shown)})" if len(shown) > 1 else name


def by_store(
    chosen: Sequence[ChartSelection], refs: Sequence[AppRef]
) -> list[tuple[ChartSelection, list[str]]]:
    """Each selection with the ids of the apps of its source's store, in `refs` order (a
    selection without a source: every app, as before there were several stores)."""
    out = []
    for selection in chosen:
        source = selection.source
        ids = [r.app_id for r in refs if source is None or r.store == store_of(source)]
        out.append((selection, ids))
    return out


__all__ = [
    "STORE_NAMES",
    "by_store",
    "labelled",
    "selections",
    "source_label",
    "source_list",
    "store_name",
    "store_of",
    "stores_of",
]
