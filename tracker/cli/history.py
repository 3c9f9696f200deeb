"""`apprank history`, `movers`, `compare`, `leaders` and `stats`: questions of the stored charts.

Each command hands its options to `tracker.query.answers`, which checks them, resolves the apps
and runs the query (the web API calls the same functions); `--json` prints the answer's
`json()`, and `tracker.query.output` shapes its tables and CSV (and documents how the three
states print).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli.base import app
from tracker.cli.common import (
    ConfigOpt,
    CsvOpt,
    JsonOpt,
    OutputFormat,
    emit,
    engine_and_config,
    handle_errors,
    output_format,
    print_json,
)
from tracker.query import output as out
from tracker.query.output import iso
from tracker.runtime import lazy_module

# The queries (NumPy) and app resolution (the config models, the ORM) load when a command runs,
# not for `--help`.
if TYPE_CHECKING:
    from tracker.query import across, answers
    from tracker.query import across_tables as tables
else:
    answers = lazy_module("tracker.query.answers")
    across = lazy_module("tracker.query.across")
    tables = lazy_module("tracker.query.across_tables")

CountriesOpt = Annotated[
    list[str] | None,
    typer.Option("--country", help="Storefront codes; comma-separated or repeated. Default: all."),
]
ChartOpt = Annotated[
    str, typer.Option("--chart", help="Chart kind: top-free, top-paid or top-grossing.")
]
SourceOpt = Annotated[
    str | None,
    typer.Option(
        "--source", help="apple, itunes or googleplay (default: the chart's usual source)."
    ),
]
SourcesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--source",
        help="apple, itunes or googleplay; several (comma-separated or repeated) follow each "
        "app in each store (default: the chart's usual App Store source).",
        show_default=False,
    ),
]
CategoryOpt = Annotated[
    str, typer.Option("--category", help="Genre id or name (Google Play: a category code).")
]
DeviceOpt = Annotated[
    str | None,
    typer.Option(
        "--device",
        help="iphone, ipad, mac (App Store) or phone (Google Play); default: each source's own.",
        show_default=False,
    ),
]
SinceOpt = Annotated[
    str | None, typer.Option("--since", help="Start: an ISO date/time (UTC) or an age (7d, 24h).")
]
UntilOpt = Annotated[
    str | None, typer.Option("--until", help="End: an ISO date/time (UTC) or an age (7d, 24h).")
]


@app.command()
@handle_errors
def history(
    apps: Annotated[
        list[str], typer.Argument(metavar="APP", help="Store ids, [apps] aliases or names.")
    ],
    country: CountriesOpt = None,
    chart: ChartOpt = "top-free",
    source: SourcesOpt = None,
    category: CategoryOpt = "all",
    device: DeviceOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    every: Annotated[
        str, typer.Option("--every", help="Bucket size (1h, 1d, 15m): best rank per bucket.")
    ] = "1h",
    config_path: ConfigOpt = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Show each app's rank over time in each country's chart, by time bucket.

    Each bucket shows the best rank in it; "-" when the chart was fetched
    but the app was below the depth returned (not in chart); blank (null in
    JSON) when nothing was fetched (no data). --since/--until take an ISO
    date or time (UTC) or an age such as 7d or 24h. --source apple,googleplay
    follows an [apps] alias naming both stores' ids in each store.

    Example:

        apprank history deepseek chatgpt --country us,gb --since 7d --every 1d

        apprank history deepseek --source apple,googleplay --country us
    """
    fmt = output_format(as_json, as_csv)
    engine, config = engine_and_config(config_path)
    answer = answers.history(
        engine,
        config.aliases,
        apps,
        country=country,
        chart=chart,
        source=source,
        category=category,
        device=device,
        since=since,
        until=until,
        every=every,
    )
    if fmt is OutputFormat.json:
        print_json(answer.json())
    elif fmt is OutputFormat.csv:
        out.write_history_csv(answer.series, sys.stdout)
    else:
        out.write_history_table(answer.series, answer.refs, every, sys.stdout)
    sys.stdout.flush()


@app.command()
@handle_errors
def movers(
    country: Annotated[str, typer.Option("--country", help="Storefront code.")] = "us",
    chart: ChartOpt = "top-free",
    source: SourceOpt = None,
    category: CategoryOpt = "all",
    device: DeviceOpt = None,
    since: Annotated[
        str,
        typer.Option(
            "--since",
            help="Compare with the snapshot nearest this long before the latest (24h, 7d) "
            "or nearest this ISO time.",
        ),
    ] = "24h",
    limit: Annotated[int, typer.Option("--limit", min=1, help="Rows per kind of move.")] = 10,
    config_path: ConfigOpt = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Show the gainers, losers, new entries and drop-outs of one chart.

    Compares the latest snapshot with the earlier snapshot nearest --since
    before it. An app beyond the other snapshot's returned depth counts
    neither as new nor as dropped.

    Example:

        apprank movers --country us --chart top-free --since 24h --limit 5
    """
    fmt = output_format(as_json, as_csv)
    engine, _ = engine_and_config(config_path)
    answer = answers.movers(
        engine,
        country=country,
        chart=chart,
        source=source,
        category=category,
        device=device,
        since=since,
        limit=limit,
    )
    if fmt is OutputFormat.json:
        print_json(answer.json())
        return
    result = answer.result
    rows = out.movers_rows(result)
    title = f"{result.key.label()}: {iso(result.from_at)} -> {iso(result.to_at)}"
    if not rows and fmt is OutputFormat.table:
        typer.echo(f"{title}: no moves")
        return
    emit(rows, out.MOVER_COLUMNS, fmt, title=title)


@app.command()
@handle_errors
def compare(
    app_a: Annotated[
        str, typer.Argument(metavar="APP_A", help="The first app (id, alias or name).")
    ],
    app_b: Annotated[str, typer.Argument(metavar="APP_B", help="The second app.")],
    country: CountriesOpt = None,
    chart: ChartOpt = "top-free",
    source: SourcesOpt = None,
    category: CategoryOpt = "all",
    device: DeviceOpt = None,
    config_path: ConfigOpt = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Show, per country, which of two apps leads now and every overtake.

    An app in the chart is ahead of one that is not; when neither is in the
    chart the lead stays with the previous leader. Ranks print "-" where the
    app was not in the chart.

    Example:

        apprank compare deepseek chatgpt --country us,gb,jp
    """
    fmt = output_format(as_json, as_csv)
    engine, config = engine_and_config(config_path)
    answer = answers.compare_across(
        engine,
        config.aliases,
        app_a,
        app_b,
        country=country,
        chart=chart,
        sources=source,
        category=category,
        device=device,
    )
    if fmt is OutputFormat.json:
        print_json(answer.json())
        return
    if isinstance(answer, across.Across):
        rows, columns, title, headers = tables.compare_table(
            answer, for_csv=fmt is OutputFormat.csv
        )
        emit(rows, columns, fmt, title=title, headers=headers)
        return
    a, b, results = answer.a, answer.b, answer.results
    rows = out.compare_rows(a, b, results, for_csv=fmt is OutputFormat.csv)
    labels = out.short_names([a, b])
    ahead = sum(1 for c in results if c.leader == a.app_id)
    title = f"{a.name} vs {b.name}: {labels[a.app_id]} ahead in {ahead} of {len(results)}"
    headers = {"rank_a": f"{labels[a.app_id]} rank", "rank_b": f"{labels[b.app_id]} rank"}
    emit(rows, out.COMPARE_COLUMNS, fmt, title=title, headers=headers)


@app.command()
@handle_errors
def leaders(
    app_name: Annotated[str, typer.Argument(metavar="APP", help="The app (id, alias or name).")],
    rank: Annotated[int, typer.Option("--rank", min=1, help="Count ranks 1..N.")] = 1,
    at: Annotated[
        str | None,
        typer.Option("--at", help="When: an ISO time or an age (24h); default: latest."),
    ] = None,
    chart: ChartOpt = "top-free",
    source: SourcesOpt = None,
    category: CategoryOpt = "all",
    device: DeviceOpt = None,
    config_path: ConfigOpt = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Show the countries where an app held rank N or better, with the count.

    Each country is judged by its latest snapshot at or before --at
    (default: its latest snapshot).

    Example:

        apprank leaders deepseek --rank 1 --at 2025-01-27T12:00
    """
    fmt = output_format(as_json, as_csv)
    engine, config = engine_and_config(config_path)
    answer = answers.leaders_across(
        engine,
        config.aliases,
        app_name,
        rank=rank,
        at=at,
        chart=chart,
        sources=source,
        category=category,
        device=device,
    )
    if fmt is OutputFormat.json:
        print_json(answer.json())
        return
    if isinstance(answer, across.Across):
        rows, columns, summary, _ = tables.leaders_table(answer)
    else:
        rows, columns, summary = answer.rows(), ["country", "rank", "captured_at"], answer.summary()
    if fmt is OutputFormat.table:
        typer.echo(summary)
        if not rows:
            return
    emit(rows, columns, fmt)


@app.command()
@handle_errors
def stats(
    app_name: Annotated[str, typer.Argument(metavar="APP", help="The app (id, alias or name).")],
    country: CountriesOpt = None,
    chart: ChartOpt = "top-free",
    source: SourcesOpt = None,
    category: CategoryOpt = "all",
    device: DeviceOpt = None,
    config_path: ConfigOpt = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Show an app's best rank and when, first/last seen, hours at #1 and top 10.

    One row per country where the app was ever in the chart, or per country
    given with --country (state not_in_chart or no_data when it never was).
    Hours count the UTC clock hours with a snapshot at that rank; snapshots
    counts those that listed the app.

    Example:

        apprank stats deepseek --country us,gb,jp
    """
    fmt = output_format(as_json, as_csv)
    engine, config = engine_and_config(config_path)
    answer = answers.stats_across(
        engine,
        config.aliases,
        app_name,
        country=country,
        chart=chart,
        sources=source,
        category=category,
        device=device,
    )
    if fmt is OutputFormat.json:
        print_json(answer.json())
        return
    if isinstance(answer, across.Across):
        rows, columns, title, headers = tables.stats_table(answer, chart)
        emit(rows, columns, fmt, title=title, headers=headers)
        return
    ref, rows = answer.ref, answer.rows()
    title = f"{ref.name} ({ref.app_id}) in {chart}"
    emit(rows, out.STATS_COLUMNS, fmt, title=title, headers=out.STATS_HEADERS)
