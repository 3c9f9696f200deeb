"""`apprank raw`: a stored snapshot's response body, exactly as the feed served it."""

from __future__ import annotations

import hashlib
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from tracker.cli.base import app
from tracker.cli.common import ConfigOpt, fail, handle_errors, instant, reading_from
from tracker.timeutil import format_duration, isoformat_z, utcnow


@app.command()
@handle_errors
def raw(
    country: Annotated[str, typer.Option("--country", help="Storefront code.")] = "us",
    chart: Annotated[str, typer.Option("--chart", help="Chart kind.")] = "top-free",
    source: Annotated[str | None, typer.Option("--source", help="apple or itunes.")] = None,
    category: Annotated[str, typer.Option("--category", help="Genre id or name.")] = "all",
    device: Annotated[
        str | None,
        typer.Option(
            "--device", help="iphone, ipad, mac; phone on googleplay (default: the first)."
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="The latest snapshot at or before this time: an ISO date/time (UTC) or an "
            "age (24h, 7d). Default: the latest.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the body to this file (default: stdout, binary)."
        ),
    ] = None,
    config_path: ConfigOpt = None,
) -> None:
    """Write a stored snapshot's response body, byte for byte as the feed served it.

    The same chart options as `top`; the body of a snapshot stored before the archive
    existed (or with `[archive] keep = "off"`, or pruned) is not there: exit 1.

    Example:

        apprank raw --country us --chart top-free --at 2025-01-27T12:00 -o us.json
    """
    from tracker.query.current import top_key  # `top`'s chart, checked as `top` checks it
    from tracker.store.archive import body_of, snapshot_at
    from tracker.store.engine import open_engine

    key = top_key(country, chart, source, category, device)
    when = instant(at, "--at")
    reading = reading_from(config_path)
    engine = open_engine(reading.database_url, create=False)
    found = snapshot_at(engine, key, when)
    if found is None:
        after = "" if when is None else f" at or before {isoformat_z(when)}"
        raise fail(f"no stored snapshot of {key.label()}{after}; run `apprank fetch` first")
    if found.payload_id is None:
        raise fail(f"payload: {_not_archived(found.captured_at, config_path)}")
    body = body_of(engine, found.payload_id)
    if output is None:
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
        return
    from tracker.atomic import atomic_file

    with atomic_file(output) as handle:
        handle.write(body)
    # As `export -o` says what it wrote; the digest is the snapshot's `payload_sha256`.
    digest = hashlib.sha256(body).hexdigest()
    typer.echo(f"{len(body)} bytes written to {output} (sha256 {digest})")


def _not_archived(captured_at: datetime, config: Path | None) -> str:
    """Why a snapshot has no body, as far as the configuration tells: pruned by `[archive]
    keep`, not archived by keep = "off", else stored before the archive existed."""
    # Only on this path: the section's model loads pydantic, which reading a body does not need.
    from tracker.config.archive import OFF, archive_section
    from tracker.config.files import read_config_file

    data, chosen = read_config_file(config)  # as reading_from found it
    keep = archive_section(data, chosen).keep
    shown = isoformat_z(captured_at)
    if isinstance(keep, timedelta) and captured_at < utcnow() - keep:
        kept = format_duration(keep)
        return f'not kept (snapshot of {shown}, older than [archive] keep = "{kept}")'
    if keep == OFF:
        return f'not archived (snapshot of {shown}; [archive] keep = "off")'
    return f"not archived (snapshot of {shown}, before the archive existed)"
