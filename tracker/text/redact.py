"""Secrets masked and feed text bounded wherever apprank shows or stores a value.

`mask_url` is the one masking function: every URL that reaches output, a log or the database
(webhook targets, source base URLs, database URLs) goes through it or through `mask_text`,
which masks every URL inside a message. `quoted` is the one way an error quotes a value that a
feed or a file controls, so a 4 MB bad id makes a 200-character message, not a 4 MB one.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urlsplit, urlunsplit

MASK = "***"
# Longest quoted value before it is cut (the full length is said instead).
QUOTE_LIMIT = 200

# Query keys and config keys that hold secrets: the value is never shown.
_SECRET_WORDS = (
    "token",
    "secret",
    "password",
    "passwd",
    "pwd",
    "sig",
    "auth",
    "key",
    "credential",
    "session",
    "cookie",
)
_SECRET_KEY = re.compile("|".join(_SECRET_WORDS), re.IGNORECASE)
# A URL in a message ends before the punctuation that follows it ("from URL: detail").
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s'\"<>]*[^\s'\"<>.,;:!?)\]]")
# Generated credentials: a run of 16+ letters and digits mixing both (words joined by _ - .
# are not one, so `apprank_test_b6a3ca5590b4` stays), or 24+ hex digits and dashes (UUIDs).
_TOKEN_RUN = re.compile(r"^(?=.*[0-9])(?=.*[A-Za-z])[A-Za-z0-9]{16,}$")
_HEXISH = re.compile(r"^[0-9a-fA-F\-]{24,}$")
_SEPARATORS = re.compile(r"[_\-.~=+%:]")
# Hosts whose whole path after a prefix is the credential (Slack's T.../B.../token).
_SECRET_PATHS = {"hooks.slack.com": "/services/", "hooks.slack-gov.com": "/services/"}


def is_secret_key(name: str) -> bool:
    """Whether a query parameter or configuration key is named like a secret."""
    return bool(_SECRET_KEY.search(name))


def mask_url(url: str) -> str:
    """`url` with its userinfo, secret query values and token-like path segments masked.

    Text that does not parse as a URL is masked as free text by `mask_text`.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    try:
        parts.port  # noqa: B018 (a bad port raises here, not in the middle of a message)
    except ValueError:
        # `tgram://123456:AAH.../chat`: Apprise URLs put a `id:token` where a host goes; the
        # whole authority is masked, the scheme and path stay readable.
        path = _mask_path("", parts.path)
        return f"{parts.scheme}://{MASK}{path}" if parts.scheme else MASK
    if not parts.scheme:
        return url
    # No host part (`postgresql:///db?host=/run/postgresql&password=...`, a socket or the host
    # in the query) still has a query and a path to mask.
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        # The user name is kept, as SQLAlchemy shows it, unless it looks like a token
        # (https://TOKEN@host); the password never is.
        if not user or _is_token_like(user):
            netloc = f"{MASK}@{host}"
        else:
            netloc = f"{user}:{MASK}@{host}" if colon else f"{user}@{host}"
    path = _mask_path(parts.hostname or "", parts.path)
    fragment = MASK if parts.fragment else ""
    query = _mask_query(parts.query)
    if not netloc and url[len(parts.scheme) + 1 :].startswith("//"):
        # urlunsplit would drop the empty `//` (sqlite:///x.db -> sqlite:/x.db)
        return (
            f"{parts.scheme}://{path}"
            + (f"?{query}" if parts.query else "")
            + (f"#{fragment}" if parts.fragment else "")
        )
    return urlunsplit((parts.scheme, netloc, path, query, fragment))


def mask_text(text: str) -> str:
    """`text` with every URL in it masked by `mask_url`."""
    return _URL.sub(lambda m: mask_url(m.group(0)), text)


def quoted(value: object, limit: int = QUOTE_LIMIT, *, bare: bool = False) -> str:
    """repr(value), cut to `limit` characters with its length said: `'aaaa…' (4,194,304 chars)`.

    `bare` leaves a string unquoted (for ids the message already shows bare, as `app 123`).
    """
    if isinstance(value, str) and bare:
        return value if len(value) <= limit else f"{value[:limit]}… ({len(value):,} chars)"
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        return f"{value[:limit]!r}"[:-1] + f"…{repr(value)[-1]} ({len(value):,} chars)"
    text = repr(value)
    if len(text) > limit:
        return f"{text[:limit]}… ({len(text):,} chars)"
    return text


def _mask_path(host: str, path: str) -> str:
    prefix = _SECRET_PATHS.get(host.lower())
    if prefix and path.startswith(prefix) and len(path) > len(prefix):
        return prefix + MASK
    return "/".join(MASK if _is_token_like(segment) else segment for segment in path.split("/"))


def _is_token_like(segment: str) -> bool:
    if _HEXISH.match(segment):
        return True
    return any(_TOKEN_RUN.match(run) for run in _SEPARATORS.split(segment))


def _mask_query(query: str) -> str:
    """Each secret-named or token-like value masked; the rest kept exactly as written."""
    masked = []
    for part in query.split("&"):
        key, sep, value = part.partition("=")
        if is_secret_key(unquote_plus(key)) or _is_token_like(value or key):
            part = f"{key}{sep}{MASK}" if sep else MASK
        masked.append(part)
    return "&".join(masked)
