"""Google Play top charts, through the Play web app's internal RPC (`batchexecute`, rpc id
`vyAe2`): ../shared/docs/feeds.md section 6.

Google documents no chart API. The request is parse-play's minimal form (baltpeter/parse-play
`src/endpoints/top-charts.ts`), which google-play-scraper's (`lib/list.js`) shares in substance;
both are public scrapers, and this shape has not been checked against a live capture from this
repository. Expect a redesign about once a year (feeds.md 6.5): the parse asserts the payload's
shape (tracker/fetch/sources/googleplay_payload.py) so that a change is refused and named, never
stored as ranks.

One chart per POST, although the endpoint takes several `vyAe2` calls in one body (parse-play
batches them): each chart then fails, retries and is archived on its own, as every other source's
charts are, and one refused chart does not take its neighbours' ranks with it.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote, urlencode, urlsplit

import orjson

from tracker.config.facts import GOOGLEPLAY, SourceSettings
from tracker.config.playcategories import play_category_code
from tracker.errors import FeedFormatError
from tracker.fetch.request import HttpRequest, with_params
from tracker.fetch.sources.base import check_entries
from tracker.fetch.sources.googleplay_payload import entries_of, entry_list
from tracker.models import ChartRequest, ChartSnapshot
from tracker.text.redact import quoted
from tracker.text.values import PACKAGE_NAMES

RPC_ID = "vyAe2"
ENDPOINT = "/_/PlayStoreUi/data/batchexecute"
CONTENT_TYPE = "application/x-www-form-urlencoded;charset=UTF-8"
# The 4th element of the request's call, echoed as the last element of its answer row (a
# google-play-scraper request sends "generic" there, and answers are matched on either).
REQUEST_INDEX = "0"
ANSWER_INDEXES = (REQUEST_INDEX, "generic")
CHART_CODES = {
    "top-free": "topselling_free",
    "top-paid": "topselling_paid",
    "top-grossing": "topgrossing",
}
# The body's first line, which keeps a browser from running the answer as a script.
PREFIX = b")]}'"
# Reported in 200 answers the gateway refused (feeds.md 6.3).
GATEWAY_ERROR = b"com.google.play.gateway.proto.PlayGatewayError"


class GooglePlaySource:
    """Top free, paid and grossing phone apps per country, by category; at most 200 deep."""

    # The facts the configuration checks tracks against: one home, tracker/config/facts.py.
    name: ClassVar[str] = GOOGLEPLAY.name
    charts: ClassVar[tuple[str, ...]] = GOOGLEPLAY.charts
    devices: ClassVar[tuple[str, ...]] = GOOGLEPLAY.devices
    max_depth: ClassVar[int] = GOOGLEPLAY.max_depth
    supports_categories: ClassVar[bool] = GOOGLEPLAY.supports_categories
    default_base_url: ClassVar[str] = GOOGLEPLAY.default_base_url

    def url(self, request: ChartRequest, base_url: str, language: str = "en") -> str:
        """The endpoint the chart is posted to, with its query: what is logged and stored."""
        root = base_url.rstrip("/")
        query = urlencode({"hl": language, "gl": request.key.country.upper()})
        return f"{root}{ENDPOINT}?rpcids={RPC_ID}&source-path=%2Fstore%2Fapps&{query}"

    def request(self, request: ChartRequest, settings: SourceSettings) -> HttpRequest:
        url = with_params(self.url(request, settings.base_url, settings.language), settings.params)
        # A Content-Type among the settings' headers replaces this one rather than doubling it.
        given = {name.lower() for name, _ in settings.headers}
        ours = () if "content-type" in given else (("Content-Type", CONTENT_TYPE),)
        return HttpRequest("POST", url, ours + settings.headers, form_body(request))

    def parse(self, request: ChartRequest, body: bytes, *, url: str = "") -> ChartSnapshot:
        data = orjson_loads(_payload(body, url), url, "the vyAe2 payload")
        rows = entry_list(data, url)
        entries = entries_of(rows, url, _origin(url))
        return ChartSnapshot(
            request=request,
            entries=check_entries(request, entries, url, ids=PACKAGE_NAMES),
            feed_updated_at=None,  # Google Play says nothing of when its chart was computed
            url=url,
        )


def form_body(request: ChartRequest) -> bytes:
    """`f.req=<the call, JSON, url-encoded>`: parse-play's minimal chart call (feeds.md 6.2)."""
    key = request.key
    chart = [2, CHART_CODES[key.chart], play_category_code(key.category)]
    inner = orjson.dumps([[None, [[None, [None, request.depth]], None, None, [113]], chart]])
    call = orjson.dumps([[[RPC_ID, inner.decode(), None, REQUEST_INDEX]]]).decode()
    return f"f.req={quote(call, safe='')}".encode()


def orjson_loads(text: str | bytes, url: str, what: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise FeedFormatError(
            f"{what} is malformed or truncated JSON (at byte {exc.pos} of {len(text)}) from {url}",
            url=url,
        ) from None


def answer_rows(body: bytes, url: str) -> list[Any]:
    """The rows of the batchexecute answer, in both framings (feeds.md 6.3): `)]}'`, a blank
    line, then one JSON array, or (`rt=c`) lines alternating a length and a JSON array.

    The lengths are not checked: implementations disagree on their unit (bytes or UTF-16 code
    units), and a cut-off chunk fails as JSON anyway.
    """
    if not body.startswith(PREFIX):
        raise FeedFormatError(f"{_not_an_answer(body)} from {url}", url=url)
    rows: list[Any] = []
    for number, line in enumerate(body[len(PREFIX) :].split(b"\n"), start=1):
        line = line.strip()
        if not line or line.isdigit():
            continue
        chunk = orjson_loads(line, url, f"line {number} of the answer")
        if type(chunk) is not list:
            raise FeedFormatError(f"line {number} of the answer is not a list from {url}", url=url)
        rows.extend(chunk)
    return rows


def _payload(body: bytes, url: str) -> str:
    """The JSON text the `vyAe2` answer row carries; FeedFormatError for an answer without one."""
    rows = answer_rows(body, url)
    for row in rows:
        if (
            type(row) is list
            and len(row) >= 3
            and row[0] == "wrb.fr"
            and row[1] == RPC_ID
            and row[-1] in ANSWER_INDEXES
        ):
            payload = row[2]
            if type(payload) is str:
                return payload
            if GATEWAY_ERROR in body:
                break
            code = row[5] if len(row) > 5 else None
            raise FeedFormatError(
                f"Google Play answered no payload ({_error_code(code)}) from {url}", url=url
            )
    if GATEWAY_ERROR in body:
        raise FeedFormatError(
            f"Google Play's gateway refused the request (PlayGatewayError) from {url}", url=url
        )
    raise FeedFormatError(f"no {RPC_ID} answer row in the response from {url}", url=url)


def _error_code(code: Any) -> str:
    if type(code) is list and code and type(code[0]) is int:
        return f"error code {code[0]}"
    return "no error code" if code is None else f"error {quoted(str(code))}"


def _not_an_answer(body: bytes) -> str:
    start = body[:60].decode("utf-8", "replace").strip().lower()
    if not start:
        return "an empty body, not a Google Play answer"
    if start.startswith("<"):
        return "an HTML page, not a Google Play answer (a captcha or consent page?)"
    if GATEWAY_ERROR in body:
        return "Google Play's gateway refused the request (PlayGatewayError)"
    return "no )]}' line opening the answer: not a Google Play answer"


def _origin(url: str) -> str:
    """scheme://host[:port] of the request URL (the details links are relative to it)."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return GOOGLEPLAY.default_base_url
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"
