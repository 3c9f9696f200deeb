"""`GET /chart/{rank,grid,heatmap,leaders}.{png,svg}`: the picture `apprank chart` draws for
the same parameters (built by tracker/files/charts.py `build_chart`, written by
charts/save.py `write_figure`: the same bytes as `apprank chart -o FILE`).

Each picture has an ETag made from what it is drawn from: the parameters, the latest snapshot
of the charts it reads, and (for a window relative to now, `since=30d`) the bucket the window
starts and ends in. `If-None-Match` with it is answered 304 without drawing. Drawing runs in
one of the worker pool's heavy slots.
"""

from __future__ import annotations

import hashlib
import io
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import Engine, bindparam, text

from charts.save import write_figure
from tracker import __version__
from tracker.config.charts import ChartSpec, spec_from_options
from tracker.errors import UsageError
from tracker.files.charts import build_chart
from tracker.query.params import split_values
from tracker.query.selection import select_charts
from tracker.store.engine import read_connection
from tracker.timeutil import to_epoch, utcnow
from tracker.web.context import WebContext, context_of

router = APIRouter(tags=["charts"])
TYPES = {"png": "image/png", "svg": "image/svg+xml"}
Many = Annotated[list[str] | None, Query()]

_LAST_SQL = text(
    "SELECT COALESCE(MAX(id), 0), COUNT(*) FROM snapshot WHERE chart_id IN :charts"
).bindparams(bindparam("charts", expanding=True))


def etag(engine: Engine, spec: ChartSpec, fmt: str, query: str) -> str:
    """The picture's validator: see the module docstring."""
    with read_connection(engine) as conn:
        ids = [c.id for selection in spec.selections for c in select_charts(conn, selection)]
        last, count = conn.execute(_LAST_SQL, {"charts": ids or [-1]}).one()
    since, until = spec.window(utcnow())
    step = max(1, int(spec.every.total_seconds()))
    window = [None if t is None else to_epoch(t) // step for t in (since, until)]
    seed = f"{__version__}|{fmt}|{query}|{last}|{count}|{window}"
    return '"' + hashlib.sha256(seed.encode()).hexdigest()[:32] + '"'


def matches(header: str | None, tag: str) -> bool:
    """`If-None-Match` names `tag` (or is `*`); weak tags compare equal, as RFC 9110 says."""
    if not header:
        return False
    given = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in given or tag in given


def draw(context: WebContext, spec: ChartSpec, fmt: str) -> tuple[bytes, list[str]]:
    built = build_chart(context.engine, context.config, spec)
    out = io.BytesIO()
    write_figure(built.result.figure, out, fmt)
    return out.getvalue(), built.notes


@router.get(
    "/chart/{kind}.{fmt}",
    summary="apprank chart KIND -o FILE.png|svg: the picture",
    responses={
        200: {"content": {"image/png": {}, "image/svg+xml": {}}, "description": "the picture"},
        304: {"description": "unchanged since the ETag given in If-None-Match"},
        400: {"description": 'a bad parameter: {"error": "...", "param": "..."}'},
        404: {"description": "nothing to draw"},
    },
)
async def picture(
    request: Request,
    kind: str,
    fmt: str,
    app: Many = None,
    country: Many = None,
    chart: str = "top-free",
    source: Many = None,
    category: str = "all",
    device: str | None = None,
    since: str | None = None,
    until: str | None = None,
    every: str = "1h",
    tz: str = "UTC",
    scale: str = "zoom",
    top: int = 1,
    share_y: bool | None = None,
    simulated: bool = False,
) -> Response:
    context = context_of(request)
    if fmt not in TYPES:
        raise UsageError(f"a chart is drawn as .png or .svg, not .{fmt}", param="format")
    spec = spec_from_options(
        kind=kind,
        apps=split_values(app),
        countries=split_values(country),
        chart=chart,
        source=split_values(source) or None,
        category=category,
        device=device,
        since=since,
        until=until,
        every=every,
        tz=tz,
        scale=scale,
        top=top,
        share_y=share_y,
        simulated=simulated,
    )
    workers = context.workers
    query = request.url.query
    tag = await workers.run("chart etag", etag, context.engine, spec, fmt, query)
    headers = {"etag": tag, "cache-control": "private, no-cache"}
    if matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    body, notes = await workers.run_heavy("chart", draw, context, spec, fmt)
    if notes:  # what `apprank chart` prints as "Note: ..." lines
        headers["x-apprank-notes"] = "; ".join(notes).encode("ascii", "replace").decode()
    return Response(body, media_type=TYPES[fmt], headers=headers)
