"""An export from its options to its bytes: the one path of `apprank export` (long format) and
of the web server's `/api/v1/export.csv` and `.jsonl`, so both write the same bytes for the
same filters (tracker/files/export.py does the reading and the writing)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import chain
from typing import IO, Any

from sqlalchemy import Engine

from tracker.config.aliases import AppAlias
from tracker.config.facts import SOURCE_FACTS
from tracker.errors import NothingStored, UsageError
from tracker.files import export as exp
from tracker.query import history as query
from tracker.query.apps import resolve_across
from tracker.query.output import wide_cells
from tracker.query.params import duration, instant, split_values
from tracker.query.stores import stores_of

FORMATS = ("csv", "jsonl")
Snapshots = Iterator[tuple[exp.Head, list[exp.Entry]]]


def selection_of(
    engine: Engine,
    aliases: Mapping[str, AppAlias],
    *,
    app: Sequence[str] | None = None,
    country: Sequence[str] | None = None,
    chart: Sequence[str] | None = None,
    source: Sequence[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    stores: Sequence[str] | None = None,
) -> exp.Selection:
    """The rows the options select (each list comma-separated or repeated; apps resolved as
    every command resolves them). An [apps] alias naming an id per store is its app in each
    of `stores` (default: the sources' stores, every store without a source, as the rows then
    span every source), so its rows in both stores come out."""
    sources = split_values(source)
    try:
        followed = stores if stores is not None else stores_of(sources or list(SOURCE_FACTS))
        refs = resolve_across(engine, aliases, split_values(app), followed)
    except UsageError as exc:
        raise UsageError(str(exc), param="app") from None
    return exp.Selection(
        app_ids=[r.app_id for r in refs],
        countries=split_values(country),
        charts=split_values(chart),
        sources=sources,
        since=instant(since, "--since"),
        until=instant(until, "--until"),
    )


def start(engine: Engine, selection: exp.Selection, fmt: str) -> tuple[exp.Plan, Snapshots]:
    """The export's plan and its snapshots in export order, the first already read, so that
    nothing is written for a selection no stored row matches (NothingStored). JSONL rows carry
    their snapshot's provenance; CSV stays as it is."""
    if fmt not in FORMATS:
        raise UsageError(f"--format: csv or jsonl, not {fmt!r}", param="format")
    plan = exp.plan(engine, selection)
    with_provenance = fmt == "jsonl"
    snapshots = (
        iter(())
        if plan is None
        else exp.iter_snapshots(engine, plan, with_provenance=with_provenance)
    )
    first = next(snapshots, None)
    if first is None or plan is None:
        raise NothingStored("no stored rows match the selection")
    return plan, chain([first], snapshots)


WIDE = ("country", "time")


def wide_lines(
    engine: Engine, selection: exp.Selection, wide: str, every: str
) -> Iterator[list[Any]]:
    """`export --wide`: one app's rank in one chart pivoted, a column per country or per time
    (header first), for `exp.write_wide`. Checked and read before anything is written."""
    if wide not in WIDE:
        raise UsageError(f"--wide: country or time, not {wide!r}", param="wide")
    if len(selection.app_ids) != 1:
        raise UsageError("--wide pivots one app's rank: give exactly one --app", param="app")
    series = query.history(
        engine,
        list(selection.app_ids),
        selection.one_chart(),
        since=selection.since,
        until=selection.until,
        every=duration(every, "--every"),
    )
    if not series:
        raise NothingStored("no stored snapshot matches the selection")
    return wide_cells(series, wide)


def write(
    fmt: str,
    snapshots: Snapshots,
    out: IO[bytes],
    *,
    raw: bool = False,
    bom: bool = False,
    on_rows: Callable[[int], None] | None = None,
) -> int:
    """Write `snapshots` to `out` as CSV (`raw`: no formula guard; `bom`: a UTF-8 byte order
    mark first) or JSONL; returns the row count."""
    if fmt == "jsonl":
        return exp.write_jsonl(snapshots, out, on_rows=on_rows)
    return exp.write_csv(snapshots, out, raw=raw, bom=bom, on_rows=on_rows)
