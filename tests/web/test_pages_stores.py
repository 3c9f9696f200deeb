"""The app page over both stores, on the two-store history of tests/query/two_stores.py: an
`[apps]` alias naming an id in each store shows its app in each, each store with its own
three states."""

from __future__ import annotations

import re

import pytest

from tests.query.two_stores import DS_PLAY, build_two_stores
from tests.web.pages_story import Client, served_app
from tracker.store.engine import open_engine

APPS = {"deepseek": {"apple": "6737597349", "googleplay": DS_PLAY, "label": "DeepSeek"}}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Client:
    database = tmp_path_factory.mktemp("stores") / "apprank.db"
    engine = open_engine(f"sqlite:///{database}")
    build_two_stores(engine)
    engine.dispose()
    return Client(served_app(database, APPS, []))


def rows(html: str) -> list[tuple[str, str, str, str]]:
    """(country, state, store, last) of each row of the by-country table."""
    return re.findall(
        r'<tr data-country="(\w+)" data-state="(\w+)">\s*<th scope="row">.*?</span>'
        r"(?: · ([^<]*))?</th>\s*<td[^>]*>([^<]*)</td>",
        html,
    )


def test_an_alias_in_both_stores_shows_each_stores_ranks_and_states(client: Client) -> None:
    html = client.get("/app/deepseek?country=us,gb,jp").text
    assert rows(html) == [
        ("us", "ranked", "App Store", "#1"),
        ("us", "ranked", "Google Play", "no data"),  # no Play snapshot in the 04:00 hour
        ("gb", "ranked", "App Store", "#1"),
        ("gb", "ranked", "Google Play", "#2"),
        ("jp", "not_in_chart", "App Store", "not in top 3"),
        ("jp", "no_data", "Google Play", "no data"),
    ]
    tips = re.findall(r"<title>([^<]*)</title>", html)
    assert "DeepSeek · United States (Google Play): #1 at 2025-01-26T01:00:00Z" in tips
    # One point where two lines meet at #1 in the same hour, naming both.
    assert (
        "DeepSeek · United States (Google Play), United Kingdom (App Store): #1 at "
        "2025-01-26T03:00:00Z" in tips
    )
    assert '<option value="apple,googleplay" selected>both stores</option>' in html
    csv = re.findall(r'href="(/api/v1/export.csv[^"]*)"', html)
    assert csv == [
        "/api/v1/export.csv?app=deepseek&amp;chart=top-free&amp;country=us%2Cgb%2Cjp"
        "&amp;source=apple%2Cgoogleplay&amp;since=2025-01-26T00%3A10%3A00Z"
        "&amp;until=2025-01-26T04%3A11%3A00Z"
    ]


def test_one_store_when_asked(client: Client) -> None:
    html = client.get("/app/deepseek?source=googleplay&country=us,gb").text
    assert rows(html) == [("us", "ranked", "", "no data"), ("gb", "ranked", "", "#2")]
    assert "Google Play" not in "".join(re.findall(r"<title>([^<]*)</title>", html))


def test_a_google_play_id_reads_its_own_stores_chart(client: Client) -> None:
    html = client.get(f"/app/{DS_PLAY}").text
    assert f'data-app-id="{DS_PLAY}"' in html
    assert rows(html) == [("us", "ranked", "", "no data"), ("gb", "ranked", "", "#2")]
    assert "source=googleplay" in html
