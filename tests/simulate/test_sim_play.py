"""Google Play on the simulator, over real HTTP: the batchexecute request and both framings, the
positional payload, depth, what is refused, and every Play fault kind's exact shape."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.simulate.playwire import PATH, by_index, container, decode, entries, form, inner, post
from tracker.simulate import FAULT_KINDS, FaultConfig, SimulatorServer
from tracker.simulate.playcatalog import valid_package

FREE = ("topselling_free", "APPLICATION", 100)
PAID_GAMES = ("topselling_paid", "GAME", 5)
GROSSING = ("topgrossing", "PRODUCTIVITY", 7)


def test_both_framings_carry_the_same_chart(client: httpx.Client) -> None:
    plain = post(client, FREE)
    chunked = post(client, FREE, rt=True)
    assert plain.status_code == chunked.status_code == 200
    assert plain.headers["x-apprank-simulated"] == "1"
    rows, chunks = decode(plain.content), decode(chunked.content)
    assert [r[0] for r in rows] == ["wrb.fr", "di", "af.httprm"]  # requests + 2 (parse-play)
    assert [r[0] for r in chunks] == ["wrb.fr", "di", "af.httprm", "e"]
    assert rows[0] == chunks[0] and rows[0][-1] == "0"
    assert len(entries(rows[0])) == 100
    lines = chunked.text.split("\n")
    assert lines[:2] == [")]}'", ""] and json.loads(lines[3])[0][0] == "wrb.fr"  # line 3
    assert int(lines[2]) == len(lines[3]) < len(lines[3].encode())  # characters, not bytes


def test_several_requests_in_one_post_are_matched_by_index(client: httpx.Client) -> None:
    response = post(client, FREE, PAID_GAMES, GROSSING)
    rows = [r for r in decode(response.content) if r[0] == "wrb.fr"]
    assert len(decode(response.content)) == 3 + 2
    assert sorted(r[-1] for r in rows) == ["0", "1", "2"]
    assert [r[-1] for r in rows] != ["0", "1", "2"]  # out of order, as the real rows come
    answered = by_index(rows)
    for index, chart in enumerate((FREE, PAID_GAMES, GROSSING)):
        alone = decode(post(client, chart).content)[0]
        assert entries(answered[str(index)]) == entries(alone)
    paid = entries(answered["1"])
    assert len(paid) == 5 and all(e.price_micros > 0 and e.kind == 1 for e in paid)
    assert {e.category for e in entries(answered["2"])} == {"Productivity"}
    chunked = decode(post(client, FREE, PAID_GAMES, GROSSING, rt=True).content)
    assert by_index(chunked) == answered


@pytest.mark.parametrize(("asked", "served"), [(1, 1), (37, 37), (200, 200), (500, 200)])
def test_the_depth_asked_is_served_up_to_200(client: httpx.Client, asked: int, served: int) -> None:
    chart = entries(decode(post(client, ("topselling_free", "GAME", asked)).content)[0])
    assert len(chart) == served
    assert len({e.package for e in chart}) == served
    assert all(valid_package(e.package) and e.path.endswith(f"?id={e.package}") for e in chart)


def test_entry_fields(client: httpx.Client, sim: SimulatorServer) -> None:
    sim.clock.set(sim.clock.now().replace(day=29))
    us = entries(decode(post(client, ("topselling_free", "APPLICATION", 20)).content)[0])
    chatgpt = next(e for e in us if e.package == "com.openai.chatgpt")
    assert us[0] == chatgpt and chatgpt.title == "ChatGPT" and chatgpt.developer == "OpenAI"
    assert (chatgpt.installs, chatgpt.rating, chatgpt.rating_text) == ("500,000,000+", 4.7, "4.7")
    assert [e.package for e in us].index("com.deepseek.chat") == 2  # #3 in the US, 29 Jan
    assert all(e.price_micros == 0 and e.currency == "USD" for e in us)
    assert all(1.0 <= e.rating <= 5.0 and e.rating_text == f"{e.rating:.1f}" for e in us)
    assert all(e.installs.endswith("+") and e.installs[0].isdigit() for e in us)
    for gl, currency, whole in (("JP", "JPY", True), ("DE", "EUR", False), ("US", "USD", False)):
        paid = entries(
            decode(post(client, ("topselling_paid", "APPLICATION", 50), gl=gl).content)[0]
        )
        assert {e.currency for e in paid} == {currency} and len(paid) == 50
        assert all(e.price_micros > 0 and (e.price_micros % 1_000_000 == 0) == whole for e in paid)


def test_china_has_no_google_play(client: httpx.Client) -> None:
    for gl in ("CN", "cn"):
        row = decode(post(client, FREE, gl=gl).content)[0]
        assert container(row)[28] == [[]]  # a valid payload with no entries, always


def test_unknown_charts_and_odd_requests_get_their_own_rows(client: httpx.Client) -> None:
    calls = [
        ["vyAe2", inner("topselling_new", "APPLICATION", 10), None, "a"],
        ["vyAe2", inner("topselling_free", "NOT_A_CATEGORY", 10), None, "b"],
        ["vyAe2", json.dumps({"not": "a request"}), None, "c"],
        ["vyAe2", inner("topselling_free", "APPLICATION", 0), None, "d"],
        ["vyAe2", "not json", None, "e"],
        ["vyAe2", inner("topselling_free", "APPLICATION", 3)],  # no index: "generic"
    ]
    response = client.post(PATH, content=urlencode({"f.req": json.dumps([calls])}))
    rows = by_index(decode(response.content))
    assert rows["a"][2] == rows["b"][2] == "[[null,null]]"
    for index in "cde":
        assert rows[index] == ["wrb.fr", "vyAe2", None, None, None, [3], index]
    assert len(entries(rows["generic"])) == 3


@pytest.mark.parametrize(
    ("query", "body", "reason"),
    [
        ("", b"at=token", "no f.req"),
        ("", b"f.req=%5B%5B", "not JSON"),
        ("", urlencode({"f.req": '{"a": 1}'}).encode(), "is not [[[rpc"),
        ("", urlencode({"f.req": '[[["xyz12", "[]", null, "0"]]]'}).encode(), "unknown rpc"),
        ("?rpcids=abc", form(FREE).encode(), "rpcids does not list"),
        ("", urlencode({"f.req": "[[[1]]]"}).encode(), "is not [rpc, request"),
    ],
)
def test_bad_posts_are_refused_whole(
    client: httpx.Client, query: str, body: bytes, reason: str
) -> None:
    response = client.post(PATH + query, content=body)
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>") and reason in response.text
    assert post(client, FREE).status_code == 200  # the server carries on


def test_other_methods_and_bodies(client: httpx.Client) -> None:
    assert client.get(PATH).status_code == 405
    assert client.delete(PATH).status_code == 405
    assert post(client, FREE).status_code == 200
    assert client.get("/_control/stats").json()["by_outcome"]["bad_method"] == 2


# --- faults --------------------------------------------------------------------------------------


def force(
    sim: SimulatorServer, kind: str, key: str = "play/us/topselling_paid", captcha: int = 429
) -> None:
    sim.set_faults(FaultConfig(force={key: kind}, captcha_status=captcha))


def answer(client: httpx.Client, rt: bool = False) -> dict[str, list[Any]]:
    """A POST asking top free (index 0, clean) and top paid (index 1, where faults are forced)."""
    free, paid = ("topselling_free", "APPLICATION", 20), ("topselling_paid", "APPLICATION", 20)
    response = post(client, free, paid, rt=rt)
    assert response.status_code == 200
    return by_index(decode(response.content))


@pytest.mark.parametrize("rt", [False, True])
def test_row_faults_damage_their_chart_only(
    sim: SimulatorServer, client: httpx.Client, rt: bool
) -> None:
    clean = answer(client, rt)
    paid = entries(clean["1"])
    force(sim, "play_null_payload")
    rows = answer(client, rt)
    assert rows["1"] == ["wrb.fr", "vyAe2", None, None, None, [3], "1"]
    assert rows["0"] == clean["0"]
    force(sim, "play_gateway_error")
    rows = answer(client, rt)
    assert rows["1"][:5] == ["wrb.fr", "vyAe2", None, None, None] and rows["0"] == clean["0"]
    assert "com.google.play.gateway.proto.PlayGatewayError" in json.dumps(rows["1"][5])
    force(sim, "play_truncated")
    cut = answer(client, rt)["1"][2]
    assert isinstance(cut, str) and clean["1"][2].startswith(cut)
    assert len(cut) == len(clean["1"][2]) // 2
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut)
    force(sim, "play_moved")
    box = container(answer(client, rt)["1"])
    assert box[28] is None and [e[0][0][0] for e in box[27][0]] == [e.package for e in paid]
    force(sim, "play_duplicate")
    twice = [e.package for e in entries(answer(client, rt)["1"])]
    assert len(twice) == 20 and len(set(twice)) == 19 and twice[4] == twice[1] == paid[1].package
    force(sim, "play_extra_rows")
    extra = entries(answer(client, rt)["1"])
    assert len(extra) == 25 and extra[:20] == paid
    force(sim, "empty")
    assert container(answer(client, rt)["1"])[28] == [[]]


def test_extra_rows_go_past_200(sim: SimulatorServer, client: httpx.Client) -> None:
    force(sim, "play_extra_rows", key="play/us/topselling_free/game")
    assert len(entries(decode(post(client, ("topselling_free", "GAME", 200)).content)[0])) == 205


@pytest.mark.parametrize("status", [429, 503])
def test_captcha(sim: SimulatorServer, client: httpx.Client, status: int) -> None:
    force(sim, "play_captcha", captcha=status)
    response = post(client, FREE, ("topselling_paid", "APPLICATION", 5))
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert 'id="captcha-form"' in response.text and "g-recaptcha" in response.text
    assert post(client, FREE).status_code == 200  # only requests asking the forced chart
    assert client.get("/_control/stats").json()["by_outcome"]["fault:play_captcha"] == 1


def test_generic_faults_answer_the_whole_post(sim: SimulatorServer, client: httpx.Client) -> None:
    clean = post(client, ("topselling_paid", "APPLICATION", 5)).content
    force(sim, "rate_limit")
    limited = post(client, FREE, ("topselling_paid", "APPLICATION", 5))
    assert limited.status_code == 429 and limited.headers["retry-after"] == "1"
    force(sim, "server_error")
    assert post(client, ("topselling_paid", "GAME", 5)).status_code in (500, 502, 503)
    force(sim, "truncated", key="play/us/topselling_paid/application")
    cut = post(client, ("topselling_paid", "APPLICATION", 5))
    assert cut.status_code == 200 and cut.content == clean[: len(clean) // 2]
    force(sim, "redirect_loop")
    first = post(client, FREE, ("topselling_paid", "GAME", 5))
    assert first.status_code == 302 and first.headers["location"].endswith(f"{PATH}?apprank_loop=1")
    with pytest.raises(httpx.TooManyRedirects):
        client.post(PATH, content=form(("topselling_paid", "GAME", 5)), follow_redirects=True)


def test_play_kinds_pass_apple_feeds_by(sim: SimulatorServer, client: httpx.Client) -> None:
    for kind in [k for k in FAULT_KINDS if k.startswith("play_")]:
        force(sim, kind, key="us")
        response = client.get("/api/v2/us/apps/top-free/10/apps.json")
        assert response.status_code == 200 and len(response.json()["feed"]["results"]) == 10


def test_play_fault_probabilities_are_deterministic(
    sim: SimulatorServer, client: httpx.Client
) -> None:
    def run(seed: int) -> list[bytes]:
        sim.set_faults(FaultConfig(seed=seed, play_null_payload=0.3, play_captcha=0.1))
        charts = [post(client, ("topselling_free", "GAME", 3), gl=gl) for gl in ("US", "GB") * 12]
        return [chart.content for chart in charts]

    first = run(4)
    assert first == run(4) and first != run(5)
    stats = client.get("/_control/stats").json()["by_outcome"]
    assert {"fault:play_null_payload", "fault:play_captcha", "ok"} <= set(stats)


def test_fault_settings() -> None:
    assert FAULT_KINDS[12:] == (
        "play_captcha",
        "play_null_payload",
        "play_gateway_error",
        "play_truncated",
        "play_moved",
        "play_duplicate",
        "play_extra_rows",
    )
    assert FaultConfig.from_dict({"play_moved": 1, "captcha_status": "503"}).captcha_status == 503
    with pytest.raises(ValueError, match="captcha_status must be 429 or 503, got 500"):
        FaultConfig(captcha_status=500)
