"""`apprank run` (the daemon) and `apprank health` (is it alive, is the history fresh)."""

from __future__ import annotations

import logging
import os
import signal
import sys
from datetime import timedelta
from enum import StrEnum
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from scheduler.logs import LogFormat, setup_logging
from tracker.cli.base import app
from tracker.cli.common import (
    ConfigOpt,
    JsonOpt,
    config_from,
    handle_errors,
    print_json,
    tracked_config_from,
)
from tracker.errors import UsageError
from tracker.timeutil import parse_duration, utcnow

if TYPE_CHECKING:  # the daemon and the store load when a command runs, not for --help
    from scheduler.daemon import Daemon
    from scheduler.metrics import MetricsServer
    from tracker.config.load import Config
    from tracker.web.server import Server


class LogLevel(StrEnum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


def _duration(text: str | None, option: str) -> timedelta | None:
    if text is None:
        return None
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


@app.command()
@handle_errors
def run(
    config_path: ConfigOpt = None,
    log_format: Annotated[
        LogFormat, typer.Option("--log-format", help="text, or json for one object per line.")
    ] = LogFormat.text,
    log_level: Annotated[
        LogLevel, typer.Option("--log-level", help="Least severe level logged.")
    ] = LogLevel.info,
    heartbeat: Annotated[
        str | None,
        typer.Option("--heartbeat", help="Seconds between heartbeats, e.g. 15s (default 15s)."),
    ] = None,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve",
            help="Also serve the web pages and API ([web]; as `apprank serve`). "
            "[web] daemon = true does the same.",
        ),
    ] = False,
    metrics: Annotated[
        str | None,
        typer.Option(
            "--metrics",
            metavar="HOST:PORT",
            help="Serve Prometheus metrics at http://HOST:PORT/metrics "
            "(as [daemon] metrics, which it overrides).",
        ),
    ] = None,
) -> None:
    """Run the daemon: fetch every configured track on its schedule until stopped.

    One daemon per database: a second one exits with code 1.

    SIGTERM or Ctrl-C: stop once running writes finish (exit 0). SIGHUP: reload the config.

    Logs go to stderr, one line per event.

    Example:

        apprank run --config /etc/apprank/config.toml --log-format json

        apprank run --serve

        apprank run --metrics 127.0.0.1:9464
    """
    from scheduler.daemon import Daemon
    from scheduler.lock import acquire_instance_lock
    from scheduler.plan import build_plans
    from scheduler.settings import DaemonSettings
    from tracker.store.engine import open_engine

    setup_logging(log_format, getattr(logging, log_level.value.upper()))
    beat = _duration(heartbeat, "--heartbeat")
    config = config_from(config_path)
    build_plans(config)  # refuse a config with nothing schedulable before taking any lock
    settings = DaemonSettings.from_config(
        config.daemon, config.http, heartbeat=beat.total_seconds() if beat else None
    )
    with acquire_instance_lock(config.database.url):
        engine = open_engine(config.database.url)
        daemon = Daemon(config, engine, settings, config_path=config_path)
        exporter = _start_metrics(metrics, config, daemon)
        web = _start_web(config) if serve or config.web.daemon else None
        _install_signal_handlers(daemon)
        daemon.start()
        leftover = daemon.run_forever()
        if web is not None:
            web.stop()
        if exporter is not None:
            exporter.stop()
    code = 1 if daemon.crashed else 0
    if leftover:
        # Worker threads cannot be killed; their writes are transactional, so leave now.
        logging.shutdown()
        sys.stderr.flush()
        os._exit(code)
    if code:
        raise typer.Exit(code)


def _start_metrics(option: str | None, config: Config, daemon: Daemon) -> MetricsServer | None:
    """`--metrics`, else `[daemon] metrics`: serve /metrics before any cycle runs, so a port
    in use is one error line (exit 2), not a daemon running unwatched."""
    address = option if option is not None else config.daemon.metrics
    if address is None:
        return None
    from scheduler.metrics import serve_metrics  # prometheus_client loads only when serving
    from tracker.config.tracking import tracked_requests

    where = "--metrics" if option is not None else f"{config.path}: daemon.metrics"
    return serve_metrics(
        address,
        daemon.engine,
        lambda: [r.key for r in tracked_requests(daemon.config.track)],
        option=where,
    )


def _start_web(config: Config) -> Server:
    from scheduler.web import start_web  # FastAPI and uvicorn load only for a daemon serving

    return start_web(config)


def _install_signal_handlers(daemon: Daemon) -> None:
    """Handlers only set flags; the main thread does the work. Python runs a handler in the main
    thread between two bytecodes of whatever it was doing (https://docs.python.org/3/library/
    signal.html, "Execution of Python signal handlers"): work done in the handler could meet
    that work half done, or a lock it holds."""

    def stop(signum: int, _frame: FrameType | None) -> None:
        daemon.request_stop(signal.Signals(signum).name)

    def reload(_signum: int, _frame: FrameType | None) -> None:
        daemon.request_reload()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGHUP, reload)


@app.command()
@handle_errors
def health(
    config_path: ConfigOpt = None,
    max_age: Annotated[
        str | None,
        typer.Option(
            "--max-age",
            help="Oldest acceptable last success per chart, e.g. 2h "
            "(default: two slots of its track, at least 2h).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Exit 0 when the daemon is alive and every tracked chart succeeded recently, else 1.

    Prints one line per problem, for a Docker HEALTHCHECK or monitoring.

    Example:

        apprank health --max-age 2h
    """
    from scheduler.health import check_health
    from tracker.store.daemon_state import describe_heartbeat
    from tracker.store.engine import open_engine

    limit = _duration(max_age, "--max-age")
    config = tracked_config_from(config_path)
    now = utcnow()
    result = check_health(config, open_engine(config.database.url, create=False), now, limit)
    if as_json:
        print_json(result.json(now))
    elif result.healthy:
        charts = f"{result.charts} chart{'' if result.charts == 1 else 's'}"
        typer.echo(f"ok: {describe_heartbeat(result.heartbeat, now)}; {charts} fresh")
    else:
        for problem in result.problems:
            typer.echo(problem)
    if not result.healthy:
        raise typer.Exit(1)
