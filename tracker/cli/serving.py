"""`apprank serve`: the read-only web server (pages and JSON API) over the stored history.

FastAPI and uvicorn load when the command runs, never for `--help` or any other command.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from scheduler.logs import LogFormat, setup_logging
from tracker.cli.base import app
from tracker.cli.common import ConfigOpt, config_from, handle_errors


@app.command()
@handle_errors
def serve(
    config_path: ConfigOpt = None,
    host: Annotated[
        str | None,
        typer.Option(
            "--host",
            help="Address to listen on (default: [web] host, 127.0.0.1). Any other than "
            "loopback needs a token.",
            show_default=False,
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option("--port", help="Port (default: [web] port, 8000).", show_default=False),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            help="The token every request but /healthz must carry (default: "
            "$APPRANK_WEB_TOKEN, else [web] token). The variable keeps it out of `ps`.",
            show_default=False,
        ),
    ] = None,
    log_format: Annotated[
        LogFormat, typer.Option("--log-format", help="text, or json for one object per line.")
    ] = LogFormat.text,
) -> None:
    """Serve the stored history read-only: web pages and a JSON API (docs/web.md).

    Each /api/v1 route answers with the JSON its command prints with --json.
    The database is opened read-only; nothing is fetched or written. Binds to
    127.0.0.1 unless told otherwise; another address without a token is
    refused (exit 2). Ctrl-C or SIGTERM stops it.

    Example:

        apprank serve --port 8000

        APPRANK_WEB_TOKEN=$(cat token) apprank serve --host 0.0.0.0
    """
    from scheduler.health import probe
    from tracker.web.server import Server, address_of, describe, listen, web_context
    from tracker.web.settings import WebSettings

    setup_logging(log_format, logging.INFO)
    config = config_from(config_path)
    settings = WebSettings.of(config.web, host=host, port=port, token=token)
    context = web_context(config, settings)
    context.health = probe(config, context.engine, context.clock)
    sock = listen(settings)
    sys.stderr.write(describe(address_of(sock, settings), settings) + "\n")
    sys.stderr.flush()
    Server(context, sock).run()
