"""`apprank reparse`: re-derive the stored snapshots from the raw archive with the current parsers
(tracker/store/reparse.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli.base import app
from tracker.cli.common import ConfigOpt, JsonOpt, handle_errors, instant, print_json, reading_from
from tracker.errors import UsageError

if TYPE_CHECKING:
    from tracker.store.reparse_report import ReparseReport


@app.command("reparse")
@handle_errors
def reparse_command(
    since: Annotated[
        str | None, typer.Option("--since", help="Snapshots captured from (ISO or 30d).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Snapshots captured until (ISO or 24h).")
    ] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Replace what differs (default: only report).")
    ] = False,
    config_path: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-parse the archived response bodies with the current parsers; report what differs.

    Each snapshot whose body is archived is parsed again and compared with
    what is stored: ranks, app ids, names and the other fields each app
    was listed with, depth and feed time. Refused bodies (format errors,
    empty charts) are parsed again too. Nothing is written without
    --apply, which replaces each snapshot that differs (one transaction
    each) and makes a snapshot of each refused body that now parses.
    Snapshots without a body are counted as not archived, and a body the
    current parser refuses leaves its snapshot as it is.

    Example:

        apprank reparse --since 2025-01-01 --apply
    """
    from tracker.store.engine import open_engine
    from tracker.store.reparse import reparse

    start, end = instant(since, "--since"), instant(until, "--until")
    if start and end and start > end:
        raise UsageError("--since is after --until")
    url = reading_from(config_path).database_url
    engine = open_engine(url, create=False)  # a missing database is an error, never made here
    if apply:
        engine = open_engine(url)
    report = reparse(engine, since=start, until=end, apply=apply)
    if as_json:
        print_json({**report.to_json(), "seconds": round(report.seconds, 3)})
        return
    for line in summary(report):
        typer.echo(line)


def summary(report: ReparseReport) -> list[str]:
    """A few lines saying what the reparse found and did."""
    from tracker.store.reparse_report import ASPECTS
    from tracker.timeutil import isoformat_z

    what = ", ".join(f"{k} {report.changes[k]}" for k in ASPECTS if report.changes[k])
    lines = [
        f"{report.snapshots} snapshots: {report.unchanged} unchanged, {report.differ} differ"
        + (f" ({what})" if what else "")
        + f", {report.not_archived} not archived, {report.now_refused} refused now",
        f"refused bodies: {report.refused_now_parse} now parse, "
        f"{report.still_refused} still refused",
    ]
    for example in report.examples[:3]:
        at, changes = isoformat_z(example.captured_at), ", ".join(example.changes)
        lines.append(f"  e.g. {example.chart.label()} at {at}: {changes}")
    if report.applied:
        lines.append(
            f"replaced {report.replaced} snapshots; made {report.created} from refused bodies"
        )
    elif report.differ or report.refused_now_parse:
        lines.append("nothing written: --apply replaces what differs")
    return lines
