"""`[notify]`: the delivery targets alert rules may name, besides "log".

[notify.webhook.team]
url = "https://hooks.example.com/..."
secret = "env:APPRANK_WEBHOOK_SECRET"   # optional; signs each POST
"""

from __future__ import annotations

import os
import re

from pydantic import Field, field_validator

from tracker.config.fields import Strict

LOG_TARGET = "log"
WEBHOOK_PREFIX = "webhook:"
# Rule and webhook names: they appear in target names, logs and event rows.
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_ENV = "env:"


class WebhookTarget(Strict):
    """`[notify.webhook.NAME]`: a JSON POST, optionally signed with HMAC-SHA256."""

    url: str
    secret: str | None = None  # "env:NAME" reads the environment variable NAME
    timeout: float = Field(5.0, gt=0, le=60)
    retries: int = Field(2, ge=0, le=5)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("secret")
    @classmethod
    def _secret_present(cls, value: str | None) -> str | None:
        if value is not None:
            read_secret(value)  # a missing variable is a config error now, not a failed delivery
        return value

    def secret_bytes(self) -> bytes | None:
        return None if self.secret is None else read_secret(self.secret).encode()


def read_secret(value: str) -> str:
    """The secret itself: the value, or the environment variable an "env:NAME" value names."""
    if not value.startswith(_ENV):
        if not value:
            raise ValueError("empty secret")
        return value
    name = value[len(_ENV) :].strip()
    if not name:
        raise ValueError('"env:" needs a variable name, e.g. env:APPRANK_WEBHOOK_SECRET')
    secret = os.environ.get(name)
    if not secret:
        raise ValueError(f"environment variable {name} is not set")
    return secret


class NotifyConfig(Strict):
    """`[notify]`: the delivery targets rules may name (besides "log", always available)."""

    webhook: dict[str, WebhookTarget] = {}

    @field_validator("webhook")
    @classmethod
    def _names(cls, values: dict[str, WebhookTarget]) -> dict[str, WebhookTarget]:
        for name in values:
            if not NAME.match(name):
                raise ValueError(f"webhook name {name!r}: use letters, digits, '-', '_' or '.'")
        return values

    def targets(self) -> list[str]:
        return [LOG_TARGET, *(f"{WEBHOOK_PREFIX}{name}" for name in self.webhook)]

    def webhook_for(self, target: str) -> WebhookTarget | None:
        if not target.startswith(WEBHOOK_PREFIX):
            return None
        return self.webhook.get(target[len(WEBHOOK_PREFIX) :])
