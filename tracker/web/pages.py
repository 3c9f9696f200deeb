"""The HTML pages of `apprank serve`: `/`, `/app/{app}` and `/chart/{source}/{country}/{chart}`.

Each page reads through the query functions the CLI and the JSON API use (overview.py and
apppage.py compute what it shows; no SQL here), in a worker thread, and renders a Jinja2
template from templates/ with static/ beside it (CSS, one small script; no CDN). State is in the
query string (GET forms), so every page works from a shared URL and, for tables, without
JavaScript. Bad input is a 4xx page naming the parameter; an unknown app or time a 404 page.

The app that includes `router` sets `app.state.pages` to a `Site` (tracker/web/app.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from tracker.config.aliases import AppAlias
from tracker.config.facts import SOURCE_FACTS, default_device
from tracker.errors import ApprankError, NothingStored, UsageError
from tracker.models import ChartKey
from tracker.query.links import chart_path, chart_query
from tracker.query.movers import NothingToCompare
from tracker.query.params import split_values
from tracker.timeutil import isoformat_z, utcnow
from tracker.web.apppage import AppQuery, app_page
from tracker.web.overview import chart_at, home
from tracker.web.security import safe_next

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
CHART_KINDS = ("top-free", "top-paid", "top-grossing")

Runner = Callable[[Callable[[], Any]], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Site:
    """What the pages read: the database (opened read-only), the `[apps]` aliases, the tracked
    charts (`[[track]]`), how to run a blocking call off the event loop (the server's bounded
    worker pool; default: Starlette's thread pool), and the clock."""

    engine: Engine
    aliases: Mapping[str, AppAlias]
    tracked: tuple[ChartKey, ...] = ()
    run: Runner | None = None
    clock: Callable[[], datetime] = utcnow  # the daemon's liveness is judged against it


router = APIRouter(include_in_schema=False)


def site_of(request: Request) -> Site:
    site = getattr(request.app.state, "pages", None)
    if not isinstance(site, Site):
        raise RuntimeError("the app serving tracker.web.pages must set app.state.pages (a Site)")
    return site


@router.get("/", response_class=HTMLResponse)
async def overview(
    request: Request, country: str | None = None, chart: str = "top-free"
) -> Response:
    site = site_of(request)

    def build() -> dict[str, Any]:
        return home(site.engine, site.tracked, country=country, chart=chart, now=site.clock())

    return await _page(site, "home.html", build)


@router.get("/login", response_class=HTMLResponse)
async def login_form(next: str | None = None) -> Response:
    """The sign-in form in the pages' layout; `POST /login` (tracker/web/login.py) checks the
    token and sets the session cookie, then goes back to `next` (a path on this server)."""
    body = environment().get_template("login.html").render(next=safe_next(next), simulated=False)
    return HTMLResponse(body)


@router.get("/app", response_class=HTMLResponse)
async def find_app(request: Request, q: str = "") -> Response:
    """The header's search form: to the app's page, whatever the text names (checked there)."""
    if not q.strip():
        return _error(400, "name an app: a store id, an [apps] alias or part of a name", "q")
    return RedirectResponse(f"/app/{quote(q.strip(), safe='')}", status_code=303)


@router.get("/app/{app}", response_class=HTMLResponse)
async def app_view(
    request: Request,
    app: str,
    country: Annotated[list[str] | None, Query()] = None,
    chart: str = "top-free",
    source: Annotated[list[str] | None, Query()] = None,
    range: str = "30d",
    every: str = "auto",
) -> Response:
    site = site_of(request)
    query = AppQuery(split_values(country), chart, split_values(source), range, every)

    def build() -> dict[str, Any]:
        return app_page(site.engine, site.aliases, app, query)

    return await _page(site, "app.html", build, unknown_app=True)


@router.get("/chart/{source}/{country}/{chart}", response_class=HTMLResponse)
async def chart_view(
    request: Request,
    source: str,
    country: str,
    chart: str,
    at: str | None = None,
    category: str = "all",
    device: str | None = None,
) -> Response:
    site = site_of(request)
    shown = device or default_device(source)
    extra = {k: v for k, v in (("category", category), ("device", device)) if v and v != "all"}

    def build() -> dict[str, Any]:
        found = chart_at(
            site.engine, source, country, chart, category=category, device=shown, at=at or None
        )
        here = chart_path(source, country, chart)
        return {
            **found,
            "here": here,
            "extra": urlencode(extra) + "&" if extra else "",
            "default_device": default_device,
        }

    return await _page(site, "chart.html", build)


async def _page(
    site: Site, template: str, build: Callable[[], dict[str, Any]], *, unknown_app: bool = False
) -> Response:
    """Compute and render a page off the event loop; the project's errors become pages."""

    def render() -> tuple[int, str]:
        try:
            context = build()
        except UsageError as exc:
            if unknown_app and exc.param == "app":  # unknown, or a fragment naming several
                return 404, _render_error(404, str(exc), "app")
            return 400, _render_error(400, str(exc), exc.param)
        except (NothingStored, NothingToCompare) as exc:
            return 404, _render_error(404, str(exc), None)
        except ApprankError as exc:  # the store refused or is unusable
            return 503, _render_error(503, str(exc), None)
        defaults = {"chart_kinds": CHART_KINDS, "sources": sorted(SOURCE_FACTS)}
        return 200, environment().get_template(template).render(**defaults, **context)

    status, body = await (site.run or run_in_threadpool)(render)
    return HTMLResponse(body, status_code=status)


REASONS = {400: "Bad request", 404: "Not found", 503: "Unavailable"}


def _render_error(status: int, message: str, param: str | None) -> str:
    return (
        environment()
        .get_template("error.html")
        .render(
            status=status,
            reason=REASONS.get(status, "Error"),
            message=message,
            param=param,
            simulated=False,
        )
    )


def _error(status: int, message: str, param: str | None) -> HTMLResponse:
    return HTMLResponse(_render_error(status, message, param), status_code=status)


def _short(value: datetime) -> str:
    """ "2025-01-27 06:00Z": a time as the pages show it (UTC, minutes)."""
    return isoformat_z(value)[:16].replace("T", " ") + "Z"


def _local_input(value: datetime) -> str:
    """A `datetime-local` input's value (UTC, to the second)."""
    return isoformat_z(value)[:19]


@cache
def environment() -> Environment:
    """The templates, autoescaped; a name a template misspells is an error, not a blank."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters |= {
        "iso": isoformat_z,
        "short": _short,
        "local_input": _local_input,
        "chart_query": chart_query,
    }
    return env
