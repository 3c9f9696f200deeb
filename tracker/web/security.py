"""Who may read, what every response says about itself, and how long a request may take.

`Guard` is the outermost layer of the app (an ASGI middleware), so these hold for every route,
the pages and static files included:

- Checks before any route runs: a path or query parameter with a control character, a
  parameter longer than MAX_PARAM characters, or a query string longer than MAX_QUERY, is a 400
  naming it.
- With a token, every route but OPEN needs `Authorization: Bearer TOKEN` or the session cookie
  `POST /login` sets (HttpOnly, SameSite=Strict; Secure behind https). Both are compared in
  constant time (`hmac.compare_digest`). Missing or wrong: 401 JSON, or for a browser asking
  for a page, a redirect to the login form. The token is never logged, echoed or stored: the
  cookie holds an HMAC of it, not the token.
- Every response carries SECURITY_HEADERS: a CSP without inline script, nosniff, no framing,
  no referrer.
- A request that has not started its response within `request_timeout` is cancelled (its
  worker stops at its next SQL step: tracker/web/work.py) and answered 503 JSON. A streamed
  export is timed per piece instead (tracker/web/streams.py).
- An unexpected error is logged with its traceback and answered 500 JSON, without it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, quote

import orjson

from tracker.web.settings import WebSettings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("apprank.web")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
# Open without the token: the health probe (as Docker and load balancers call it), the login
# form and its endpoint, and the static files the form is drawn with.
OPEN = ("/healthz", "/login", "/logout")
OPEN_PREFIXES = ("/static/",)
COOKIE = "apprank_session"
COOKIE_DAYS = 30
MAX_PARAM = 1000
MAX_QUERY = 8192
MAX_PATH = 2048


def session_value(token: str) -> str:
    """What the session cookie holds: an HMAC of the token (a cookie that leaks does not
    leak the token, and changing the token logs every session out)."""
    return hmac.new(token.encode(), b"apprank web session v1", hashlib.sha256).hexdigest()


def token_matches(given: str | bytes, token: str) -> bool:
    """`given` is the token, compared in constant time."""
    raw = given.encode("utf-8", "surrogateescape") if isinstance(given, str) else given
    return hmac.compare_digest(raw, token.encode())


def authorized(headers: dict[bytes, bytes], token: str) -> bool:
    auth = headers.get(b"authorization", b"")
    scheme, _, value = auth.partition(b" ")
    if scheme.lower() == b"bearer" and token_matches(value.strip(), token):
        return True
    cookie = session_cookie(headers.get(b"cookie", b"").decode("latin-1"))
    expected = session_value(token).encode()
    return cookie is not None and hmac.compare_digest(cookie.encode(), expected)


def session_cookie(header: str) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # a malformed Cookie header is no session, not an error
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else None


def json_body(status: int, error: str, param: str | None = None) -> tuple[int, bytes]:
    body: dict[str, Any] = {"error": error}
    if param is not None:
        body["param"] = param
    return status, orjson.dumps(body)


def bad_input(scope: Scope) -> tuple[int, bytes] | None:
    """A 400 for a path or query string no route should see: control characters, or sizes
    beyond any real question."""
    path: str = scope.get("path", "")
    if len(path) > MAX_PATH:
        return json_body(400, f"the path is longer than {MAX_PATH} characters", "path")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        return json_body(400, "the path holds a control character", "path")
    query: bytes = scope.get("query_string", b"")
    if len(query) > MAX_QUERY:
        return json_body(400, f"the query string is longer than {MAX_QUERY} bytes", "query")
    try:
        pairs = parse_qsl(query.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return json_body(400, "the query string is not valid UTF-8", "query")
    for name, value in pairs:
        shown = name if name.isprintable() and len(name) <= 40 else "query"
        if len(name) > MAX_PARAM or len(value) > MAX_PARAM:
            return json_body(400, f"{shown}: longer than {MAX_PARAM} characters", shown)
        if not (name + value).isprintable():
            return json_body(400, f"{shown}: holds a control character", shown)
    return None


class Guard:
    """The middleware; see the module docstring."""

    def __init__(self, app: ASGIApp, settings: WebSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_guarded(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", ()), *SECURITY_HEADERS]
            await send(message)

        refused = bad_input(scope) or self._refused(scope)
        if refused is not None:
            status, body = refused
            await _respond(send_guarded, status, body, _back_here(scope) if status == 303 else None)
            return
        await self._timed(scope, receive, send_guarded, lambda: started)

    def _refused(self, scope: Scope) -> tuple[int, bytes] | None:
        token = self.settings.token
        path: str = scope["path"]
        if token is None or path in OPEN or path.startswith(OPEN_PREFIXES):
            return None
        headers = dict(scope.get("headers", ()))
        if authorized(headers, token):
            return None
        if _wants_page(scope, headers):
            return 303, b""
        return json_body(401, "this server needs its token: Authorization: Bearer TOKEN", "token")

    async def _timed(
        self, scope: Scope, receive: Receive, send: Send, started: Callable[[], bool]
    ) -> None:
        limit = self.settings.request_timeout
        try:
            async with asyncio.timeout(limit) as timer:

                async def send_started(message: Message) -> None:
                    if message["type"] == "http.response.start":
                        timer.reschedule(None)  # streaming: timed per piece from here on
                    await send(message)

                await self.app(scope, receive, send_started)
        except TimeoutError:
            if not timer.expired():  # the app's own, not this limit's
                await _failed(scope, send, started())
                return
            log.warning("request cancelled after %ss: %s %s", limit, scope["method"], scope["path"])
            if not started():
                await _respond(send, *json_body(503, _timeout_message(limit)))
        except Exception:
            await _failed(scope, send, started())


async def _failed(scope: Scope, send: Send, started: bool) -> None:
    """An error no handler knew: logged with its traceback, answered without it."""
    log.exception("unexpected error answering %s %s", scope["method"], scope["path"])
    if not started:
        await _respond(send, *json_body(500, "internal error (logged on the server)"))


def _timeout_message(limit: float) -> str:
    return (
        f"the request took longer than {limit:g}s ([web] request_timeout) and was cancelled; "
        "ask for less (a shorter range, fewer apps or countries) or try again"
    )


def _wants_page(scope: Scope, headers: dict[bytes, bytes]) -> bool:
    """A browser asking for a page (not the API, not a picture) is sent to the login form."""
    path: str = scope["path"]
    # /chart/rank.svg is a picture; /chart/apple/us/top-free is the chart's page.
    picture = path.startswith("/chart/") and path.endswith((".png", ".svg"))
    return (
        scope["method"] == "GET"
        and not picture
        and not path.startswith(("/api/", "/openapi"))
        and b"text/html" in headers.get(b"accept", b"")
    )


def _back_here(scope: Scope) -> str:
    """The login form's address, coming back to this page after it."""
    query: bytes = scope.get("query_string", b"")
    here = scope["path"] + ("?" + query.decode("latin-1") if query else "")
    return "/login?next=" + quote(here, safe="")


async def _respond(send: Send, status: int, body: bytes, location: str | None = None) -> None:
    if location is not None:
        headers = [(b"location", location.encode("latin-1"))]
    else:
        headers = [(b"content-type", b"application/json"), (b"cache-control", b"no-store")]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def safe_next(value: str | None) -> str:
    """Where a login goes back to: a path on this server, never another site ("//host",
    "https://...", "/\\host" all go to "/")."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if any(ord(c) < 0x20 or c == "\\" for c in value):
        return "/"
    return value
