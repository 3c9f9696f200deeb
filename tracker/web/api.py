"""`/api/v1/...`: the JSON API, each route the twin of a command's `--json`.

Query parameters are named like the command's options (`country`, `chart`, `source`, `since`,
...; the apps a command takes as arguments are `app`, repeated or comma-separated), and each
route calls the function the command calls (tracker/query/answers.py, current.py; the export's
tracker/files/export_run.py), in the server's bounded worker pool, so the answer is exactly the
command's JSON. Lists are comma-separated or repeated: `?app=chatgpt&app=deepseek&country=us,gb`.
An answer holding more than `[web] max_rows` rows (history: points) is refused, not cut.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from tracker.errors import UsageError
from tracker.files import export as exp
from tracker.files import export_run
from tracker.query import answers, current, search
from tracker.query.output import json_bytes
from tracker.query.params import positive, split_values
from tracker.query.stores import stores_of
from tracker.web.context import WebContext, context_of
from tracker.web.streams import stream

router = APIRouter(prefix="/api/v1", tags=["api"])

Many = Annotated[list[str] | None, Query()]
ANSWERS: dict[int | str, dict[str, Any]] = {200: {"description": "the command's --json answer"}}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": 'a bad parameter: {"error": "...", "param": "country"}'},
    404: {"description": 'nothing stored answers the question: {"error": "..."}'},
    503: {"description": 'timed out, or the database is unusable: {"error": "..."}'},
}


def answer(body: Any, context: WebContext, param: str | None = None) -> Response:
    """A JSON answer, refused (400 naming `param`) past `[web] max_rows` rows."""
    return Response(encoded(body, context, param), media_type="application/json")


def encoded(body: Any, context: WebContext, param: str | None = None) -> bytes:
    """`body` as JSON bytes, refused past `[web] max_rows` rows (see `answer`)."""
    data = json_bytes(body)
    # A row is an object (an entry, a history point, a country's stats): counted in the bytes,
    # in C, as a "{" (one in an app's name makes a bound a row tighter, never looser).
    rows = data.count(b"{")
    if rows > context.settings.max_rows:
        raise UsageError(
            f"the answer holds {rows} JSON objects, more than [web] max_rows "
            f"({context.settings.max_rows}); ask for fewer apps, countries or buckets",
            param=param,
        )
    return data


async def run(request: Request, name: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    return await context_of(request).workers.run(name, fn, *args, **kw)


@router.get("/top", responses={**ANSWERS, **ERRORS}, summary="apprank top --json")
async def top(
    request: Request,
    country: str = "us",
    chart: str = "top-free",
    source: str | None = None,
    category: str = "all",
    device: str | None = None,
    limit: int | None = None,
) -> Response:
    context = context_of(request)
    positive(limit, "--limit")
    key = current.top_key(country, chart, source, category, device)

    def compute() -> bytes:
        return encoded(current.top(context.engine, key, limit).json(), context, "limit")

    # The latest chart changes once a fetch: kept until the database does (tracker/web/fresh.py).
    data = await run(request, "top", context.fresh.get, (key, limit), compute)
    return Response(data, media_type="application/json")


@router.get("/history", responses={**ANSWERS, **ERRORS}, summary="apprank history --json")
async def history(
    request: Request,
    app: Many = None,
    country: Many = None,
    chart: str = "top-free",
    source: Many = None,
    category: str = "all",
    device: str | None = None,
    since: str | None = None,
    until: str | None = None,
    every: str = "1h",
) -> Response:
    context = context_of(request)
    found = await run(
        request,
        "history",
        answers.history,
        context.engine,
        context.aliases,
        split_values(app),
        country=country,
        chart=chart,
        source=split_values(source) or None,
        category=category,
        device=device,
        since=since,
        until=until,
        every=every,
    )
    return answer(found.json(), context, "every")


@router.get("/movers", responses={**ANSWERS, **ERRORS}, summary="apprank movers --json")
async def movers(
    request: Request,
    country: str = "us",
    chart: str = "top-free",
    source: str | None = None,
    category: str = "all",
    device: str | None = None,
    since: str = "24h",
    limit: int = 10,
) -> Response:
    context = context_of(request)
    found = await run(
        request,
        "movers",
        answers.movers,
        context.engine,
        country=country,
        chart=chart,
        source=source,
        category=category,
        device=device,
        since=since,
        limit=limit,
    )
    return answer(found.json(), context, "limit")


def two_apps(app: Sequence[str] | None) -> tuple[str, str]:
    names = split_values(app)
    if len(names) != 2:
        raise UsageError(f"compare takes two apps (app=A&app=B), not {len(names)}", param="app")
    return names[0], names[1]


@router.get("/compare", responses={**ANSWERS, **ERRORS}, summary="apprank compare --json")
async def compare(
    request: Request,
    app: Many = None,
    country: Many = None,
    chart: str = "top-free",
    source: Many = None,
    category: str = "all",
    device: str | None = None,
) -> Response:
    context = context_of(request)
    first, second = two_apps(app)
    found = await run(
        request,
        "compare",
        answers.compare_across,
        context.engine,
        context.aliases,
        first,
        second,
        country=country,
        chart=chart,
        sources=split_values(source) or None,
        category=category,
        device=device,
    )
    return answer(found.json(), context, "country")


def one_app(app: Sequence[str] | None) -> str:
    names = split_values(app)
    if len(names) != 1:
        raise UsageError(f"name one app (app=NAME), not {len(names)}", param="app")
    return names[0]


@router.get("/leaders", responses={**ANSWERS, **ERRORS}, summary="apprank leaders --json")
async def leaders(
    request: Request,
    app: Many = None,
    rank: int = 1,
    at: str | None = None,
    chart: str = "top-free",
    source: Many = None,
    category: str = "all",
    device: str | None = None,
) -> Response:
    context = context_of(request)
    found = await run(
        request,
        "leaders",
        answers.leaders_across,
        context.engine,
        context.aliases,
        one_app(app),
        rank=rank,
        at=at,
        chart=chart,
        sources=split_values(source) or None,
        category=category,
        device=device,
    )
    return answer(found.json(), context)


@router.get("/stats", responses={**ANSWERS, **ERRORS}, summary="apprank stats --json")
async def stats(
    request: Request,
    app: Many = None,
    country: Many = None,
    chart: str = "top-free",
    source: Many = None,
    category: str = "all",
    device: str | None = None,
) -> Response:
    context = context_of(request)
    found = await run(
        request,
        "stats",
        answers.stats_across,
        context.engine,
        context.aliases,
        one_app(app),
        country=country,
        chart=chart,
        sources=split_values(source) or None,
        category=category,
        device=device,
    )
    return answer(found.json(), context, "country")


@router.get("/status", responses={**ANSWERS, **ERRORS}, summary="apprank status --json")
async def status(request: Request) -> Response:
    context = context_of(request)
    keys, now = context.tracked, context.clock()
    rows = await run(request, "status", current.status_rows, context.engine, keys, now)
    return answer(rows, context)


@router.get(
    "/apps",
    responses={**ANSWERS, **ERRORS},
    summary="Apps whose name (in any storefront, at any time) holds q, or the app q names",
)
async def apps(
    request: Request,
    q: str = "",
    limit: int = 20,
) -> Response:
    context = context_of(request)
    found = await run(request, "apps", search.search, context.engine, context.aliases, q, limit)
    return answer(found, context)


EXPORT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


@router.get(
    "/export.{fmt}",
    responses={200: {"description": "the bytes of apprank export -o - --format FMT"}, **ERRORS},
    summary="apprank export -o - (CSV or JSONL), streamed",
)
async def export(
    request: Request,
    fmt: str,
    app: Many = None,
    country: Many = None,
    chart: Many = None,
    source: Many = None,
    since: str | None = None,
    until: str | None = None,
    raw: bool = False,
    bom: bool = False,
    wide: str | None = None,
    every: str = "1h",
) -> Response:
    context = context_of(request)
    if fmt not in EXPORT_TYPES:
        raise UsageError(f"export.csv or export.jsonl, not export.{fmt}", param="format")
    options = {"app": app, "country": country, "chart": chart, "source": source}
    # As the command: a wide export pivots one app in one chart, an alias's app in its store.
    stores = None if wide is None else stores_of(split_values(source)[:1] or ["apple"])

    def produce(out: Any) -> None:
        selection = export_run.selection_of(
            context.engine, context.aliases, **options, since=since, until=until, stores=stores
        )
        if wide is not None:
            lines = export_run.wide_lines(context.engine, selection, wide, every)
            exp.write_wide(lines, out, fmt=fmt, bom=bom)
            return
        _, snapshots = export_run.start(context.engine, selection, fmt)
        export_run.write(fmt, snapshots, out, raw=raw, bom=bom)

    pieces = await stream(context.workers, "export", produce)
    name = f'attachment; filename="apprank-export.{fmt}"'
    headers = {"content-disposition": name, "cache-control": "no-store"}
    return StreamingResponse(pieces, media_type=EXPORT_TYPES[fmt], headers=headers)
