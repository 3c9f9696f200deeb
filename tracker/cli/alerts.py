"""`apprank alerts list` and `apprank alerts test NAME`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

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
    instant,
    output_format,
    print_json,
    split_values,
)
from tracker.timeutil import isoformat_z

alerts_app = typer.Typer(
    name="alerts",
    help="Alert events and their deliveries; send a test alert.",
    no_args_is_help=True,
)
app.add_typer(alerts_app, name="alerts")

# The table reads as sentences (the message names app, chart and ranks); CSV has every field,
# under its --json name (deliveries: each target's state, "; " between them).
TABLE_COLUMNS = ["captured_at", "rule", "message", "deliveries"]
CSV_COLUMNS = [
    "event_id",
    "captured_at",
    "rule",
    "source",
    "country",
    "chart",
    "category",
    "device",
    "app_id",
    "app_name",
    "rank",
    "previous_rank",
    "message",
    "deliveries",
]
HEADERS = {"captured_at": "at", "deliveries": "delivery"}


def _rank(value: int | None) -> str:
    return "-" if value is None else str(value)


@alerts_app.command("list")
@handle_errors
def list_alerts(
    config_path: ConfigOpt = None,
    rule: Annotated[
        list[str] | None,
        typer.Option("--rule", help="Only these rules; comma-separated or repeated."),
    ] = None,
    country: Annotated[
        list[str] | None,
        typer.Option("--country", help="Only these storefronts; comma-separated or repeated."),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only events since: an ISO time or an age (7d).")
    ] = None,
    pending: Annotated[
        bool, typer.Option("--pending", help="Only events with a delivery still pending.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show the latest N events.")] = 20,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Show recent alert events, newest first, with the state of each delivery.

    In CSV a rank of "-" means not in chart (below the depth the chart returned).

    Exit code 1 when no event matches.

    Example:

        apprank alerts list --rule deepseek-number-one --since 7d --pending
    """
    from tracker.alerts.listing import recent_events
    from tracker.store.engine import open_engine  # here, not on import: --help needs no store

    fmt = output_format(as_json, as_csv)
    config = config_from(config_path)
    since_at = instant(since, "--since")
    found = recent_events(
        open_engine(config.database.url, create=False),
        limit=limit,
        rules=split_values(rule),
        countries=[c.lower() for c in split_values(country)],
        since=since_at,
        pending_only=pending,
    )
    if not found:
        raise fail("no alert events match" if rule or country or since or pending else
                   "no alert events recorded yet")  # fmt: skip
    if fmt is OutputFormat.json:
        print_json(
            [
                {**event.to_json(), "deliveries": [d.to_json() for d in deliveries]}
                for event, deliveries in found
            ]
        )
        return
    rows: list[dict[str, Any]] = [
        {
            "captured_at": isoformat_z(event.captured_at),
            "rule": event.rule,
            "country": event.key.country,
            "source": event.key.source,
            "chart": event.key.chart,
            "category": event.key.category,
            "device": event.key.device,
            "app_id": event.app_id,
            "app_name": event.app_name,
            "rank": _rank(event.rank),
            "previous_rank": _rank(event.previous_rank),
            "deliveries": "; ".join(
                d.describe(short=fmt is OutputFormat.table) for d in deliveries
            ),
            "message": event.message,
            "event_id": event.event_id,
        }
        for event, deliveries in found
    ]
    columns = TABLE_COLUMNS if fmt is OutputFormat.table else CSV_COLUMNS
    # The message starts with the app's name: third-party text, neutralised in CSV like it.
    external = ("app_name", "message")
    emit(rows, columns, fmt, title="alert events", headers=HEADERS, external=external)


@alerts_app.command("test")
@handle_errors
def test_alert(
    name: Annotated[str, typer.Argument(help='A rule name, or a target ("log", "webhook:team").')],
    config_path: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Send a sample event to a rule's targets (or to one target) and say how each went.

    The sample is marked as a test and is not stored.

    Exit code 1 when a target failed, 2 for an unknown name.

    Example:

        apprank alerts test deepseek-number-one
    """
    from tracker.alerts.sample import send_test

    config = config_from(config_path)
    results = send_test(config, name)
    if as_json:
        print_json(
            [
                {"target": r.target, "ok": r.ok, "http_status": r.http_status, "error": r.error}
                for r in results
            ]
        )
    else:
        for result in results:
            status = f" (HTTP {result.http_status})" if result.http_status else ""
            outcome = f"sent{status}" if result.ok else f"failed: {result.error}"
            typer.echo(f"{result.target}: {outcome}")
    if not all(result.ok for result in results):
        raise typer.Exit(1)
