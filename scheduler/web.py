"""`apprank run --serve` (or `[web] daemon = true`): the read-only web server in a thread of
the daemon's process, on the same database (its own read-only engine) and configuration."""

from __future__ import annotations

import logging

from scheduler.health import probe
from tracker.config.load import Config
from tracker.web.server import Server, address_of, describe, listen, web_context
from tracker.web.settings import WebSettings

log = logging.getLogger("apprank.web")


def start_web(config: Config) -> Server:
    """Bind `[web]`'s address and serve from a thread; UsageError (exit 2) when the address
    cannot be served (in use, or not loopback without a token), before any cycle runs."""
    settings = WebSettings.of(config.web)
    context = web_context(config, settings)
    context.health = probe(config, context.engine, context.clock)
    sock = listen(settings)
    log.info("%s", describe(address_of(sock, settings), settings))
    server = Server(context, sock)
    server.start()
    return server
