"""`apprank digest`: what happened to the tracked apps over a window (tracker/query/digest.py),
as short lines or `--json`; the daemon sends the same text for each `[[digest]]`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli.base import app
from tracker.cli.common import ConfigOpt, JsonOpt, engine_and_config, handle_errors, print_json
from tracker.runtime import lazy_module

if TYPE_CHECKING:
    from tracker.query import digest as query
else:
    query = lazy_module("tracker.query.digest")


@app.command()
@handle_errors
def digest(
    since: Annotated[
        str, typer.Option("--since", help="Window start: an age (24h, 7d) or an ISO time (UTC).")
    ] = "24h",
    until: Annotated[
        str | None,
        typer.Option("--until", help="Window end: an age or an ISO time (default: now)."),
    ] = None,
    apps: Annotated[
        list[str] | None,
        typer.Option(
            "--app",
            help="Store id, [apps] alias or name; repeated (default: every [apps] alias).",
            show_default=False,
        ),
    ] = None,
    country: Annotated[
        list[str] | None,
        typer.Option(
            "--country", help="Storefront codes; comma-separated or repeated. Default: all."
        ),
    ] = None,
    chart: Annotated[
        str, typer.Option("--chart", help="Chart kind: top-free, top-paid or top-grossing.")
    ] = "top-free",
    source: Annotated[
        str | None,
        typer.Option("--source", help="apple, itunes or googleplay (default: the chart's usual)."),
    ] = None,
    moves: Annotated[
        int, typer.Option("--moves", min=1, help="Climbs and drops listed, each.")
    ] = 5,
    config_path: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Summarise a window for the tracked apps: new #1s, top 10 in and out, moves.

    Compares each country's chart at the window's start (its latest snapshot
    at or before --since) with its latest at the end: new #1s and who lost
    them, entries into and exits from the top 10, the biggest climbs and
    drops, the countries where each app is #1 now and at the start, and the
    charts that failed to fetch in the window. Changes inside the window that
    were undone by its end are not listed.

    Example:

        apprank digest --since 24h --app deepseek --app chatgpt --country us,gb,jp
    """
    engine, config = engine_and_config(config_path)
    result = query.from_options(
        engine,
        config.aliases,
        apps or (),
        country=country,
        since=since,
        until=until,
        chart=chart,
        source=source,
        moves=moves,
    )
    if as_json:
        print_json(result.to_json())
        return
    typer.echo("\n".join(result.lines()))
