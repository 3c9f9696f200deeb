"""`apprank demo`: the seed story, offline, in one command."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli.base import app
from tracker.cli.common import handle_errors, instant, split_values
from tracker.cli.progress import progress_bar, stderr_is_terminal
from tracker.errors import UsageError
from tracker.storefronts import STOREFRONT_SET
from tracker.timeutil import isoformat_z

if TYPE_CHECKING:
    from tracker.demo.pipeline import DemoHistory
    from tracker.demo.story import StorySummary


@app.command()
@handle_errors
def demo(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the database, charts and CSV.")
    ] = Path("apprank-demo"),
    scenario: Annotated[
        str, typer.Option("--scenario", help="Simulated scenario (built-in name or .toml path).")
    ] = "deepseek-2025",
    days: Annotated[
        float, typer.Option("--days", min=0.05, max=60, help="Simulated days of hourly cycles.")
    ] = 4.5,
    start: Annotated[
        str | None,
        typer.Option("--start", help="Simulated start (default: 5 days into the scenario)."),
    ] = None,
    countries: Annotated[
        list[str] | None,
        typer.Option("--countries", "--country", help="Storefronts (default: the scenario's)."),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Write into a folder holding other files (never replaces a non-demo database).",
        ),
    ] = False,
) -> None:
    """Run the whole pipeline offline on a SIMULATED market: fetch, store, chart, export.

    A simulated App Store starts in a child process; the real fetch path (HTTP over
    loopback, the real SQLite store) fetches every simulated hour; then the demo draws a rank
    chart, a grid, a leaders chart and a heat map, exports the history as CSV, and tells the
    story. It writes only into an empty or new folder, or one an earlier demo wrote (--force:
    any folder, but a database the demo did not write is never replaced).

    Example:

        apprank demo --out apprank-demo --days 4.5
    """
    from tracker.demo import (
        pipeline as story,  # the simulator and charts load only for this command
    )
    from tracker.demo.story import summarize

    chosen = _storefronts(countries)
    begin = instant(start, "--start")
    with progress_bar("simulated hours", disable=not stderr_is_terminal()) as progress:
        task = progress.add_task("hours", total=None)
        built = story.build_history(
            out,
            scenario_name=scenario,
            start=begin,
            days=days,
            countries=chosen or None,
            force=force,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    from tracker.store.engine import open_engine

    config = built.config
    engine = open_engine(config.database.url)
    end = built.start + timedelta(hours=built.hours)
    app_id = built.scenario.expect.app_id or "6737597349"
    csv_path = out / story.CSV_NAME
    with story.CsvExport(engine, built.config_path, csv_path) as export:
        play = built.scenario.expect.extra.get("googleplay", {}).get("package")
        summary = summarize(engine, app_id, play)
        charts = story.draw_charts(engine, config, out, end)
        rows = export.wait()
    built.folder.record(*charts, csv_path)
    _tell(built, summary)
    typer.echo(f"  database  {_shown(built.database)}")
    for path in charts:
        typer.echo(f"  chart     {_shown(path)}")
    typer.echo(f"  csv       {_shown(csv_path)} ({rows} rows)")
    typer.echo(f"  config    {_shown(built.config_path)}")


def _storefronts(countries: list[str] | None) -> list[str]:
    """The --countries given, lower-cased; a UsageError for one that is no storefront."""
    chosen = [c.lower() for c in split_values(countries)]
    for country in chosen:
        if country not in STOREFRONT_SET:
            raise UsageError(f"--countries: {country!r} is not an App Store storefront code")
    return chosen


def _tell(built: DemoHistory, summary: StorySummary) -> None:
    """The story: what was fetched, when DeepSeek reached #1, and the first alerts."""
    typer.echo(f"apprank demo: {built.scenario.name} (SIMULATED market, not real data)")
    typer.echo(
        f"  fetched {built.charts_stored} charts ({built.charts_failed} failed) over "
        f"{built.hours} simulated hours in {len(built.countries)} App Store and "
        f"{len(built.play_countries)} Google Play storefronts, "
        f"{built.seconds:.0f} s"
    )
    if summary.first_number_one_us:
        typer.echo(
            f"  DeepSeek first reached #1 in the US at {isoformat_z(summary.first_number_one_us)}"
        )
    else:
        typer.echo("  DeepSeek did not reach #1 in the US in this window")
    if summary.peak_at:
        typer.echo(
            f"  at the peak it was #1 in {summary.peak_countries} countries "
            f"({isoformat_z(summary.peak_at)})"
        )
    play = summary.play
    if play is not None and play.best_rank_us is not None and play.best_at_us is not None:
        reach = ""
        if play.top10_at is not None:
            reach = (
                f"; top 10 in at most {play.top10_countries} countries "
                f"({isoformat_z(play.top10_at)})"
            )
        typer.echo(
            f"  on Google Play it rose slower and lower: best #{play.best_rank_us} in the US "
            f"({isoformat_z(play.best_at_us)}){reach}"
        )
    by_rule: dict[str, int] = {}
    for event in built.alerts:
        by_rule[event.rule] = by_rule.get(event.rule, 0) + 1
    typer.echo(f"  alerts fired: {len(built.alerts)}")
    for event in built.alerts[:5]:
        typer.echo(f"    {isoformat_z(event.captured_at)} {event.rule}: {event.message}")
    if len(built.alerts) > 5:
        rest = ", ".join(f"{rule} x{n}" for rule, n in by_rule.items())
        typer.echo(f"    ... ({rest})")


def _shown(path: Path) -> Path:
    """A path as the user gave it: relative to the current folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path
