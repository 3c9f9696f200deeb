"""Bad input is a 4xx naming the parameter, `{"error": ..., "param": ...}`, never a 500 or a
traceback; an unexpected error is a 500 without one, logged with it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.served import Client, make_app, story_config

LONG = "x" * 5000
# (URL, status, param); param None: the answer names none
CASES = {
    "unknown-country": ("/api/v1/top?country=zz", 400, "country"),
    "unknown-chart": ("/api/v1/top?chart=top-weird", 400, "chart"),
    "chart-not-of-source": ("/api/v1/top?source=apple&chart=top-grossing", 400, "chart"),
    "unknown-source": ("/api/v1/history?app=deepseek&source=nope", 400, "source"),
    "unknown-app": ("/api/v1/history?app=nosuchapp", 400, "app"),
    "no-app": ("/api/v1/history", 400, "app"),
    "bad-since": ("/api/v1/history?app=deepseek&since=yesterday-ish", 400, "since"),
    "since-after-until": (
        "/api/v1/history?app=deepseek&since=2025-01-27&until=2025-01-26",
        400,
        "since",
    ),
    "bad-every": ("/api/v1/history?app=deepseek&every=0s", 400, "every"),
    "negative-limit": ("/api/v1/movers?limit=-1", 400, "limit"),
    "zero-limit": ("/api/v1/top?limit=0", 400, "limit"),
    "limit-not-a-number": ("/api/v1/top?limit=abc", 400, "limit"),
    "long-parameter": (f"/api/v1/history?app=deepseek&country={LONG}", 400, "country"),
    "control-character-in-a-parameter": ("/api/v1/top?country=u%00s", 400, "country"),
    "control-character-in-the-path": ("/api/v1/top%0a", 400, "path"),
    "nul-in-the-path": ("/app/deep%00seek", 400, "path"),
    "one-app-to-compare": ("/api/v1/compare?app=deepseek", 400, "app"),
    "bad-at": ("/api/v1/leaders?app=deepseek&at=notatime", 400, "at"),
    "rank-zero": ("/api/v1/leaders?app=deepseek&rank=0", 400, "rank"),
    "empty-search": ("/api/v1/apps?q=", 400, "q"),
    "search-limit": ("/api/v1/apps?q=a&limit=1000", 400, "limit"),
    "export-format": ("/api/v1/export.xml", 400, "format"),
    "export-country": ("/api/v1/export.csv?country=zz", 400, "country"),
    "export-app": ("/api/v1/export.jsonl?app=nosuchapp", 400, "app"),
    "chart-kind": ("/chart/pie.png?app=deepseek", 400, "kind"),
    "chart-format": ("/chart/rank.gif?app=deepseek", 400, "format"),
    "chart-no-app": ("/chart/rank.png", 400, "app"),
    "chart-time-zone": ("/chart/rank.png?app=deepseek&tz=Mars/Olympus", 400, "tz"),
    "chart-scale": ("/chart/rank.png?app=deepseek&scale=huge", 400, "scale"),
    "nothing-stored": ("/api/v1/stats?app=deepseek&country=de", 404, None),
    "nothing-to-draw": ("/chart/rank.png?app=deepseek&country=de", 404, None),
    "no-such-route": ("/api/v1/nope", 404, None),
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    app, context = make_app(story_config(tmp_path_factory.mktemp("bad")))
    yield Client(app)
    context.workers.close()


@pytest.mark.parametrize("name", CASES)
def test_bad_input_is_a_4xx_naming_the_parameter(name: str, client: Client) -> None:
    url, status, param = CASES[name]
    response = client.get(url)
    assert response.status_code == status, response.text
    body = response.json()
    assert body.get("param") == param
    assert isinstance(body["error"], str) and body["error"] and "\n" not in body["error"]
    assert "Traceback" not in response.text and len(response.text) < 600


def test_the_errors_say_what_is_wrong(client: Client) -> None:
    def error(url: str) -> str:
        return str(client.get(url).json()["error"])

    assert error("/api/v1/top?country=zz") == (
        "'zz' is not an App Store storefront code (e.g. us, gb, jp)"
    )
    assert error("/api/v1/history?app=nosuchapp") == (
        "no stored app matches 'nosuchapp' (give a store id, an [apps] alias or part of the "
        "app's name)"
    )
    assert error("/api/v1/top?limit=0") == "--limit: must be at least 1, not 0"
    assert error(f"/api/v1/history?app=deepseek&country={LONG}") == (
        "country: longer than 1000 characters"
    )


def test_an_unexpected_error_is_a_500_without_its_traceback_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(name: str) -> None:
        if name == "top":
            raise RuntimeError("boom in the worker")

    app, context = make_app(story_config(tmp_path), hook=boom)
    try:
        response = Client(app).get("/api/v1/top")
        assert response.status_code == 500
        assert response.json() == {"error": "internal error (logged on the server)"}
        assert "boom" not in response.text
        assert Client(app).get("/api/v1/status").status_code == 200  # the server goes on
    finally:
        context.workers.close()
    logged = [r for r in caplog.records if r.name == "apprank.web" and r.exc_info]
    assert [r.levelno for r in logged] == [logging.ERROR]
    assert "RuntimeError: boom in the worker" in caplog.text


TEXT = st.text(st.characters(codec="utf-8"), max_size=1200) | st.sampled_from(
    ["", "all", "us,gb", "deepseek", "-1", "0", "24h", "2025-01-26T02:00", "1e9", "\x00", LONG]
)
ROUTES = {
    "/api/v1/top": ["country", "chart", "source", "category", "device", "limit"],
    "/api/v1/history": ["app", "country", "source", "since", "until", "every"],
    "/api/v1/movers": ["country", "chart", "since", "limit"],
    "/api/v1/compare": ["app", "app", "country"],
    "/api/v1/leaders": ["app", "rank", "at"],
    "/api/v1/stats": ["app", "country", "chart"],
    "/api/v1/apps": ["q", "limit"],
    "/api/v1/export.csv": ["app", "country", "since", "raw"],
    "/chart/rank.svg": ["app", "country", "every", "tz", "scale", "top"],
}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    route=st.sampled_from(sorted(ROUTES)),
    values=st.lists(TEXT, min_size=1, max_size=6),
)
def test_generated_parameters_never_get_a_5xx(
    client: Client, route: str, values: list[str]
) -> None:
    params = list(zip(ROUTES[route], values, strict=False))
    response = client.get(route, params=params)
    assert response.status_code < 500, (route, params, response.text)
    if response.status_code >= 400:
        assert "error" in response.json()
