"""From the store to a picture: resolve the apps, query their history, render, save.

`apprank chart` and the daemon's `[[chart]]` entries both go through `build_chart`, so a chart
drawn by hand and one re-rendered after each fetch cycle are the same picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from charts.render import render
from charts.result import ChartResult, NothingToChart
from charts.save import save_figure
from tracker.config.charts import MAX_PANELS, ChartSpec
from tracker.config.load import Config
from tracker.errors import ApprankError, UsageError
from tracker.query.apps import AppRef, resolve_across, resolve_apps
from tracker.query.history import history_across
from tracker.query.stores import by_store, labelled, stores_of
from tracker.timeutil import isoformat_z, utcnow

# A rank chart with no --country draws this one when it has data (else the first with data).
DEFAULT_COUNTRY = "us"


@dataclass(frozen=True, slots=True)
class Built:
    """A rendered chart, the apps it shows, the countries drawn, and remarks for the user."""

    result: ChartResult
    apps: list[AppRef]
    countries: list[str]
    notes: list[str]


@dataclass(frozen=True, slots=True)
class Rendered:
    """How one configured chart went: the file written, or the error (one line)."""

    spec: ChartSpec
    path: Path | None
    error: str | None = None


def build_chart(
    engine: Engine, config: Config, spec: ChartSpec, *, now: datetime | None = None
) -> Built:
    """Draw `spec` from the store. Raises NothingToChart (exit 1) when there is nothing to show."""
    sources = spec.sources
    if sources:  # an alias naming an app per store draws it in each store asked
        refs = resolve_across(engine, config.apps, spec.apps, stores_of(sources))
    else:
        refs = resolve_apps(engine, config.apps, spec.apps)
    if spec.kind == "heatmap" and len({r.store for r in refs}) > 1:
        raise UsageError(
            "a heatmap shows one app in one store: give one --source "
            f"({' or '.join(sources)}), or draw a grid of both"
        )
    since, until = spec.window(now or utcnow())
    series = history_across(
        engine, by_store(spec.selections, refs), since=since, until=until, every=spec.every
    )
    if not series:
        raise NothingToChart(_no_data(spec, refs, since, until))
    if spec.countries:
        # Panels, lines and file names follow the order the countries were asked in.
        apps = {ref.app_id: i for i, ref in enumerate(refs)}
        places = {country: i for i, country in enumerate(spec.countries)}
        series = sorted(series, key=lambda s: (apps.get(s.app_id, 0), places[s.key.country]))
    drawn = list(dict.fromkeys(s.key.country for s in series))
    notes = []
    missing = [c for c in spec.countries if c not in drawn]
    if missing:
        notes.append(f"no data for {', '.join(missing)} in that range: not drawn")
    if spec.kind == "rank" and not spec.countries and len(drawn) > 1:
        chosen = DEFAULT_COUNTRY if DEFAULT_COUNTRY in drawn else drawn[0]
        series = [s for s in series if s.key.country == chosen]
        notes.append(f"drawing {chosen} ({len(drawn)} countries have data); choose with --country")
        drawn = [chosen]
    if spec.kind == "grid" and len(drawn) > MAX_PANELS:
        raise UsageError(
            f"{len(drawn)} countries have data: a grid shows at most {MAX_PANELS}; "
            "choose some with --country, or draw a heatmap"
        )
    shown = [s.key.source for s in series]
    if len(drawn) > 1 or len(set(shown)) > 1:
        # One name stands for each app in every storefront drawn (docs/history.md): titles,
        # legends and panels would otherwise name one app differently per country. Over
        # several stores it says which store each line is: "DeepSeek (Google Play)". A grid
        # draws both stores' lines in each country's panel, so the two are read on one axis.
        label = {ref.app_id: ref.name for ref in refs}
        series = [
            replace(s, app_name=labelled(label.get(s.app_id, s.app_name), s.key.source, shown))
            for s in series
        ]
    result = render(
        spec.kind,
        series,
        tz=spec.tz,
        scale=spec.scale,
        top=spec.top,
        simulated=spec.simulated,
        share_y=spec.share_y,
    )
    return Built(result, refs, drawn, notes)


def render_configured_charts(
    engine: Engine,
    config: Config,
    specs: Sequence[ChartSpec] | None = None,
    *,
    now: datetime | None = None,
) -> list[Rendered]:
    """Re-render each `[[chart]]` entry (or `specs`) to its file; one failure stops no other.

    Files are replaced atomically, so readers see the previous picture or the new one.
    """
    chosen = list(specs if specs is not None else config.chart)
    out = []
    when = now or utcnow()
    for spec in chosen:
        try:
            built = build_chart(engine, config, spec, now=when)
            path = spec.output_path(
                config.charts.output_dir, [a.app_id for a in built.apps], built.countries
            )
            save_figure(built.result.figure, path)
        except ApprankError as exc:
            out.append(Rendered(spec, None, str(exc)))
        except Exception as exc:  # a drawing library's own error (mathtext was one) must not
            # cost the charts after it, nor the cycle that asked for them
            out.append(Rendered(spec, None, f"{type(exc).__name__}: {exc}"))
        else:
            out.append(Rendered(spec, path))
    return out


def _no_data(
    spec: ChartSpec, refs: Sequence[AppRef], since: datetime | None, until: datetime | None
) -> str:
    names = ", ".join(r.name for r in refs)
    where = ", ".join(spec.countries) if spec.countries else "any country"
    chart = spec.chart if spec.category == "all" else f"{spec.chart} genre {spec.category}"
    devices = ", ".join(dict.fromkeys(s.device for s in spec.selections))
    when = ""
    if since and until:
        when = f" between {isoformat_z(since)} and {isoformat_z(until)}"
    elif since:
        when = f" since {isoformat_z(since)}"
    elif until:
        when = f" until {isoformat_z(until)}"
    return (
        f"no data for {names}: no stored snapshot of {chart} ({devices}) in {where}{when}; "
        "run `apprank fetch`, or check --country and --since"
    )
