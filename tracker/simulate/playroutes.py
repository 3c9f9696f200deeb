"""Google Play's `batchexecute` endpoint on the simulator: the POST read, one row per request,
and the Play faults.

    POST /_/PlayStoreUi/data/batchexecute?rpcids=vyAe2&hl=en&gl=US[&rt=c]
    f.req=[[["vyAe2","[[null,[[null,[null,100]],null,null,[113]],
             [2,\\"topselling_free\\",\\"APPLICATION\\"]]]",null,"0"]]]

Each request tuple gets one `wrb.fr` row, whose last element echoes the tuple's 4th ("generic"
when it has none). Several come back in a seeded order: the real rows arrive out of order.

- A known collection and category in a Play country: `count` entries, at most 200. The count
  is read where both scrapers put it (`inner[0][1][0][1][1]`), the chart from the last element
  of `inner[0]`, `[2, collection, category]`.
- gl=CN, or any gl without Google Play: a valid payload with an empty entry list, always. The
  app records that as an empty chart (no data), never as every app dropping out.
- An unknown collection or category: payload `[[null,null]]` (parse-play's "no such chart").
- An inner request of another shape, or a count below 1: the null row with error `[3]`.
- No gl: US; hl is read but names stay English.

The whole POST is refused with 400 and an HTML page for a body without f.req, f.req that is not
JSON or not `[[[rpc, request, ...], ...]]`, an rpc other than vyAe2, or an `rpcids` parameter
missing one of the rpcs (parse-play sends none, which is fine). Other methods get 405.

Faults: each request meets the fault plan under the path key `play/{gl}/{collection}/{category}`,
e.g. `play/us/topselling_free/APPLICATION` (force keys match substrings, ignoring case).
ROW_FAULTS damage that request's row only; any other kind answers the whole POST, the first such
request deciding: the generic kinds as on Apple's feeds, and play_captcha.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import orjson

from tracker.simulate import playformat
from tracker.simulate.faultio import send_fault
from tracker.simulate.market import Market
from tracker.simulate.playcatalog import CATEGORIES, CHART_BY_COLLECTION
from tracker.simulate.playmarket import PLAY_MAX_ROWS, PlayMarket
from tracker.simulate.routes import LOOP_MARK, Reply
from tracker.simulate.scenario import hour_of

if TYPE_CHECKING:
    from tracker.simulate.server import SimulatorServer, _Handler

PLAY_PATH = "/_/PlayStoreUi/data/batchexecute"
MAX_BODY = 1_000_000
HTML = "text/html; charset=UTF-8"
ROW_FAULTS = frozenset(
    {
        "empty",  # the chart's payload with an empty entry list
        "play_null_payload",
        "play_gateway_error",
        "play_truncated",
        "play_moved",
        "play_duplicate",
        "play_extra_rows",
    }
)
EXTRA_ROWS = 5  # play_extra_rows: this many rows past the count asked (past 200 too)


class BadPost(ValueError):
    """The POST as a whole is not a batchexecute call (answered 400)."""


@dataclass(frozen=True, slots=True)
class PlayAsk:
    """One request tuple of a POST. `count` 0: its inner request was not understood."""

    index: Any
    country: str
    collection: str
    category: str
    count: int

    @property
    def key(self) -> str:
        return f"play/{self.country}/{self.collection}/{self.category}"


def parse_post(query: str, body: bytes) -> tuple[list[PlayAsk], bool]:
    """(the request tuples, whether `rt=c` asks for chunks); BadPost for what is refused whole."""
    params = parse_qs(query)
    raw = parse_qs(body.decode("utf-8", "replace")).get("f.req")
    if not raw:
        raise BadPost("no f.req in the form body")
    try:
        outer = orjson.loads(raw[0])
    except orjson.JSONDecodeError:
        raise BadPost("f.req is not JSON") from None
    if not (isinstance(outer, list) and outer and isinstance(outer[0], list) and outer[0]):
        raise BadPost("f.req is not [[[rpc, request, ...], ...]]")
    listed = params["rpcids"][0].split(",") if "rpcids" in params else None
    country = params.get("gl", ["US"])[0].lower()
    asks: list[PlayAsk] = []
    for call in outer[0]:
        if not (isinstance(call, list) and len(call) >= 2 and isinstance(call[1], str)):
            raise BadPost("an f.req call is not [rpc, request, ...]")
        if call[0] != playformat.RPC_ID:
            raise BadPost(f"unknown rpc {call[0]!r}")
        if listed is not None and call[0] not in listed:
            raise BadPost(f"rpcids does not list {call[0]!r}")
        asks.append(_ask(call[1], call[3] if len(call) > 3 else "generic", country))
    return asks, params.get("rt", [""])[0] == "c"


def _ask(inner_text: str, index: Any, country: str) -> PlayAsk:
    try:
        request = orjson.loads(inner_text)[0]
        count = request[1][0][1][1]
        kind, collection, category = request[-1]
    except (orjson.JSONDecodeError, TypeError, IndexError, KeyError, ValueError):
        return PlayAsk(index, country, "", "", 0)
    shaped = kind == 2 and isinstance(collection, str) and isinstance(category, str)
    if not shaped or type(count) is not int or count < 1:
        return PlayAsk(index, country, "", "", 0)
    return PlayAsk(index, country, collection, category, count)


class PlayRoutes:
    """Answers batchexecute POSTs for one market (its Play view: PlayMarket)."""

    def __init__(self, market: Market) -> None:
        self.market = PlayMarket.of(market)
        self._payload = lru_cache(maxsize=1024)(self._payload_uncached)

    def answer(
        self, asks: Sequence[PlayAsk], chunked: bool, hour: int, faults: Sequence[str | None]
    ) -> bytes:
        """The body for these requests, each row damaged by its fault (None: none)."""
        rows = [self.row(ask, hour, fault) for ask, fault in zip(asks, faults, strict=True)]
        if len(rows) > 1:
            order = f"{self.market.seed}:{hour}:" + "|".join(f"{a.key}:{a.index}" for a in asks)
            random.Random(order).shuffle(rows)
        return playformat.body(rows, chunked=chunked, seed=self.market.seed, hour=hour)

    def row(self, ask: PlayAsk, hour: int, fault: str | None = None) -> bytes:
        if ask.count == 0 or fault == "play_null_payload":
            return playformat.null_row(ask.index)
        if fault == "play_gateway_error":
            return playformat.gateway_error_row(ask.index)
        chart = CHART_BY_COLLECTION.get(ask.collection)
        if chart is None or ask.category not in CATEGORIES:
            return playformat.row(ask.index, playformat.NO_CHART)
        count = min(ask.count, PLAY_MAX_ROWS)
        data = self._payload(ask.country, chart, ask.category, count, hour, fault)
        return playformat.row(ask.index, data)

    def _payload_uncached(
        self, country: str, chart: str, category: str, count: int, hour: int, fault: str | None
    ) -> str:
        ranked = self.market.ranking(country, chart, category, hour)
        rows = list(ranked[: count + (EXTRA_ROWS if fault == "play_extra_rows" else 0)])
        if fault == "empty":
            rows = []
        elif fault == "play_duplicate" and rows:  # rank 5 repeats rank 2 (or one more row)
            if len(rows) >= 5:
                rows[4] = rows[1]
            else:
                rows.append(rows[0])
        entries = [playformat.entry_json(app, country) for app in rows]
        text = playformat.payload(entries, chart, moved=fault == "play_moved")
        return text[: len(text) // 2] if fault == "play_truncated" else text


def serve_play(
    sim: SimulatorServer, handler: _Handler, method: str, query: str, origin: str, now: datetime
) -> None:
    """Answer one request to PLAY_PATH (the body is read first, so keep-alive stays in step)."""
    loop_url = f"{origin}{PLAY_PATH}?{LOOP_MARK}"
    try:
        body = handler.read_body(MAX_BODY)
    except ValueError as exc:
        handler.close_connection = True
        page = playformat.bad_request_page(str(exc))
        sim._send(handler, Reply(400, page, HTML, outcome="bad_request"), now)
        return
    if LOOP_MARK in query:
        send_fault(sim, handler, "redirect_loop", 0.0, Reply(302), loop_url, now)
        return
    if method != "POST":
        sim._send(handler, Reply(405, b"Method Not Allowed", outcome="bad_method"), now)
        return
    try:
        asks, chunked = parse_post(query, body)
    except BadPost as exc:
        page = playformat.bad_request_page(str(exc))
        sim._send(handler, Reply(400, page, HTML, outcome="bad_request"), now)
        return
    decisions = [sim._plan.decide(a.key) if a.count else (None, 0.0) for a in asks]
    row_faults = [kind if kind in ROW_FAULTS else None for kind, _ in decisions]
    first = next((kind for kind in row_faults if kind is not None), None)
    content = sim.play.answer(asks, chunked, hour_of(now), row_faults)
    outcome = f"fault:{first}" if first else "ok"
    reply = Reply(200, content, playformat.CONTENT_TYPE, outcome=outcome)
    whole = next(((k, x) for k, x in decisions if k is not None and k not in ROW_FAULTS), None)
    if whole is None:
        sim._send(handler, reply, now)
    elif whole[0] == "play_captcha":
        status = sim.faults.captcha_status
        sim._send(
            handler, Reply(status, playformat.CAPTCHA_PAGE, HTML, outcome=f"fault:{whole[0]}"), now
        )
    else:
        send_fault(sim, handler, whole[0], whole[1], reply, loop_url, now)
