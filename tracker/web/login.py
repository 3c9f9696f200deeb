"""`POST /login` and `POST /logout`: the session cookie for browsers (tracker/web/security.py
checks it). The login form posts `token` (and `next`, where to go back to) as a form; a script
may post `{"token": "..."}` as JSON instead and gets JSON back. A plain `GET /login` form is
here too, for a server whose pages (tracker/web/pages.py) do not draw their own.
"""

from __future__ import annotations

import logging
from html import escape
from typing import Any
from urllib.parse import parse_qs

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from tracker.web.security import (
    COOKIE,
    COOKIE_DAYS,
    safe_next,
    session_value,
    token_matches,
)
from tracker.web.settings import WebSettings

MAX_BODY = 4096
log = logging.getLogger("apprank.web")
router = APIRouter(tags=["login"])

FORM = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>apprank: sign in</title>
<link rel="stylesheet" href="/static/apprank.css"></head>
<body><main><h1>apprank</h1>
<form method="post" action="/login">
<label>Token <input type="password" name="token" autocomplete="current-password" required></label>
<input type="hidden" name="next" value="{next}">
<button type="submit">Sign in</button>
</form></main></body></html>
"""


def settings_of(request: Request) -> WebSettings:
    settings = request.app.state.web_settings
    assert isinstance(settings, WebSettings)
    return settings


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
async def login_form(next: str | None = None) -> HTMLResponse:
    return HTMLResponse(FORM.format(next=escape(safe_next(next), quote=True)))


@router.post(
    "/login",
    summary="Sign in with the token: sets the session cookie",
    responses={401: {"description": "wrong or missing token"}},
)
async def login(request: Request) -> Response:
    settings = settings_of(request)
    fields, as_json = await _fields(request)
    if isinstance(fields, Response):
        return fields
    given = fields.get("token")
    if settings.token is None:
        return _answer(as_json, safe_next(fields.get("next")), {"ok": True})
    if not isinstance(given, str) or not token_matches(given, settings.token):
        client = request.client.host if request.client else "?"
        log.warning("failed login from %s", client)
        return JSONResponse({"error": "wrong token", "param": "token"}, status_code=401)
    response = _answer(as_json, safe_next(fields.get("next")), {"ok": True})
    response.set_cookie(
        COOKIE,
        session_value(settings.token),
        max_age=COOKIE_DAYS * 86400,
        path="/",
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
    )
    return response


@router.post("/logout", summary="Sign out: clears the session cookie")
async def logout(request: Request) -> Response:
    settings = settings_of(request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="strict", secure=settings.secure_cookies
    )
    return response


async def _fields(request: Request) -> tuple[dict[str, Any] | Response, bool]:
    """The posted fields (form or JSON), read up to MAX_BODY bytes."""
    body = b""
    async for piece in request.stream():
        body += piece
        if len(body) > MAX_BODY:
            return JSONResponse({"error": "the body is too large"}, status_code=413), False
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            data = orjson.loads(body or b"{}")
        except orjson.JSONDecodeError:
            return JSONResponse({"error": "the body is not JSON"}, status_code=400), True
        return (data if isinstance(data, dict) else {}), True
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items()}, False


def _answer(as_json: bool, next_path: str, data: dict[str, Any]) -> Response:
    if as_json:
        return JSONResponse(data)
    return RedirectResponse(next_path, status_code=303)
