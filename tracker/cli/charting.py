"""`apprank chart`: rank-over-time pictures (rank, grid, heatmap, leaders) as PNG, SVG or PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracker.cli.base import app
from tracker.cli.common import ConfigOpt, config_from, handle_errors, split_values, stderr

# Each argument and option is declared once, as a type (as tracker/cli/history.py does), so the
# command's signature is one line per option.
#
# KIND, APP and the choices below are checked by ChartSpec rather than by click, so that a
# bad value is one "Error: ..." line like everywhere else, not a boxed usage panel.
KindArg = Annotated[
    str,
    typer.Argument(
        help="rank: rank over time; grid: one panel per country; heatmap: countries x "
        "time for one app; leaders: countries where each app is #1 (--top N) over time.",
        show_default=False,
        metavar="KIND",
    ),
]
AppsArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Apps: store ids, [apps] aliases or parts of names.",
        show_default=False,
        metavar="APP",
    ),
]
CountryOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--country",
        help="Storefront codes; comma-separated or repeated. Default: rank draws us (or "
        "the one country with data), the other kinds every country with data.",
        show_default=False,
    ),
]
ChartKindOpt = Annotated[str, typer.Option("--chart", help="Chart kind.")]
SourceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--source",
        help="apple, itunes or googleplay; several (comma-separated or repeated) draw each "
        "app in each store (default: the App Store source for the chart kind).",
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
    str | None,
    typer.Option("--since", help="Start: ISO date/time or an age like 30d (default: all)."),
]
UntilOpt = Annotated[
    str | None, typer.Option("--until", help="End: ISO date/time or an age like 1d.")
]
EveryOpt = Annotated[str, typer.Option("--every", help="Bucket size: 1h, 6h, 1d...")]
TzOpt = Annotated[str, typer.Option("--tz", help="Time zone of the dates shown (IANA name).")]
ScaleOpt = Annotated[
    str,
    typer.Option("--scale", help="Rank axis: zoom (to the ranks shown), fixed (1..depth) or log."),
]
TopOpt = Annotated[int, typer.Option("--top", help="leaders: count countries in the top N.")]
ShareYOpt = Annotated[
    bool | None,
    typer.Option(
        "--share-y/--no-share-y",
        help="grid: one rank axis for every panel, or one each (default: shared only when "
        "the panels' ranks span about the same range).",
        show_default=False,
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="File to write: .png, .svg or .pdf (default: a PNG in [charts] output_dir).",
        show_default=False,
    ),
]
SimulatedOpt = Annotated[bool, typer.Option("--simulated", help='Mark the title "(simulated)".')]


@app.command()
@handle_errors
def chart(
    kind: KindArg,
    apps: AppsArg = None,
    country: CountryOpt = None,
    chart_kind: ChartKindOpt = "top-free",
    source: SourceOpt = None,
    category: CategoryOpt = "all",
    device: DeviceOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    every: EveryOpt = "1h",
    tz: TzOpt = "UTC",
    scale: ScaleOpt = "zoom",
    top: TopOpt = 1,
    share_y: ShareYOpt = None,
    output: OutputOpt = None,
    simulated: SimulatedOpt = False,
    config_path: ConfigOpt = None,
) -> None:
    """Draw rank over time from the stored history and print the file's path.

    Kinds: rank (lines), grid (a panel per country), heatmap (countries x time), leaders.
    With --source apple,googleplay an [apps] alias naming both stores' ids is drawn in each
    store, its lines labelled by store (a grid: both in each country's panel).
    Exit code 1 when there is nothing to draw (no data, or never ranked); 2 for a bad option.

    Example:

        apprank chart rank chatgpt threads --country us --since 30d

        apprank chart grid 6448311069 --country us,gb,jp,de -o grid.svg

        apprank chart leaders chatgpt --top 10 --tz Europe/Paris -o leaders.pdf

        apprank chart grid deepseek --source apple,googleplay --country us,gb
    """
    # Imported here: Matplotlib takes a while to load and other commands never need it.
    from charts.save import save_figure
    from tracker.config.charts import chart_format, spec_from_options
    from tracker.files.charts import build_chart
    from tracker.store.engine import open_engine

    if output is not None:
        chart_format(output)
    spec = spec_from_options(
        kind=kind,
        apps=apps or [],
        countries=split_values(country),
        chart=chart_kind,
        source=split_values(source) or None,
        category=category,
        device=device,
        since=since,
        until=until,
        every=every,
        tz=tz,
        scale=scale,
        top=top,
        share_y=share_y,
        simulated=simulated,
    )
    config = config_from(config_path)
    built = build_chart(open_engine(config.database.url, create=False), config, spec)
    for note in built.notes:
        stderr.print(f"Note: {note}", markup=False)
    path = output or spec.output_path(
        config.charts.output_dir, [a.app_id for a in built.apps], built.countries
    )
    typer.echo(str(save_figure(built.result.figure, path)))
