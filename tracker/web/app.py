"""The web server's ASGI application: `create_app(context)`.

Read-only by construction: the context's engine is opened with `read_only=True` (SQLite
`mode=ro`, PostgreSQL read-only transactions), no route writes, and none fetches. Routes:
tracker/web/api.py (the JSON API), pictures.py (charts), pages.py and static/ (the HTML pages),
login.py (the session cookie), and `/healthz` here. security.py's Guard wraps them all
(headers, token, limits, timeouts); the project's errors become JSON answers in one handler.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from tracker import __version__
from tracker.errors import (
    ApprankError,
    ConfigError,
    NothingStored,
    SchemaOutdated,
    StoreError,
    UsageError,
)
from tracker.web import api, login, pictures
from tracker.web.context import WebContext, context_of
from tracker.web.security import Guard

log = logging.getLogger("apprank.web")
STATIC = Path(__file__).parent / "static"

DESCRIPTION = """The read-only web server of apprank: each `/api/v1/...` route answers with
exactly the JSON the matching command prints with `--json` for the same parameters (named like
its options; lists comma-separated or repeated). Errors are `{"error": "...", "param": "..."}`
with a 4xx status (5xx: timed out, or the database is unusable)."""


def status_of(exc: ApprankError) -> int:
    """The HTTP status of a project error: the client's mistake (4xx), nothing to answer with
    (404), or the server's trouble (503: the database is unusable or out of date)."""
    from charts.result import NothingToChart
    from tracker.query.movers import NothingToCompare

    if isinstance(exc, UsageError | ConfigError):
        return 400
    if isinstance(exc, NothingStored | NothingToCompare | NothingToChart):
        return 404
    if isinstance(exc, SchemaOutdated | StoreError):
        return 503
    return 400


def error_response(status: int, message: str, param: str | None = None) -> JSONResponse:
    body: dict[str, str] = {"error": message}
    if param is not None:
        body["param"] = param
    return JSONResponse(body, status_code=status, headers={"cache-control": "no-store"})


async def _apprank_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApprankError)
    status = status_of(exc)
    if status >= 500:
        log.warning("%s", exc)
    return error_response(status, str(exc), getattr(exc, "param", None))


async def _validation_error(_request: Request, exc: Exception) -> Response:
    """FastAPI's own check of a parameter's type (limit=abc): one line naming it."""
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0]
    where = [str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body")]
    param = where[-1] if where else None
    message = str(first.get("msg", "invalid value"))
    return error_response(400, f"{param}: {message}" if param else message, param)


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {404: "no such page", 405: "method not allowed"}.get(exc.status_code)
    return error_response(exc.status_code, message or str(exc.detail))


def create_app(context: WebContext) -> FastAPI:
    """The application serving `context` (see the module docstring)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # A server pays NumPy's import once, at start; then history joins in NumPy at every
        # size (tracker/query/history.py, _numpy_loaded), not in Python up to SMALL_JOIN rows.
        import tracker.query.arrays  # noqa: F401

        yield
        context.workers.close()

    app = FastAPI(
        title="apprank",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # the interactive docs load their script from a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.web = context
    app.state.web_settings = context.settings
    app.add_exception_handler(ApprankError, _apprank_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.include_router(api.router)
    app.include_router(pictures.router)
    app.add_api_route("/healthz", healthz, methods=["GET"], summary="apprank health --json")
    _include_pages(app, context)
    app.include_router(login.router)  # after the pages: their own login form comes first
    app.add_middleware(Guard, settings=context.settings)
    return app


async def healthz(request: Request) -> Response:
    """`apprank health --json`: 200 when healthy, else 503 with the problems."""
    context = context_of(request)
    if context.health is None:
        return JSONResponse({"healthy": True, "problems": []})
    healthy, body = await context.workers.run("health", context.health)
    return JSONResponse(body, status_code=200 if healthy else 503)


def _include_pages(app: FastAPI, context: WebContext) -> None:
    from fastapi.staticfiles import StaticFiles

    from tracker.web.pages import Site, router

    app.state.pages = Site(
        context.engine,
        context.aliases,
        tuple(dict.fromkeys(context.tracked)),
        run=lambda fn: context.workers.run("page", fn),
        clock=context.clock,
    )
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
