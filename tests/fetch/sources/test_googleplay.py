"""Google Play top charts (`batchexecute`, rpc `vyAe2`): the exact request, both framings of the
answer, the positional payload asserted path by path, and every refusal (feeds.md section 6).

The payloads are the synthesized shape of feeds.md 6.4 (tests/fetch/sources/playpayload.py),
not captures."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from tests.fetch.sources.playpayload import (
    PlayApp,
    answer,
    answer_row,
    apps,
    entry,
    framed,
    payload,
)
from tracker.config.facts import SourceSettings
from tracker.errors import FeedFormatError, FetchRefused
from tracker.fetch.http import HttpClient, HttpSettings
from tracker.fetch.pauses import HostGate
from tracker.fetch.sources import SOURCES, GooglePlaySource
from tracker.models import ChartKey, ChartRequest

SOURCE = GooglePlaySource()
BASE = "https://play.google.com"
ENDPOINT = f"{BASE}/_/PlayStoreUi/data/batchexecute"
URL = f"{ENDPOINT}?rpcids=vyAe2&source-path=%2Fstore%2Fapps&hl=en&gl=US"
E = "data[0][1][0][28][0]"  # the entry list


def request(
    chart: str = "top-free", category: str = "all", depth: int = 200, country: str = "us"
) -> ChartRequest:
    return ChartRequest(ChartKey("googleplay", country, chart, category, "phone"), depth)


def parse(body: bytes, depth: int = 200, url: str = URL):
    return SOURCE.parse(request(depth=depth), body, url=url)


def refusal(body: bytes, depth: int = 200) -> str:
    with pytest.raises(FeedFormatError) as caught:
        parse(body, depth)
    assert caught.value.url == URL
    return str(caught.value)


def f_req(body: bytes) -> Any:
    """The call a request body carries, decoded: [[["vyAe2", <inner JSON>, null, "0"]]]."""
    form = parse_qs(body.decode(), strict_parsing=True)
    assert list(form) == ["f.req"]
    return json.loads(form["f.req"][0])


# The request


def test_the_source_is_registered_with_its_facts() -> None:
    assert SOURCES["googleplay"] is not None
    assert (SOURCE.name, SOURCE.devices, SOURCE.max_depth) == ("googleplay", ("phone",), 200)
    assert SOURCE.charts == ("top-free", "top-paid", "top-grossing")


def test_one_chart_is_one_post_of_parse_plays_minimal_call() -> None:
    settings = SourceSettings(BASE + "/", "pt-BR", (("X-Extra", "1"),), (("authuser", "0"),))
    asked = SOURCE.request(request("top-grossing", "GAME_PUZZLE", 150, "br"), settings)
    assert asked.method == "POST"
    assert asked.url == (
        f"{ENDPOINT}?rpcids=vyAe2&source-path=%2Fstore%2Fapps&hl=pt-BR&gl=BR&authuser=0"
    )
    assert asked.headers == (
        ("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8"),
        ("X-Extra", "1"),
    )
    assert asked.body is not None
    call = f_req(asked.body)
    assert call == [[["vyAe2", call[0][0][1], None, "0"]]]
    assert json.loads(call[0][0][1]) == [
        [None, [[None, [None, 150]], None, None, [113]], [2, "topgrossing", "GAME_PUZZLE"]]
    ]


@pytest.mark.parametrize(
    ("chart", "category", "sent"),
    [("top-free", "all", ["topselling_free", "APPLICATION"]),
     ("top-paid", "GAME", ["topselling_paid", "GAME"]),
     ("top-grossing", "FAMILY", ["topgrossing", "FAMILY"])],
)  # fmt: skip
def test_chart_and_category_become_the_endpoints_codes(
    chart: str, category: str, sent: list[str]
) -> None:
    asked = SOURCE.request(request(chart, category), SourceSettings(BASE))
    assert asked.body is not None
    assert json.loads(f_req(asked.body)[0][0][1])[0][2] == [2, *sent]


def test_a_content_type_in_the_settings_replaces_the_sources_own() -> None:
    settings = SourceSettings(BASE, headers=(("content-type", "text/plain"),))
    assert SOURCE.request(request(), settings).headers == (("content-type", "text/plain"),)


@respx.mock
def test_the_exchange_on_the_wire() -> None:
    route = respx.post(ENDPOINT).mock(return_value=httpx.Response(200, content=answer(apps(3))))
    asked = SOURCE.request(request(depth=3, country="jp"), SourceSettings(BASE, "ja"))

    async def go() -> bytes:
        async with HttpClient(HttpSettings(retries=0)) as client:
            return (await client.send(asked)).body

    body = asyncio.run(go())
    sent = route.calls.last.request
    assert sent.method == "POST"
    assert parse_qs(urlsplit(str(sent.url)).query) == {
        "rpcids": ["vyAe2"],
        "source-path": ["/store/apps"],
        "hl": ["ja"],
        "gl": ["JP"],
    }
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded;charset=UTF-8"
    inner = json.loads(f_req(sent.content)[0][0][1])
    assert inner == [[None, [[None, [None, 3]], None, None, [113]], [2, "topselling_free",
                                                                     "APPLICATION"]]]  # fmt: skip
    snapshot = SOURCE.parse(request(depth=3, country="jp"), body, url=str(sent.url))
    assert [e.app_id for e in snapshot.entries] == [f"com.example.app{i}" for i in (1, 2, 3)]


@respx.mock
def test_a_captcha_page_comes_as_429_and_pauses_the_host() -> None:
    # Google's "unusual traffic" page answers 429 (after a redirect to google.com/sorry): the
    # HTTP layer refuses it before any parse, and counts it as throttling for play.google.com.
    respx.post(ENDPOINT).mock(
        return_value=httpx.Response(429, content=b"<html>unusual traffic</html>")
    )
    settings = HttpSettings(retries=0, pause_after=1, pause_initial=30.0)
    gate = HostGate(settings)

    async def go() -> None:
        async with HttpClient(settings, gate=gate) as client:
            await client.send(SOURCE.request(request(), SourceSettings(BASE)))

    with pytest.raises(FetchRefused) as caught:
        asyncio.run(go())
    assert caught.value.status == 429
    assert 29 < gate.remaining("play.google.com") <= 30


# The answer


@pytest.mark.parametrize("chunked", [False, True], ids=["one-array", "rt=c-chunks"])
def test_200_entries_parse_to_200_rows_exactly(chunked: bool) -> None:
    listed = apps(200)
    snapshot = parse(answer(listed, chunked=chunked))
    rows = snapshot.entries
    assert [e.rank for e in rows] == list(range(1, 201))
    assert [e.app_id for e in rows] == [a.app_id for a in listed]
    assert [e.name for e in rows] == [a.name for a in listed]
    assert [e.developer for e in rows] == [a.developer for a in listed]
    assert [e.price_micros for e in rows] == [a.price_micros for a in listed]
    assert [e.currency for e in rows] == [a.currency for a in listed]
    assert [e.rating for e in rows] == [a.rating for a in listed]
    assert [e.installs for e in rows] == [a.installs for a in listed]
    assert [e.genre for e in rows] == [a.genre for a in listed]
    assert [e.icon_url for e in rows] == [a.icon for a in listed]
    assert rows[2].price_micros == 2_970_000 and rows[4].currency == "EUR"
    assert rows[0].url == "https://play.google.com/store/apps/details?id=com.example.app1"
    assert snapshot.feed_updated_at is None
    assert snapshot.url == URL


def test_details_links_take_the_host_asked() -> None:
    url = "http://127.0.0.1:8123/_/PlayStoreUi/data/batchexecute?rpcids=vyAe2&hl=en&gl=US"
    snapshot = SOURCE.parse(request(), answer(apps(1)), url=url)
    assert snapshot.entries[0].url == "http://127.0.0.1:8123/store/apps/details?id=com.example.app1"


def test_an_app_without_rating_price_or_links_keeps_what_it_has() -> None:
    bare = entry(PlayApp("com.example.bare", "Bare"))
    meta = bare[0]
    meta[4] = None  # no rating yet
    meta[8] = None  # no offer
    meta[1] = [None, 2]  # no icon
    meta[10] = None  # no details link: the usual one is made
    meta[14] = None
    row = parse(answer([bare])).entries[0]
    assert (row.app_id, row.name, row.developer, row.icon_url) == (
        "com.example.bare",
        "Bare",
        None,
        None,
    )
    assert (row.rating, row.price_micros, row.currency) == (None, None, None)
    assert row.url == "https://play.google.com/store/apps/details?id=com.example.bare"


def test_the_answer_row_is_found_among_others_by_its_index() -> None:
    rows = [answer_row(payload(apps(1)), "1"), ["di", 9], answer_row(payload(apps(2)), "0")]
    assert len(parse(framed(rows, chunked=True)).entries) == 2


def test_google_play_scrapers_generic_index_is_accepted_too() -> None:
    assert len(parse(framed([answer_row(payload(apps(4)), "generic")])).entries) == 4


def test_a_chunk_of_bookkeeping_before_the_answer_is_skipped() -> None:
    chunks = [json.dumps([["di", 5]]), json.dumps([answer_row(payload(apps(2)))])]
    body = (")]}'\n\n" + "".join(f"{len(c)}\n{c}\n" for c in chunks)).encode()
    assert [e.name for e in parse(body).entries] == ["App 1", "App 2"]


# Refusals


def test_a_null_payload_names_its_error_code() -> None:
    body = b')]}\'\n\n[["wrb.fr","vyAe2",null,null,null,[3],"generic"]]'
    assert refusal(body) == f"Google Play answered no payload (error code 3) from {URL}"


def test_the_gateway_error_sentinel_in_a_200_body_is_named() -> None:
    sentinel = "type.googleapis.com/com.google.play.gateway.proto.PlayGatewayError"
    body = framed([["wrb.fr", "vyAe2", None, None, None, [5, None, [[sentinel]]], "0"]])
    assert refusal(body) == (
        f"Google Play's gateway refused the request (PlayGatewayError) from {URL}"
    )


def test_an_html_page_with_200_is_named() -> None:
    body = b"<!DOCTYPE html><html><title>Before you continue</title></html>"
    assert refusal(body) == (
        f"an HTML page, not a Google Play answer (a captcha or consent page?) from {URL}"
    )


def test_a_body_without_the_prefix_line_is_refused() -> None:
    assert refusal(b'[["wrb.fr"]]') == (
        f"no )]}}' line opening the answer: not a Google Play answer from {URL}"
    )


@pytest.mark.parametrize("chunked", [False, True], ids=["one-array", "rt=c-chunks"])
def test_a_truncated_answer_is_refused_naming_the_line(chunked: bool) -> None:
    body = answer(apps(5), chunked=chunked)
    cut = body[: len(body) * 2 // 3]
    line = 4 if chunked else 3
    message = refusal(cut)
    assert message.startswith(f"line {line} of the answer is malformed or truncated JSON (at byte")
    assert message.endswith(f"from {URL}")


def test_a_truncated_payload_string_is_refused() -> None:
    text = json.dumps(payload(apps(3)))
    message = refusal(framed([answer_row(text[:-40])]))
    assert message.startswith("the vyAe2 payload is malformed or truncated JSON (at byte ")


def test_an_answer_for_another_call_is_refused() -> None:
    body = framed([answer_row(payload(apps(1)), "7")])
    assert refusal(body) == f"no vyAe2 answer row in the response from {URL}"


def test_the_list_at_another_index_is_refused_naming_the_path() -> None:
    data = payload(apps(2))
    container = data[0][1][0]
    container[27], container[28] = container[28], None
    assert refusal(framed([answer_row(data)])) == (
        f"data[0][1][0][28] is not a list in Google Play's answer from {URL} "
        "(its chart layout may have changed)"
    )


def test_a_duplicated_package_is_refused() -> None:
    listed = apps(3)
    body = answer([listed[0], listed[1], listed[0]])
    assert refusal(body) == f"app com.example.app1 appears twice (again at rank 3) from {URL}"


def test_more_rows_than_asked_are_refused() -> None:
    assert refusal(answer(apps(6)), depth=5) == f"6 rows for a depth of 5 from {URL}"


@pytest.mark.parametrize("app_id", ["chat", "com.1app", "6737597349", "com.app name"])
def test_an_id_that_is_no_package_name_is_refused(app_id: str) -> None:
    body = answer([PlayApp("com.fine.app", "Fine"), PlayApp(app_id, "Odd")])
    assert refusal(body) == (
        f"app id '{app_id}' at rank 2 is not a package name (like com.example.app, at most 150 "
        f"characters) from {URL}"
    )


# Structural drift: each asserted path, broken in turn, is named.

Data = list[Any]


def _meta(change: Callable[[list[Any]], None]) -> Callable[[Data], None]:
    """A change to the second entry's meta."""
    return lambda data: change(data[0][1][0][28][0][1][0])


def _set(path: tuple[int, ...], value: Any) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        node = data
        for index in path[:-1]:
            node = node[index]
        node[path[-1]] = value

    return change


M = f"{E}[1][0]"  # the second entry's meta
DRIFT: dict[str, tuple[Callable[[Data], None] | Any, str]] = {
    "data": ({"a": 1}, "data is not a list"),
    "data[0]": ([None], "data[0] is not a list"),
    "data[0][1]": ([[None]], "data[0] has 1 elements, no [1]"),
    "container": (_set((0, 1, 0), "x"), "data[0][1][0] is not a list"),
    "container-length": (
        lambda d: d[0][1][0].append(None),
        "data[0][1][0] has 30 elements, not 29",
    ),
    "list-holder": (_set((0, 1, 0, 28), None), "data[0][1][0][28] is not a list"),
    "list": (_set((0, 1, 0, 28, 0), {"apps": []}), f"{E} is not a list"),
    "entry": (_set((0, 1, 0, 28, 0, 1), "x"), f"{E}[1] is not a list"),
    "entry-empty": (_set((0, 1, 0, 28, 0, 1), []), f"{E}[1] is empty"),
    "meta": (_set((0, 1, 0, 28, 0, 1, 0), None), f"{M} is not a list"),
    "meta-length": (_meta(lambda m: m.pop()), f"{M} has 22 elements, not 23"),
    "id-holder": (_meta(_set((0,), "com.x.y")), f"{M}[0] is not a list"),
    "id": (_meta(_set((0, 0), 7)), f"{M}[0][0] is not text (int)"),
    "name": (_meta(_set((3,), ["App"])), f"{M}[3] is not text (list)"),
    "developer": (_meta(_set((14,), 5)), f"{M}[14] is not text (int)"),
    "icon-holder": (_meta(_set((1, 3), "x")), f"{M}[1][3] is not a list"),
    "icon": (_meta(_set((1, 3, 2), 1)), f"{M}[1][3][2] is not text (int)"),
    "link-holder": (_meta(_set((10,), "/store")), f"{M}[10] is not a list"),
    "genre": (_meta(_set((5,), {"name": "x"})), f"{M}[5] is not text (dict)"),
    "rating-holder": (_meta(_set((4,), "4.5")), f"{M}[4] is not a list"),
    "rating": (_meta(_set((4, 1), "4.5")), f"{M}[4][1] is not a number (str)"),
    "installs": (_meta(_set((15,), 1000)), f"{M}[15] is not text (int)"),
    "price": (_meta(_set((8, 1, 0, 0), 0.99)), f"{M}[8][1][0][0] is not a whole number (float)"),
    "price-flag": (
        _meta(_set((8, 1, 0, 0), True)),
        f"{M}[8][1][0][0] is not a whole number (bool)",
    ),
    "currency": (_meta(_set((8, 1, 0, 1), 840)), f"{M}[8][1][0][1] is not text (int)"),
    "offer-holder": (_meta(_set((8, 1), "USD")), f"{M}[8][1] is not a list"),
}


@pytest.mark.parametrize(("change", "named"), DRIFT.values(), ids=DRIFT.keys())
def test_each_asserted_path_broken_is_named(
    change: Callable[[Data], None] | Any, named: str
) -> None:
    data = copy.deepcopy(payload(apps(3)))
    if callable(change):
        change(data)
    else:
        data = change
    assert refusal(framed([answer_row(data)])) == (
        f"{named} in Google Play's answer from {URL} (its chart layout may have changed)"
    )


@pytest.mark.parametrize(
    ("details", "named"),
    [
        ({"rating": 7.5}, "data[0][1][0][28][0][1][0][4][1] is 7.5, not a rating from 0 to 5"),
        (
            {"price_micros": 2**60},
            f"data[0][1][0][28][0][1][0][8][1][0][0] is {2**60}, not a price in micros",
        ),
        ({"price_micros": -1}, "data[0][1][0][28][0][1][0][8][1][0][0] is -1, not a price"),
        (
            {"currency": "DOLLARS"},
            "data[0][1][0][28][0][1][0][8][1][0][1] is 'DOLLARS', not a currency code like USD",
        ),
        ({"currency": "us$"}, "data[0][1][0][28][0][1][0][8][1][0][1] is 'us$', not a currency"),
    ],
)
def test_details_no_storefront_serves_are_refused_by_path(
    details: dict[str, Any], named: str
) -> None:
    """What the store's columns could not hold exactly is refused at the parse, not at the
    write (where it would fail the whole batch)."""
    listed = apps(2)
    listed[1] = dataclasses.replace(listed[1], **details)
    assert refusal(answer(listed)).startswith(named)


def test_a_control_character_in_the_installs_text_is_cleaned() -> None:
    listed = apps(1)
    listed[0] = dataclasses.replace(listed[0], installs="1,000+\x00")
    (entry,) = parse(answer(listed), 200).entries
    assert entry.installs == "1,000+"
