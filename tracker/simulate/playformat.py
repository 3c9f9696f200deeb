"""Render Google Play charts as the Play web app's `batchexecute` endpoint answers rpc `vyAe2`
(feeds.md 6.3 framing, 6.4 positional payload).

The payload (the JSON string in each `wrb.fr` row):

    data = [[null, [container]]]; container: 29 elements, 27 null, [3] a one-element list,
    [28] = [entries]; entry = [meta (23 elements), [[null, null, [null, category name]]], 0|1|2]

Framing, after `)]}'` and a blank line:

- without `rt=c`: one line, a JSON array of one `wrb.fr` row per request, then `["di", n]`
  and `["af.httprm", n, "<digits>", 7]` (parse-play asserts requests + 2 rows);
- with `rt=c`: length-prefixed chunks, `<len>\\n<json array>\\n` each. Each `wrb.fr` row has its
  own chunk (rows stream as they finish); `di` and `af.httprm` ride in the last one (for one
  request that is feeds.md's `[["wrb.fr",...],["di",n],["af.httprm",...]]`), and the last chunk
  is `[["e",4,null,null,<n>]]`, n the characters of the chunks before it. `<len>` is the length
  in characters (code points, not UTF-8 bytes) of the JSON array that follows, not counting its
  newline: the public Go test double's reading. A parser that slices by bytes breaks on the
  first non-ASCII name; reading line by line works (JSON text holds no raw newline).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import orjson

from tracker.simulate.formats import local_price
from tracker.simulate.playcatalog import CATEGORIES, PlayApp

RPC_ID = "vyAe2"
XSSI = b")]}'\n\n"
CONTENT_TYPE = "application/json; charset=utf-8"
GATEWAY_ERROR = "type.googleapis.com/com.google.play.gateway.proto.PlayGatewayError"
CHART_TITLES = {"top-free": "Top free", "top-paid": "Top paid", "top-grossing": "Top grossing"}
NO_CHART = "[[null,null]]"  # an unknown chart or category: data[0][1] is null
_PLACEHOLDER = "@ENTRIES@"
_DETAILS = "https://play.google.com/store/apps/details?id="


@lru_cache(maxsize=65_536)
def entry_json(app: PlayApp, country: str) -> str:
    """One serialized entry (static per country and listing, so cached)."""
    amount, currency, _, _ = local_price(country, app.price)
    category = CATEGORIES[app.category]
    buy = [None, None, None, None, None, [None, None, _DETAILS + app.package]]
    meta: list[Any] = [
        [app.package, 7],
        [None, 2, [512, 512], [None, None, app.icon]],
        [],
        app.title,
        [f"{app.rating:.1f}", app.rating],
        category,
        None,
        None,
        [
            None,
            [[round(amount * 1_000_000), currency]],
            None,
            None,
            None,
            None,
            buy,
            None,
            ["CAE="],
        ],
        None,
        [None, None, None, None, [None, None, "/store/apps/details?id=" + app.package]],
        None,
        None,
        [None, app.summary],
        app.developer,
        app.installs,
        *([None] * 7),
    ]
    return orjson.dumps([meta, [[None, None, [None, category]]], app.kind]).decode()


def payload(entries: Sequence[str], chart: str, *, moved: bool = False) -> str:
    """The inner JSON for serialized entries; `moved` puts the list at container[27] and null
    at [28], as a redesign shifting the index paths would (the play_moved fault)."""
    container: list[Any] = [None] * 29
    container[3] = [CHART_TITLES[chart]]
    container[27 if moved else 28] = [_PLACEHOLDER]
    skeleton = orjson.dumps([[None, [container]]]).decode()
    return skeleton.replace(f'"{_PLACEHOLDER}"', "[" + ",".join(entries) + "]", 1)


def row(index: Any, data: str | None, error: Any = None) -> bytes:
    """One `wrb.fr` row; `index` echoes the request tuple's 4th element."""
    return orjson.dumps(["wrb.fr", RPC_ID, data, None, None, error, index])


def null_row(index: Any) -> bytes:
    """The failure form: null payload, error code [3]."""
    return row(index, None, [3])


def gateway_error_row(index: Any) -> bytes:
    """A row whose error names Play's gateway error (the detail after the name is invented)."""
    return row(index, None, [13, None, [[GATEWAY_ERROR, [2, "Internal error encountered."]]]])


def _bookkeeping(seed: int, hour: int, rows: int) -> tuple[bytes, bytes]:
    millis = 38 + 11 * rows + hour % 17
    digest = hashlib.blake2b(f"httprm:{seed}:{hour}".encode(), digest_size=8).digest()
    digits = str(int.from_bytes(digest, "big") % 10**19).rjust(19, "1")
    return orjson.dumps(["di", millis]), orjson.dumps(["af.httprm", millis - 1, digits, 7])


def body(rows: Sequence[bytes], *, chunked: bool, seed: int, hour: int) -> bytes:
    """The whole response body in either framing (module docstring)."""
    di, httprm = _bookkeeping(seed, hour, len(rows))
    if not chunked:
        return XSSI + b"[" + b",".join([*rows, di, httprm]) + b"]\n"
    arrays = [b"[" + r + b"]" for r in rows[:-1]]
    arrays.append(b"[" + b",".join([*rows[-1:], di, httprm]) + b"]")
    text = "".join(f"{len(a.decode())}\n{a.decode()}\n" for a in arrays)
    end = f'[["e",4,null,null,{len(text)}]]'
    return XSSI + (text + f"{len(end)}\n{end}\n").encode()


CAPTCHA_PAGE = (
    b'<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8">'
    b"<title>https://play.google.com/_/PlayStoreUi/data/batchexecute</title></head>"
    b'<body><div id="infoDiv">Unusual traffic from your network: please show that you are not a '
    b"robot before asking again.</div>"
    b'<form id="captcha-form" action="/sorry/index" method="post">'
    b'<div class="g-recaptcha" data-sitekey="simulated"></div>'
    b'<input type="hidden" name="continue" value="https://play.google.com/"></form>'
    b"<div>IP address: 127.0.0.1<br>Time: simulated</div></body></html>\n"
)


def bad_request_page(reason: str) -> bytes:
    """Google's plain 400 page, with the simulator's reason in a comment (for whoever reads it)."""
    safe = reason.replace("--", "- -")
    return (
        "<!DOCTYPE html>\n<html lang=en><meta charset=utf-8><title>Error 400 (Bad Request)</title>"
        "<p><b>400.</b> <ins>That is an error.</ins><p>The request was malformed or illegal."
        f"\n<!-- apprank simulator: {safe} -->\n"
    ).encode()
