"""What the web server runs with: `[web]` (tracker/config/web.py) with the command line and
$APPRANK_WEB_TOKEN on top, and the one rule that decides whether it may start.

The token is taken from `--token`, else $APPRANK_WEB_TOKEN, else `[web] token`; it is held
here and in the auth check only, and never printed (the dataclass's repr leaves it out).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from tracker.config.web import WebConfig, check_token
from tracker.errors import UsageError

TOKEN_VARIABLE = "APPRANK_WEB_TOKEN"


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address, IPv6 with or without brackets) is this machine's
    loopback only: `localhost`, 127.0.0.0/8 or ::1. 0.0.0.0 and :: are every interface."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # another name may resolve to any address


@dataclass(frozen=True, slots=True)
class WebSettings:
    """The server's settings, checked (see `of`)."""

    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = field(default=None, repr=False)
    request_timeout: float = 10.0  # seconds
    max_rows: int = 200_000
    workers: int = 4
    public_url: str | None = None

    @property
    def heavy_workers(self) -> int:
        """How many workers exports and charts may hold at once: never all of them, so a
        client drawing charts leaves workers for the quick questions."""
        return max(1, self.workers // 2)

    @property
    def secure_cookies(self) -> bool:
        """Session cookies say Secure when people reach the server over HTTPS."""
        return bool(self.public_url and self.public_url.startswith("https://"))

    @classmethod
    def of(
        cls,
        config: WebConfig,
        *,
        host: str | None = None,
        port: int | None = None,
        token: str | None = None,
        environ: Mapping[str, str] = os.environ,
    ) -> WebSettings:
        """`[web]` with `--host`, `--port` and `--token` (then $APPRANK_WEB_TOKEN) over it.

        UsageError (exit 2, one line, the token never in it) for a bad token, and for any
        address other than loopback without a token: the history would be open to anyone on
        the network."""
        chosen = _token(config, token, environ)
        settings = cls(
            host=host if host is not None else config.host,
            port=port if port is not None else config.port,
            token=chosen,
            request_timeout=config.request_timeout.total_seconds(),
            max_rows=config.max_rows,
            workers=config.workers,
            public_url=config.public_url,
        )
        if not (0 <= settings.port <= 65535):
            raise UsageError(f"--port: {settings.port} is not a port (0-65535)", param="port")
        if chosen is None and not is_loopback(settings.host):
            raise UsageError(
                f"refusing to serve on {settings.host} without a token: anyone who can reach "
                f"it could read the history; set one with --token, ${TOKEN_VARIABLE} or "
                "[web] token, or serve on 127.0.0.1",
                param="host",
            )
        return settings


def _token(config: WebConfig, given: str | None, environ: Mapping[str, str]) -> str | None:
    for where, value in (("--token", given), (f"${TOKEN_VARIABLE}", environ.get(TOKEN_VARIABLE))):
        if value:
            try:
                return check_token(value)
            except ValueError as exc:
                raise UsageError(f"{where}: {exc}", param="token") from None
    return config.token.get_secret_value() if config.token is not None else None
