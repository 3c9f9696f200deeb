"""`[notify]`: the delivery targets alert rules may name, besides "log".

[notify]
give_up_after = "2d"                    # a delivery pending longer is abandoned (default 2d)

[notify.webhook.team]
url = "https://hooks.example.com/..."
secret = "env:APPRANK_WEBHOOK_SECRET"   # optional; signs each POST

[notify.apprise.phone]                  # target "apprise:phone"; any URL Apprise knows
urls = ["ntfy://ntfy.sh/env:NTFY_TOPIC", "tgram://env:TG_TOKEN/123456"]
timeout = 10                            # seconds, per URL (connect and read)

Secrets in Apprise URLs come from the environment by one rule: a URL that is exactly
`env:NAME` is that variable's value, a whole URL; otherwise every `env:NAME` inside a URL
(NAME: letters, digits and `_`) is replaced by the variable's value, percent-encoded, so a
token with `:` or `/` in it stays one segment. A variable that is not set is a config error at
load; the values are read again at each send (a rotated token needs no restart).
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote

from pydantic import Field, ValidationInfo, field_validator

from tracker.config.errors import KeyValueError
from tracker.config.fields import Duration, Strict
from tracker.text.redact import mask_url

if TYPE_CHECKING:
    from collections.abc import Mapping

LOG_TARGET = "log"
WEBHOOK_PREFIX = "webhook:"
APPRISE_PREFIX = "apprise:"
# `env:NAME` inside an Apprise URL.
ENV_REF = re.compile(r"env:([A-Za-z_][A-Za-z0-9_]*)")
# Rule and webhook names: they appear in target names, logs and event rows.
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_ENV = "env:"


def checked_targets(values: list[str]) -> list[str]:
    """A `notify = [...]` list as written: at least one target, each "log" or a named one of a
    kind [notify] defines, duplicates dropped. Whether the named ones exist is checked
    against the whole [notify] section afterwards (tracker.config.alerts.check_targets)."""
    if not values:
        raise ValueError('needs at least one target ("log", "webhook:NAME", "apprise:NAME")')
    for value in values:
        if value != LOG_TARGET and not value.startswith((WEBHOOK_PREFIX, APPRISE_PREFIX)):
            raise ValueError(
                f'{value!r} is not a target (expected "log", "webhook:NAME" or "apprise:NAME")'
            )
    return list(dict.fromkeys(values))


def checked_name(value: str) -> str:
    """A rule's or a digest's name, as NAME allows (it names events, rows and log lines)."""
    if not NAME.match(value):
        raise ValueError("use letters, digits, '-', '_' or '.' (at most 128)")
    return value


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


def resolve_url(template: str, environ: Mapping[str, str] | None = None) -> tuple[str, list[str]]:
    """An Apprise URL with its `env:NAME` references replaced (the rule in the module doc),
    and the secret values put in (each as written into the URL), for masking. ValueError
    names a variable that is not set."""
    env = os.environ if environ is None else environ
    secrets: list[str] = []

    def value(name: str) -> str:
        found = env.get(name)
        if not found:
            raise ValueError(f"environment variable {name} is not set")
        return found

    whole = ENV_REF.fullmatch(template.strip())
    if whole:
        url = value(whole.group(1))
        return url, [url]

    def substitute(match: re.Match[str]) -> str:
        raw = value(match.group(1))
        secrets.extend({raw, quote(raw, safe="")})
        return quote(raw, safe="")

    return ENV_REF.sub(substitute, template), secrets


def shown_url(template: str) -> str:
    """An Apprise URL as output may show it: the template (env references, never their
    values) with any secret written in it masked."""
    return mask_url(template)


class AppriseTarget(Strict):
    """`[notify.apprise.NAME]`: one message to every URL through Apprise (Slack, Discord,
    Telegram, ntfy, mail, json://...)."""

    urls: list[str] = Field(min_length=1)
    timeout: float = Field(10.0, gt=0, le=60)

    @field_validator("urls")
    @classmethod
    def _parsable(cls, values: list[str]) -> list[str]:
        for index, template in enumerate(values):
            check_apprise_url(index, template)
        return values

    def resolved(self) -> tuple[list[str], list[str]]:
        """The URLs to send to, with the environment's values in, and every secret value."""
        urls, secrets = [], []
        for template in self.urls:
            url, found = resolve_url(template)
            urls.append(url)
            secrets.extend(found)
        return urls, secrets


def check_apprise_url(index: int, template: str) -> None:
    """KeyValueError naming `urls[index]` (the value masked) for a missing variable or a URL
    Apprise cannot parse. Apprise is imported only when a config has such a target."""
    try:
        url, _ = resolve_url(template)
    except ValueError as exc:
        raise KeyValueError(str(index), shown_url(template), str(exc)) from None
    import apprise

    if apprise.Apprise.instantiate(url) is None:
        raise KeyValueError(
            str(index),
            shown_url(template),
            "Apprise cannot use this URL (unknown scheme or bad form; see "
            "https://github.com/caronc/apprise/wiki)",
        )


class NotifyConfig(Strict):
    """`[notify]`: the delivery targets rules may name (besides "log", always available)."""

    give_up_after: Duration = timedelta(days=2)
    webhook: dict[str, WebhookTarget] = {}
    apprise: dict[str, AppriseTarget] = {}

    @field_validator("give_up_after")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value < timedelta(minutes=1):
            raise ValueError("must be at least 1m")
        return value

    @field_validator("webhook", "apprise")
    @classmethod
    def _names(cls, values: dict[str, object], info: ValidationInfo) -> dict[str, object]:
        for name in values:
            if not NAME.match(name):
                raise ValueError(
                    f"{info.field_name} name {name!r}: use letters, digits, '-', '_' or '.'"
                )
        return values

    def targets(self) -> list[str]:
        return [
            LOG_TARGET,
            *(f"{WEBHOOK_PREFIX}{name}" for name in self.webhook),
            *(f"{APPRISE_PREFIX}{name}" for name in self.apprise),
        ]

    def apprise_for(self, target: str) -> AppriseTarget | None:
        if not target.startswith(APPRISE_PREFIX):
            return None
        return self.apprise.get(target[len(APPRISE_PREFIX) :])

    def webhook_for(self, target: str) -> WebhookTarget | None:
        if not target.startswith(WEBHOOK_PREFIX):
            return None
        return self.webhook.get(target[len(WEBHOOK_PREFIX) :])
