"""Running the web server: the context from the configuration, the listening socket, uvicorn in
the foreground (`apprank serve`) or in a thread beside the daemon (`apprank run --serve`).

The socket is bound before anything is served, so a port in use or an address not on this
machine is one line (exit 2) rather than a log record from inside uvicorn.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from datetime import datetime

from tracker.config.load import Config
from tracker.errors import UsageError
from tracker.store.engine import open_engine
from tracker.timeutil import utcnow
from tracker.web.context import HealthCheck, WebContext
from tracker.web.settings import WebSettings
from tracker.web.work import bound_statements

log = logging.getLogger("apprank.web")


def web_context(
    config: Config,
    settings: WebSettings,
    *,
    health: HealthCheck | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> WebContext:
    """The server's context: the database opened read-only, every statement bounded by the
    request timeout (tracker/web/work.py)."""
    engine = open_engine(config.database.url, read_only=True)
    bound_statements(engine, settings.request_timeout)
    return WebContext(engine, config, settings, health=health, clock=clock)


def listen(settings: WebSettings) -> socket.socket:
    """The bound, listening socket of `settings` (UsageError naming host and port if not)."""
    host = settings.host.strip("[]")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, settings.port, type=socket.SOCK_STREAM
        )[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        raise UsageError(
            f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}",
            param="port",
        ) from None
    sock.setblocking(False)
    return sock


def address_of(sock: socket.socket, settings: WebSettings) -> str:
    """The URL the server answers on (the port chosen when 0 was asked)."""
    port = sock.getsockname()[1]
    host = f"[{settings.host.strip('[]')}]" if ":" in settings.host else settings.host
    return f"http://{host}:{port}"


def describe(url: str, settings: WebSettings) -> str:
    """The start-up line: where, and who may read (never the token)."""
    who = "token required" if settings.token else "no token: loopback only"
    public = f"; public at {settings.public_url}" if settings.public_url else ""
    return f"serving {url} read-only, {who}{public}"


class Server:
    """uvicorn serving `context` on `sock`, in the foreground or in a thread."""

    def __init__(self, context: WebContext, sock: socket.socket) -> None:
        import uvicorn

        from tracker.web.app import create_app

        self.sock = sock
        config = uvicorn.Config(
            create_app(context),
            log_config=None,  # our logging (scheduler/logs.py) is already set up
            access_log=True,
            lifespan="on",
            timeout_graceful_shutdown=5,
        )
        self.server = uvicorn.Server(config)
        self.thread: threading.Thread | None = None

    def run(self) -> None:
        """Serve until SIGINT or SIGTERM (uvicorn's handlers, in the main thread)."""
        self.server.run(sockets=[self.sock])

    def start(self) -> None:
        """Serve from a thread (no signal handlers there: the daemon owns them)."""
        self.thread = threading.Thread(target=self.run, name="apprank-web", daemon=True)
        self.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout)
        self.sock.close()
