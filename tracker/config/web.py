"""`[web]`: the read-only web server of `apprank serve` and `apprank run --serve` (docs/web.md).

[web]
host = "127.0.0.1"                 # loopback; any other address needs a token
port = 8000
token = "env:APPRANK_WEB_TOKEN"    # or the token itself; never printed, logged or served
request_timeout = "10s"            # past it a request is cancelled: 503
max_rows = 200000                  # JSON objects (rows, history points) one answer may hold
workers = 4                        # threads running queries, exports and charts
public_url = "https://ranks.example.com"   # optional: the address people use
daemon = false                     # true: `apprank run` serves too
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field, SecretStr, field_validator

from tracker.config.fields import Duration, Strict
from tracker.config.notify import read_secret

# A shorter token can be guessed; `python -c "import secrets; print(secrets.token_urlsafe())"`
# makes a good one.
MIN_TOKEN_LENGTH = 16
LOOPBACK = "127.0.0.1"


def check_token(value: str) -> str:
    """A token as given (`--token`, $APPRANK_WEB_TOKEN, `[web] token`): long enough, printable,
    no spaces; ValueError saying why not, never quoting it."""
    if len(value) < MIN_TOKEN_LENGTH:
        raise ValueError(
            f"the token must be at least {MIN_TOKEN_LENGTH} characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe())' makes one)"
        )
    if not value.isascii() or not value.isprintable() or " " in value:
        raise ValueError("the token must be printable ASCII without spaces")
    return value


class WebConfig(Strict):
    """`[web]`: where the web server listens, who may read it, and its limits."""

    host: str = LOOPBACK
    port: int = Field(8000, ge=0, le=65535)  # 0: any free port (tests)
    token: SecretStr | None = None
    request_timeout: Duration = timedelta(seconds=10)
    max_rows: int = Field(200_000, ge=1, le=10_000_000)
    # At most 12: each holds a database connection while it works, and an engine's pool holds 15.
    workers: int = Field(4, ge=1, le=12)
    public_url: str | None = None
    daemon: bool = False

    @field_validator("token", mode="before")
    @classmethod
    def _token(cls, value: Any) -> Any:
        if isinstance(value, str):
            return SecretStr(check_token(read_secret(value)))
        return value

    @field_validator("request_timeout")
    @classmethod
    def _timeout(cls, value: timedelta) -> timedelta:
        if not timedelta(0) < value <= timedelta(minutes=10):
            raise ValueError("must be more than 0s and at most 10m")
        return value

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value
