"""`apprank fetch`, `apprank top` and `apprank status`."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tracker.cli.base import app
from tracker.cli.common import (
    ConfigOpt,
    CsvOpt,
    JsonOpt,
    OutputFormat,
    config_from,
    emit,
    handle_errors,
    output_format,
    print_json,
    reading_from,
    split_values,
    stderr,
)
from tracker.cli.progress import progress_bar, stderr_is_terminal
from tracker.errors import UsageError
from tracker.timeutil import isoformat_z

# The store, the sources and the config models load inside the commands that use them:
# `apprank top --help` (and `apprank --help`, which loads every command) must not pay for them.
if TYPE_CHECKING:
    from tracker.config.load import Config
    from tracker.models import ChartRequest
    from tracker.store.writer import SnapshotWriter

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
    from tracker.config.selection import any_countries

    if track is not None and track not in {t.name for t in config.track}:
        names = ", ".join(t.name for t in config.track if t.name) or "none"
        raise UsageError(f"no track named {track!r} in {config.path} (tracks: {names})")
    requests = config.requests(track)
    try:
        wanted = set(any_countries(countries))  # none, or "all": every tracked country
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if wanted:
        requests = [r for r in requests if r.key.country in wanted]
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
    import tracker.fetch.cycle  # noqa: F401  (the HTTP stack loads only for this command)
    from tracker.runtime import freeze_long_lived

    freeze_long_lived()  # the HTTP stack's import-time objects too

    config = config_from(config_path)
    requests = select_requests(config, track, split_values(country), split_values(chart))
    with _warnings_on_stderr():
        _fetch(config, requests, as_json)


def _fetch(config: Config, requests: list[ChartRequest], as_json: bool) -> None:
    from tracker.fetch.cycle import run_fetch
    from tracker.store.engine import open_engine
    from tracker.store.writer import SnapshotWriter

    writer = SnapshotWriter(open_engine(config.database.url))
    if stderr_is_terminal() and not as_json:
        with progress_bar("fetching") as progress:
            task = progress.add_task("fetch", total=len(requests))
            result = run_fetch(config, requests, writer, on_done=lambda _: progress.advance(task))
    else:
        result = run_fetch(config, requests, writer)
    if result.ok:
        _prune_archive(config, writer)
    failed = result.failed
    alerts = []
    if config.alert:
        from tracker.alerts.cycle import process_cycle

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
            typer.echo(f"  failed {outcome.request.key.label()}: {_failure(outcome)}")
        for event in alerts:
            typer.echo(f"  alert {event.rule}: {event.message}")
    if failed:
        raise typer.Exit(1)


def _prune_archive(config: Config, writer: SnapshotWriter) -> None:
    """`[archive] keep = "90d"`: a fetch from cron prunes as the daemon does after a cycle. A
    prune that fails leaves the stored snapshots alone and is tried again next time."""
    from tracker.errors import StoreError
    from tracker.store.archive_prune import prune_archive
    from tracker.timeutil import utcnow

    cutoff = config.archive.cutoff(utcnow())
    if cutoff is None:
        return
    try:
        prune_archive(writer.engine, cutoff)
    except StoreError as exc:
        logging.getLogger("apprank.store").warning("archive not pruned: %s", exc)


def _failure(outcome: Any) -> str:
    """`http_error: HTTP 503 from URL`, `format (HTTP 200): no feed ...`, `network: ...`."""
    status = outcome.http_status
    error = outcome.error or ""
    http = f" (HTTP {status})" if status is not None and f"HTTP {status}" not in error else ""
    return f"{outcome.outcome}{http}: {error}"


class _NotAChartFailure(logging.Filter):
    """The fetch logger's line per failed chart repeats what the summary prints: drop it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "apprank.fetch" and hasattr(record, "reason"))


@contextmanager
def _warnings_on_stderr() -> Iterator[None]:
    """Other warnings (a paused host, an undelivered alert) are one line each on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    handler.addFilter(_NotAChartFailure())
    logger = logging.getLogger("apprank")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


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


@app.command()
@handle_errors
def top(
    country: Annotated[str, typer.Option("--country", help="Storefront code.")] = "us",
    chart: Annotated[str, typer.Option("--chart", help="Chart kind.")] = "top-free",
    source: Annotated[
        str | None, typer.Option("--source", help="apple, itunes or googleplay.")
    ] = None,
    category: Annotated[str, typer.Option("--category", help="Genre id or name.")] = "all",
    device: Annotated[
        str | None,
        typer.Option(
            "--device", help="iphone, ipad, mac; phone on googleplay (default: the first)."
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Show the top N.")] = None,
    config_path: ConfigOpt = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Show the latest stored snapshot of one chart, with moves since the one before.

    Example:

        apprank top --country us --chart top-free --limit 10
    """
    from tracker.query.current import change, top_key
    from tracker.query.current import top as top_answer
    from tracker.query.output import opt_rank, signed
    from tracker.store.engine import open_engine

    fmt = output_format(as_json, as_csv)
    key = top_key(country, chart, source, category, device)
    reading = reading_from(config_path)
    answer = top_answer(open_engine(reading.database_url, create=False), key, limit)
    if fmt is OutputFormat.json:
        print_json(answer.json())
        return
    result = answer.chart
    # previous_rank as every table prints a state: "-" not in that chart, blank no data (this
    # is the first snapshot); change as `movers` prints it.
    first = result.previous_captured_at is None
    rows = [
        {
            "rank": e.rank,
            "previous_rank": "" if first else opt_rank(e.previous_rank),
            "change": signed(change(e.previous_rank, e.rank)),
            "app_id": e.app_id,
            "name": e.name,
            "developer": e.developer,
        }
        for e in result.entries
    ]
    title = f"{key.label()} at {isoformat_z(result.captured_at)}"
    if result.simulated:
        title += " (SIMULATED data)"
    headers = {"previous_rank": "previous"}
    emit(rows, TOP_COLUMNS, fmt, title=title, headers=headers, optional=["previous_rank"])


TOP_COLUMNS = ["rank", "previous_rank", "change", "app_id", "name", "developer"]
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
    from tracker.query.current import status_rows
    from tracker.store.daemon_state import describe_heartbeat, latest_heartbeat, recent_cycles
    from tracker.store.engine import open_engine, read_only_reason
    from tracker.timeutil import utcnow

    fmt = output_format(as_json, as_csv)
    # [sources] and [[track]] read without pydantic, as top reads [database] and [apps].
    from tracker.config.tracking import load_tracking

    tracking = load_tracking(config_path)
    keys = [r.key for r in tracking.requests()]
    engine = open_engine(tracking.database_url, create=False)
    if (read_only := read_only_reason(engine)) is not None:
        stderr.print(f"Note: {read_only}", markup=False)
    now = utcnow()
    rows = status_rows(engine, keys, now)
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
    emit(rows, columns, fmt, title="tracked charts", optional=["last_attempt_at", "failing_since"])
