"""Who may read: loopback without a token, anywhere else only with one; the token in a header
or the login cookie, compared in constant time, never shown; security headers on every
response."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from tests.cli.conftest import Apprank
from tests.web.served import TOKEN, Client, make_app, story_config
from tracker.web import security
from tracker.web.security import CSP

BEARER = {"Authorization": f"Bearer {TOKEN}"}
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return story_config(tmp_path_factory.mktemp("security"))


@pytest.fixture(scope="module")
def app(config: Path) -> Iterator[FastAPI]:
    served, context = make_app(config, token=TOKEN)
    yield served
    context.workers.close()


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Client:
    return Client(app)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token-of-some-length"}, {"Authorization": TOKEN}],
    ids=["none", "wrong", "no-scheme"],
)
@pytest.mark.parametrize(
    "url", ["/api/v1/top", "/api/v1/export.csv", "/chart/rank.png?app=deepseek", "/openapi.json"]
)
def test_without_the_token_every_route_is_a_401(
    url: str, headers: dict[str, str], client: Client
) -> None:
    response = client.get(url, headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "error": "this server needs its token: Authorization: Bearer TOKEN",
        "param": "token",
    }


def test_the_token_opens_every_route_and_health_needs_none(client: Client) -> None:
    for url in ["/api/v1/top", "/api/v1/status", "/chart/rank.svg?app=deepseek&country=us"]:
        assert client.get(url, headers=BEARER).status_code == 200, url
    assert client.get("/healthz").status_code == 503  # open, and unhealthy: no daemon ran


def test_the_token_is_compared_in_constant_time(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[bytes, bytes]] = []
    compare = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        seen.append((a, b))
        return compare(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", spy)
    assert client.get("/api/v1/top", headers=BEARER).status_code == 200
    assert seen == [(TOKEN.encode(), TOKEN.encode())]


def test_a_browser_asking_for_a_page_is_sent_to_the_login_form(client: Client) -> None:
    response = client.get("/app/deepseek?country=us", headers={"Accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fapp%2Fdeepseek%3Fcountry%3Dus"
    assert client.get("/login").status_code == 200  # the form is open


def test_a_chart_page_goes_to_the_login_form_and_its_picture_answers_401(client: Client) -> None:
    html = {"Accept": "text/html"}
    page = client.get("/chart/apple/us/top-free", headers=html)
    assert (page.status_code, page.headers["location"]) == (
        303,
        "/login?next=%2Fchart%2Fapple%2Fus%2Ftop-free",
    )
    picture = client.get("/chart/rank.svg?app=deepseek", headers=html)  # an <img>, not a page
    assert picture.status_code == 401
    assert picture.json()["param"] == "token"


def test_login_sets_a_strict_http_only_cookie_that_opens_the_routes(client: Client) -> None:
    response = client.post("/login", data={"token": TOKEN, "next": "/app/deepseek"})
    assert response.status_code == 303
    assert response.headers["location"] == "/app/deepseek"
    cookie = response.headers["set-cookie"]
    value = cookie.split(";")[0].split("=", 1)[1]
    assert value == security.session_value(TOKEN) and TOKEN not in cookie
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes
    assert "secure" not in attributes  # no https public_url
    opened = Client(client.app, {"Cookie": f"{security.COOKIE}={value}"})
    assert opened.get("/api/v1/top").status_code == 200
    forged = Client(client.app, {"Cookie": f"{security.COOKIE}={TOKEN}"})
    assert forged.get("/api/v1/top").status_code == 401


def test_login_answers_json_to_json_and_refuses_a_wrong_token(client: Client) -> None:
    assert client.post("/login", json={"token": TOKEN}).json() == {"ok": True}
    wrong = client.post("/login", json={"token": "not-the-token-at-all"})
    assert (wrong.status_code, wrong.json()) == (401, {"error": "wrong token", "param": "token"})
    assert "set-cookie" not in wrong.headers


@pytest.mark.parametrize("next_path", ["//evil.example/x", "https://evil.example/", "/\\evil", ""])
def test_login_never_sends_a_browser_to_another_site(next_path: str, client: Client) -> None:
    response = client.post("/login", data={"token": TOKEN, "next": next_path})
    assert (response.status_code, response.headers["location"]) == (303, "/")


def test_every_response_carries_the_security_headers(client: Client) -> None:
    responses = [
        client.get("/api/v1/top", headers=BEARER),  # 200
        client.get("/api/v1/top"),  # 401
        client.get("/api/v1/top?country=zz", headers=BEARER),  # 400
        client.get("/api/v1/nope", headers=BEARER),  # 404
        client.get("/healthz"),  # 503
        client.get("/static/apprank.css"),  # a static file
        client.get("/chart/rank.svg?app=deepseek&country=us", headers=BEARER),
        client.post("/login", data={"token": TOKEN}),  # 303
    ]
    for response in responses:
        shown = {name: response.headers.get(name) for name in SECURITY_HEADERS}
        assert shown == SECURITY_HEADERS, (response.request.url, response.status_code)
    assert "unsafe-inline" not in CSP


def test_the_token_appears_in_no_answer_and_no_log(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answers = [
        client.get("/api/v1/top", headers={"Authorization": f"Bearer {TOKEN[:-1]}x"}),
        client.post("/login", data={"token": TOKEN[:-1] + "x"}),
        client.post("/login", data={"token": TOKEN}),
        client.get("/api/v1/history?app=nosuchapp", headers=BEARER),
        client.get("/openapi.json", headers=BEARER),
        client.get("/login"),
    ]
    for response in answers:
        assert TOKEN not in response.text and TOKEN[:-1] not in response.text
        assert all(TOKEN not in value for value in response.headers.values())
    assert "failed login from" in caplog.text
    assert TOKEN[:-1] not in caplog.text


def test_a_token_from_the_environment_is_used_and_a_bad_one_refused(config: Path) -> None:
    served, context = make_app(config, environ={"APPRANK_WEB_TOKEN": TOKEN})
    try:
        assert context.settings.token == TOKEN
        assert TOKEN not in repr(context.settings)
        assert Client(served, BEARER).get("/api/v1/top").status_code == 200
        assert Client(served).get("/api/v1/top").status_code == 401
    finally:
        context.workers.close()


def test_serving_beyond_loopback_without_a_token_exits_2_with_one_line(
    config: Path, apprank: Apprank
) -> None:
    result = apprank("serve", "--host", "0.0.0.0", "--config", config)
    assert result.code == 2
    assert result.stderr == (
        "Error: refusing to serve on 0.0.0.0 without a token: anyone who can reach it could "
        "read the history; set one with --token, $APPRANK_WEB_TOKEN or [web] token, or serve "
        "on 127.0.0.1\n"
    )
    short = apprank("serve", "--host", "0.0.0.0", "--token", "tooshort", "--config", config)
    assert short.code == 2
    assert short.stderr.startswith("Error: --token: the token must be at least 16 characters")
    assert "tooshort" not in short.stderr
