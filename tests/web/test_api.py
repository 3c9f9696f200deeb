"""Each `/api/v1` route answers exactly what its command prints with `--json` for the same
parameters (named like the options, lists comma-separated or repeated), and the export and
chart routes the bytes the commands write."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from tests.cli.conftest import Apprank
from tests.query.story import CHATGPT, DEEPSEEK, TIKTOK, WHATSAPP
from tests.web.served import Client, make_app, story_config


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return story_config(tmp_path_factory.mktemp("api"))


@pytest.fixture(scope="module")
def app(config: Path) -> Iterator[FastAPI]:
    served, context = make_app(config)
    yield served
    context.workers.close()


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Client:
    return Client(app)


# (API URL, the command line printing the same JSON)
TWINS = {
    "top": ("/api/v1/top?country=us&limit=2", ["top", "--country", "us", "--limit", "2"]),
    "top-gb": ("/api/v1/top?country=gb", ["top", "--country", "gb"]),
    "history": (
        "/api/v1/history?app=deepseek&app=chatgpt&country=us,gb&every=2h",
        ["history", "deepseek", "chatgpt", "--country", "us,gb", "--every", "2h"],
    ),
    "history-range": (
        "/api/v1/history?app=deepseek&country=us&since=2025-01-26T01:00&until=2025-01-26T03:00",
        [
            *("history", "deepseek", "--country", "us"),
            *("--since", "2025-01-26T01:00", "--until", "2025-01-26T03:00"),
        ],
    ),
    "movers": (
        "/api/v1/movers?country=us&since=2h&limit=2",
        ["movers", "--country", "us", "--since", "2h", "--limit", "2"],
    ),
    "compare": (
        "/api/v1/compare?app=deepseek&app=chatgpt&country=us&country=gb",
        ["compare", "deepseek", "chatgpt", "--country", "us", "--country", "gb"],
    ),
    "leaders": ("/api/v1/leaders?app=deepseek&rank=1", ["leaders", "deepseek", "--rank", "1"]),
    "leaders-at": (
        "/api/v1/leaders?app=chatgpt&rank=2&at=2025-01-26T03:00",
        ["leaders", "chatgpt", "--rank", "2", "--at", "2025-01-26T03:00"],
    ),
    "stats": (
        "/api/v1/stats?app=chatgpt&country=us,gb,jp",
        ["stats", "chatgpt", "--country", "us,gb,jp"],
    ),
    "status": ("/api/v1/status", ["status"]),
}


@pytest.mark.parametrize("name", TWINS)
def test_each_route_answers_its_commands_json(
    name: str, client: Client, apprank: Apprank, config: Path
) -> None:
    url, command = TWINS[name]
    response = client.get(url)
    cli = apprank(*command, "--json", "--config", config)
    assert (response.status_code, cli.code) == (200, 0), (response.text, cli.stderr)
    assert response.headers["content-type"] == "application/json"
    assert response.json() == json.loads(cli.stdout)


def test_top_is_the_latest_us_chart_with_moves(client: Client) -> None:
    body = client.get("/api/v1/top?country=us").json()
    assert body["captured_at"] == "2025-01-26T04:05:00Z"
    assert body["previous_captured_at"] == "2025-01-26T02:35:00Z"
    assert [(e["rank"], e["app_id"], e["previous_rank"], e["change"]) for e in body["entries"]] == [
        (1, DEEPSEEK, 2, 1),
        (2, WHATSAPP, None, None),
        (3, CHATGPT, 1, -2),
    ]


def test_history_takes_repeated_and_comma_separated_lists(client: Client) -> None:
    repeated = client.get("/api/v1/history?app=deepseek&country=us&country=gb").json()
    joined = client.get("/api/v1/history?app=deepseek&country=us,gb").json()
    assert repeated == joined
    assert [(s["app_id"], s["country"]) for s in joined] == [(DEEPSEEK, "gb"), (DEEPSEEK, "us")]
    us = joined[1]["points"]
    assert [(p["at"][11:16], p["rank"], p["state"]) for p in us] == [
        ("00:00", None, "not_in_chart"),
        ("01:00", 2, "ranked"),
        ("02:00", 1, "ranked"),
        ("03:00", None, "no_data"),
        ("04:00", 1, "ranked"),
    ]


def test_apps_finds_by_alias_id_or_part_of_a_name(client: Client) -> None:
    assert client.get("/api/v1/apps?q=deepseek").json() == [
        {
            "app_id": DEEPSEEK,
            "name": "DeepSeek - AI Assistant",
            "developer": "Hangzhou DeepSeek AI",
            "store": "apple",
        }
    ]
    assert [a["app_id"] for a in client.get(f"/api/v1/apps?q={TIKTOK}").json()] == [TIKTOK]
    # Shortest name first: TikTok, then ChatGPT, of the four names holding a "t".
    assert [a["app_id"] for a in client.get("/api/v1/apps?q=t&limit=2").json()] == [
        TIKTOK,
        CHATGPT,
    ]
    assert client.get("/api/v1/apps?q=nothing-like-it").json() == []


@pytest.mark.parametrize(
    ("query", "options"),
    [
        ("country=us&app=deepseek", ["--country", "us", "--app", "deepseek"]),
        (
            "chart=top-free&since=2025-01-26T02:00",
            ["--chart", "top-free", "--since", "2025-01-26T02:00"],
        ),
        ("raw=true&country=gb", ["--raw", "--country", "gb"]),
        ("", []),
        (
            "app=deepseek&wide=country&every=1d",
            ["--app", "deepseek", "--wide", "country", "--every", "1d"],
        ),
        (
            "app=deepseek&country=us&wide=time",
            ["--app", "deepseek", "--country", "us", "--wide", "time"],
        ),
    ],
    ids=["app-country", "since", "raw", "everything", "wide-country", "wide-time"],
)
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_streams_the_bytes_apprank_export_writes(
    fmt: str,
    query: str,
    options: list[str],
    client: Client,
    apprank: Apprank,
    config: Path,
    tmp_path: Path,
) -> None:
    response = client.get(f"/api/v1/export.{fmt}?{query}")
    out = tmp_path / f"export.{fmt}"
    cli = apprank("export", "--format", fmt, "--no-bom", "-o", out, *options, "--config", config)
    assert (response.status_code, cli.code) == (200, 0), (response.text, cli.stderr)
    assert response.content == out.read_bytes()
    assert response.headers["content-disposition"] == f'attachment; filename="apprank-export.{fmt}"'
    # Not trivially equal: a wide export of the story is a row per country or per hour.
    assert response.content.count(b"\n") >= (1 if "wide=" in query else 4)


@pytest.mark.parametrize(
    ("query", "param", "error"),
    [
        ("wide=sideways&app=deepseek", "wide", "--wide: country or time, not 'sideways'"),
        ("wide=country", "app", "--wide pivots one app's rank: give exactly one --app"),
    ],
)
def test_a_bad_wide_export_is_a_400_naming_the_parameter(
    client: Client, query: str, param: str, error: str
) -> None:
    response = client.get(f"/api/v1/export.csv?{query}")
    assert response.status_code == 400
    assert response.json() == {"error": error, "param": param}


def test_history_since_after_until_is_a_400_naming_since(client: Client) -> None:
    response = client.get(
        "/api/v1/history?app=deepseek&since=2025-01-27T00:00&until=2025-01-26T00:00"
    )
    assert response.status_code == 400
    assert response.json()["param"] == "since"


def test_an_export_of_nothing_is_a_404_not_an_empty_file(client: Client) -> None:
    response = client.get("/api/v1/export.csv?country=de")
    assert response.status_code == 404
    assert response.json() == {"error": "no stored rows match the selection"}


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_a_chart_is_the_picture_apprank_chart_draws(
    fmt: str, client: Client, apprank: Apprank, config: Path, tmp_path: Path
) -> None:
    response = client.get(f"/chart/grid.{fmt}?app=deepseek&app=chatgpt&country=us,gb&every=1h")
    out = tmp_path / f"grid.{fmt}"
    options = ["--country", "us,gb", "--every", "1h", "-o", out, "--config", config]
    cli = apprank("chart", "grid", "deepseek", "chatgpt", *options)
    assert (response.status_code, cli.code) == (200, 0), (response.text, cli.stderr)
    assert response.headers["content-type"] == {"svg": "image/svg+xml", "png": "image/png"}[fmt]
    assert response.content == out.read_bytes()


def test_a_chart_is_revalidated_by_its_etag(client: Client) -> None:
    url = "/chart/rank.svg?app=deepseek&country=us"
    first = client.get(url)
    tag = first.headers["etag"]
    assert first.status_code == 200 and tag.startswith('"') and len(tag) == 34
    again = client.get(url, headers={"If-None-Match": tag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", tag)
    assert client.get(url, headers={"If-None-Match": f"W/{tag}"}).status_code == 304
    other = client.get(url + "&scale=fixed")
    assert other.status_code == 200 and other.headers["etag"] != tag
    assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_a_chart_notes_what_the_command_would_print(client: Client) -> None:
    response = client.get("/chart/rank.png?app=deepseek")
    assert response.status_code == 200
    assert response.headers["x-apprank-notes"] == (
        "drawing us (3 countries have data); choose with --country"
    )


def test_healthz_is_apprank_health(client: Client, apprank: Apprank, config: Path) -> None:
    response = client.get("/healthz")
    cli = apprank("health", "--json", "--config", config)
    assert (response.status_code, cli.code) == (503, 1)  # no daemon ever ran on the story
    body, expected = response.json(), json.loads(cli.stdout)
    assert body["problems"][0] == "daemon: none has run on this database (no heartbeat)"
    assert body == expected


def test_openapi_documents_every_route(client: Client) -> None:
    paths = set(client.get("/openapi.json").json()["paths"])
    assert {f"/api/v1/{name}" for name in TWINS if "-" not in name} | {
        "/api/v1/apps",
        "/api/v1/export.{fmt}",
        "/chart/{kind}.{fmt}",
        "/healthz",
        "/login",
        "/logout",
    } <= paths
