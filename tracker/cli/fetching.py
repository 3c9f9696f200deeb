"""`apprank fetch`, `apprank top` and `apprank status`."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tracker.cli.base import app
from tracker.cli.common import (
    ConfigOpt,
    CsvOpt,
    JsonOpt,
    OutputFormat,
    config_from,
    emit,
    fail,
    handle_errors,
    output_format,
    print_json,
    split_values,
    stderr,
)
from tracker.config import Config
from tracker.errors import UsageError
from tracker.sources import SOURCES, ChartKey, ChartRequest
from tracker.store import SnapshotWriter, open_engine
from tracker.store.reads import chart_status, latest_chart
from tracker.storefronts import normalize_category
from tracker.timeutil import isoformat_z

CountryOpt = Annotated[
    list[str] | None,
    typer.Option("--country", help="Storefront codes; comma-separated or repeated."),
]
ChartKindOpt = Annotated[
    list[str] | None,
    typer.Option("--chart", help="Chart kinds (top-free, top-paid, top-grossing)."),
]


def select_requests(
    config: Config, track: str | None, countries: list[str], charts: list[str]
) -> list[ChartRequest]:
    if track is not None and track not in {t.name for t in config.track}:
        names = ", ".join(t.name for t in config.track if t.name) or "none"
        raise UsageError(f"no track named {track!r} in {config.path} (tracks: {names})")
    requests = config.requests(track)
    if countries:
        requests = [r for r in requests if r.key.country in {c.lower() for c in countries}]
    if charts:
        requests = [r for r in requests if r.key.chart in charts]
    if not requests:
        raise UsageError(f"no tracked chart matches the selection in {config.path}")
    return requests


@app.command()
@handle_errors
def fetch(
    config_path: ConfigOpt = None,
    track: Annotated[str | None, typer.Option("--track", help="Only this [[track]].")] = None,
    country: CountryOpt = None,
    chart: ChartKindOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fetch every tracked chart once and store the snapshots.

    Exit code 0 when every chart was stored, 1 when some failed, 2 for a configuration error.

    Example:

        apprank fetch --country us,gb --chart top-free
    """
    from tracker.fetch import run_fetch  # the HTTP stack loads only for this command
    from tracker.runtime import freeze_long_lived

    freeze_long_lived()  # the HTTP stack's import-time objects too

    config = config_from(config_path)
    requests = select_requests(config, track, split_values(country), split_values(chart))
    writer = SnapshotWriter(open_engine(config.database.url))
    if sys.stderr.isatty() and not as_json:
        with Progress(
            TextColumn("fetching"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=stderr,
            transient=True,
        ) as progress:
            task = progress.add_task("fetch", total=len(requests))
            result = run_fetch(config, requests, writer, on_done=lambda _: progress.advance(task))
    else:
        result = run_fetch(config, requests, writer)
    failed = result.failed
    alerts = []
    if config.alert:
        from tracker.alerts import process_cycle

        stored = [(o.request.key, o.snapshot_id) for o in result.ok if o.snapshot_id is not None]
        alerts = process_cycle(writer.engine, config, stored)
    if as_json:
        print_json(
            {
                "ok": len(result.ok),
                "failed": len(failed),
                "charts": [_outcome_json(o) for o in result.outcomes],
                "alerts": [event.to_json() for event in alerts],
            }
        )
    else:
        typer.echo(f"{len(result.ok)} charts stored, {len(failed)} failed")
        for outcome in failed:
            http = f" (HTTP {outcome.http_status})" if outcome.http_status else ""
            label = outcome.request.key.label()
            typer.echo(f"  failed {label}: {outcome.outcome}{http}: {outcome.error}")
        for event in alerts:
            typer.echo(f"  alert {event.rule}: {event.message}")
    if failed:
        raise typer.Exit(1)


def _outcome_json(outcome: Any) -> dict[str, object]:
    key = outcome.request.key
    return {
        "source": key.source,
        "country": key.country,
        "chart": key.chart,
        "category": key.category,
        "device": key.device,
        "outcome": outcome.outcome,
        "http_status": outcome.http_status,
        "error": outcome.error,
        "entries": outcome.entries,
        "url": outcome.url,
    }


def default_source(chart: str) -> str:
    return "apple" if chart in SOURCES["apple"].charts else "itunes"


@app.command()
@handle_errors
def top(
    country: Annotated[str, typer.Option("--country", help="Storefront code.")] = "us",
    chart: Annotated[str, typer.Option("--chart", help="Chart kind.")] = "top-free",
    source: Annotated[str | None, typer.Option("--source", help="apple or itunes.")] = None,
    category: Annotated[str, typer.Option("--category", help="Genre id or name.")] = "all",
    device: Annotated[str, typer.Option("--device", help="iphone, ipad or mac.")] = "iphone",
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Show the top N.")] = None,
    config_path: ConfigOpt = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Show the latest stored snapshot of one chart, with moves since the one before.

    Example:

        apprank top --country us --chart top-free --limit 10
    """
    fmt = output_format(as_json, as_csv)
    config = config_from(config_path)
    chosen = source or default_source(chart)
    if chosen not in SOURCES:
        raise UsageError(f"unknown source {chosen!r} (expected one of: {', '.join(SOURCES)})")
    try:
        category_key = normalize_category(category)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    key = ChartKey(chosen, country.lower(), chart, category_key, device)
    result = latest_chart(open_engine(config.database.url), key, limit)
    if result is None:
        raise fail(f"no stored snapshot of {key.label()}; run `apprank fetch` first")
    if fmt is OutputFormat.json:
        print_json(
            {
                "source": key.source,
                "country": key.country,
                "chart": key.chart,
                "category": key.category,
                "device": key.device,
                "captured_at": isoformat_z(result.captured_at),
                "feed_updated_at": result.feed_updated_at and isoformat_z(result.feed_updated_at),
                "previous_captured_at": result.previous_captured_at
                and isoformat_z(result.previous_captured_at),
                "simulated": result.simulated,
                "entries": [
                    {
                        "rank": e.rank,
                        "app_id": e.app_id,
                        "name": e.name,
                        "developer": e.developer,
                        "previous_rank": e.previous_rank,
                        "change": e.change,
                    }
                    for e in result.entries
                ],
            }
        )
        return
    rows = [
        {
            "rank": e.rank,
            "change": e.change,
            "app_id": e.app_id,
            "name": e.name,
            "developer": e.developer,
        }
        for e in result.entries
    ]
    title = f"{key.label()} at {isoformat_z(result.captured_at)}"
    if result.simulated:
        title += " (SIMULATED data)"
    emit(rows, ["rank", "change", "app_id", "name", "developer"], fmt, title=title)


STATUS_COLUMNS = [
    "source",
    "country",
    "chart",
    "category",
    "device",
    "last_success_at",
    "last_attempt_at",
    "last_error",
    "failing_since",
    "snapshots",
]


@app.command()
@handle_errors
def status(
    config_path: ConfigOpt = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Show whether the daemon is alive, its last cycle, and per tracked chart the last success,
    last error and how long it has been failing.

    Example:

        apprank status --json
    """
    from tracker.store.daemon_state import (
        describe_heartbeat,
        format_age,
        latest_heartbeat,
        recent_cycles,
    )
    from tracker.timeutil import utcnow

    fmt = output_format(as_json, as_csv)
    config = config_from(config_path)
    keys = [r.key for r in config.requests()]
    engine = open_engine(config.database.url)
    now = utcnow()
    rows = []
    for item in chart_status(engine, keys):
        failing_for = now - item.failing_since if item.failing_since else None
        rows.append(
            {
                "source": item.key.source,
                "country": item.key.country,
                "chart": item.key.chart,
                "category": item.key.category,
                "device": item.key.device,
                "last_success_at": item.last_success_at and isoformat_z(item.last_success_at),
                "last_attempt_at": item.last_attempt_at and isoformat_z(item.last_attempt_at),
                "last_error": item.last_error,
                "last_error_at": item.last_error_at and isoformat_z(item.last_error_at),
                "failing_since": item.failing_since and isoformat_z(item.failing_since),
                "failing_for": failing_for and format_age(failing_for),
                "failing_for_s": failing_for and int(failing_for.total_seconds()),
                "snapshots": item.snapshots,
            }
        )
    if fmt is OutputFormat.json:
        print_json(rows)
        return
    columns = [*STATUS_COLUMNS]
    columns.insert(columns.index("failing_since") + 1, "failing_for")
    if fmt is OutputFormat.table:
        # The daemon's liveness heads the table; CSV stays one header row plus data rows.
        typer.echo(describe_heartbeat(latest_heartbeat(engine), now))
        cycles = recent_cycles(engine, limit=1)
        typer.echo(cycles[0].describe(now) if cycles else "last cycle: none recorded")
    emit(rows, columns, fmt, title="tracked charts")
