"""The HTML pages, read as a browser gets them (httpx's ASGI transport), on the story of
tests/web/pages_story.py: the ranks, names, states and labels each page shows."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.query.story import CHATGPT, DEEPSEEK
from tests.web.pages_story import Client, story_client


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    yield from story_client(tmp_path_factory.mktemp("pages"))


def row(html: str, marker: str) -> str:
    """The table row holding `marker` (e.g. data-country="us")."""
    start = html.index(marker)
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


def titles(html: str) -> list[str]:
    return re.findall(r"<title>([^<]*)</title>", html)


# The home page


def test_home_shows_each_tracked_charts_number_one_and_the_states_of_the_others(
    client: Client,
) -> None:
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    us = row(html, 'data-country="us"')
    assert f'<a href="/app/{DEEPSEEK}">DeepSeek - AI Assistant</a>' in us
    assert "Sim Paid Pro" in us  # the US top-paid column
    assert 'href="/chart/apple/us/top-free"' in us
    assert 'datetime="2025-01-26T04:05:00Z"' in us
    jp = row(html, 'data-country="jp"')
    assert ">YouTube</a>" in jp and 'data-state="untracked">not tracked' in jp
    de = row(html, 'data-country="de"')
    assert 'data-state="no_data">no data</td>' in de


def test_home_labels_simulated_data_when_a_number_one_came_from_the_simulator(
    client: Client,
) -> None:
    html = client.get("/").text
    assert 'class="simulated"' in html
    assert "data from apprank's simulator, not the App Store." in html


def test_home_shows_the_movers_alerts_and_the_daemon(client: Client) -> None:
    html = client.get("/").text
    movers = html[html.index('id="movers"') : html.index('id="alerts"')]
    assert "2025-01-26 04:05Z</time> against <time" in movers
    up = movers[movers.index("<h3>Up</h3>") : movers.index("<h3>Down</h3>")]
    assert "WhatsApp Messenger</a></td>" in up and "#2</td>" in up and "#3</td>" in up
    down = movers[movers.index("<h3>Down</h3>") : movers.index("<h3>New in the chart</h3>")]
    assert ">ChatGPT</a>" in down
    new = movers[movers.index("<h3>New in the chart</h3>") : movers.index("<h3>Dropped out")]
    assert ">DeepSeek - AI Assistant</a>" in new and 'data-state="not_in_chart">out' in new
    assert ">TikTok</a>" in movers[movers.index("<h3>Dropped out") :]
    assert "DeepSeek - AI Assistant is now #1 on the US top-free chart (was #2)" in html
    assert "daemon: alive (host1 pid 4242, heartbeat 0s ago, up 4h 10m, 5 cycles)" in html
    assert "last cycle: hourly, finished 4m ago: 5 ok, 0 failed, 0 already stored" in html


def test_home_movers_follow_the_form(client: Client) -> None:
    html = client.get("/?country=gb").text
    assert "apple gb top-free" in html
    assert '<option value="gb" selected>' in html


def test_every_page_is_responsive_and_keeps_scripts_and_styles_in_static_files(
    client: Client,
) -> None:
    for url in ("/", "/app/deepseek", "/chart/apple/us/top-free", "/app/nosuch"):
        html = client.get(url).text
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
        assert '<link rel="stylesheet" href="/static/apprank.css">' in html
        assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/apprank.js" defer>']
        assert " style=" not in html and "<style" not in html
    css = client.get("/static/apprank.css")
    assert css.status_code == 200 and "@media (max-width: 600px)" in css.text
    assert client.get("/static/apprank.js").status_code == 200


# The app page


def test_app_page_draws_each_ranked_bucket_as_a_point_with_its_rank_and_time(
    client: Client,
) -> None:
    page = client.get("/app/deepseek")
    assert page.status_code == 200
    html = page.text
    assert '<h1 class="app-name" data-app-id="6737597349">DeepSeek - AI Assistant</h1>' in html
    # By default the US, then its best countries (GB), hourly (the window is 3 hours long).
    assert "DeepSeek - AI Assistant · United States: #2 at 2025-01-26T01:00:00Z" in titles(html)
    assert "DeepSeek - AI Assistant · United States: #1 at 2025-01-26T02:00:00Z" in titles(html)
    assert "DeepSeek - AI Assistant · United Kingdom: #1 at 2025-01-26T03:00:00Z" in titles(html)
    assert "DeepSeek - AI Assistant · United Kingdom: #3 at 2025-01-26T01:00:00Z" in titles(html)
    # One point per (time, rank) held: where both were #1 at 04:00, one point names both.
    points = re.findall(r'data-series="([\d ]+)" data-rank="(\d+)" data-at="([^"]+)"', html)
    assert points == [
        ("0", "2", "2025-01-26T01:00:00Z"),
        ("0", "1", "2025-01-26T02:00:00Z"),  # the better of 02:05 (#1) and 02:35 (#2)
        ("0 1", "1", "2025-01-26T04:00:00Z"),
        ("1", "3", "2025-01-26T01:00:00Z"),
        ("1", "1", "2025-01-26T03:00:00Z"),
    ]
    assert (
        "DeepSeek - AI Assistant · United States, United Kingdom: #1 at 2025-01-26T04:00:00Z"
        in titles(html)
    )
    # The US was not fetched in the 03:00 hour: a hatched run in its lane, not a rank.
    assert (
        "DeepSeek - AI Assistant · United States: no data (nothing fetched) at "
        "2025-01-26T03:00:00Z" in titles(html)
    )
    assert "not in chart" not in "".join(titles(html))


def test_app_page_counts_the_countries_at_number_one_over_time(client: Client) -> None:
    html = client.get("/app/deepseek").text
    assert '#1 in <strong data-ones-now="2">2</strong> countries' in html
    assert [t for t in titles(html) if re.search(r"countr(y|ies) at #1 at", t)] == [
        "1 country at #1 at 2025-01-26T02:00:00Z",
        "1 country at #1 at 2025-01-26T03:00:00Z",
        "2 countries at #1 at 2025-01-26T04:00:00Z",
    ]


def test_app_page_keeps_the_three_states_apart_per_country(client: Client) -> None:
    html = client.get("/app/deepseek?country=us,gb&country=jp,de").text
    us = row(html, 'data-country="us"')
    assert 'data-state="ranked"' in us
    assert re.findall(r"<td>([^<]*)</td>", us) == ["#1", "2", "3"]
    assert '<time datetime="2025-01-26T02:05:00Z">' in us  # best at
    jp = row(html, 'data-country="jp"')
    assert 'data-state="not_in_chart"' in jp and "not in top 3</td>" in jp
    assert "never in the chart (it was fetched)" in jp
    de = row(html, 'data-country="de"')
    assert 'data-state="no_data"' in de and "no data: this chart was never fetched here" in de
    assert (
        "DeepSeek - AI Assistant · Japan: not in chart (below #3) at 2025-01-26T04:00:00Z"
        in titles(html)
    )
    for code in ("us", "gb", "jp", "de"):
        assert f'name="country" value="{code}" checked>' in html


def test_app_page_links_the_same_data_as_csv_and_a_chart(client: Client) -> None:
    # All of it: from its first sighting to the last snapshot of a chart it was in.
    html = client.get(f"/app/{DEEPSEEK}?country=us,jp&range=all").text
    query = (
        "app=6737597349&amp;chart=top-free&amp;country=us%2Cjp"
        "&amp;since=2025-01-26T01%3A05%3A00Z&amp;until=2025-01-26T04%3A06%3A00Z"
    )
    assert f'href="/api/v1/export.csv?{query}" data-link="csv"' in html
    assert f'href="/chart/rank.svg?{query}&amp;every=1h" data-link="svg"' in html
    assert f'href="/chart/rank.png?{query}&amp;every=1h" data-link="png"' in html


def test_app_page_state_is_in_its_url(client: Client) -> None:
    html = client.get(f"/app/{CHATGPT}?range=1d&every=3h").text
    assert '<option value="1d" selected>' in html
    assert '<option value="3h" selected>' in html
    assert "best rank per 3h" in html
    assert 'data-simulated="1"' not in html  # no simulated snapshot in these charts


def test_app_page_labels_simulated_data(client: Client) -> None:
    html = client.get("/app/1000000001?chart=top-paid").text
    assert 'data-simulated="1"' in html
    assert "Sim Paid Pro · United States: #1 at 2025-01-26T04:00:00Z" in titles(html)


def test_the_search_form_goes_to_the_apps_page(client: Client) -> None:
    found = client.get("/app?q=chat%20gpt")
    assert found.status_code == 303 and found.headers["location"] == "/app/chat%20gpt"


# The chart page


def test_chart_page_at_a_time_shows_that_snapshot_with_moves_and_neighbours(
    client: Client,
) -> None:
    page = client.get("/chart/apple/us/top-free?at=2025-01-26T02:20")
    assert page.status_code == 200
    html = page.text
    assert "Top Free iPhone · United States" in html
    assert '<time datetime="2025-01-26T02:05:00Z">' in html
    first = row(html, f'data-app-id="{DEEPSEEK}"')
    assert "#1</td>" in first and 'data-state="ranked">#2</td>' in first
    assert '<td class="change up">▲ 1</td>' in first
    assert '<td class="change down">▼ 1</td>' in row(html, f'data-app-id="{CHATGPT}"')
    assert '<td class="change same">=</td>' in row(html, 'data-app-id="835599320"')
    assert 'rel="prev" href="/chart/apple/us/top-free?at=2025-01-26T01%3A05%3A00Z"' in html
    assert 'rel="next" href="/chart/apple/us/top-free?at=2025-01-26T02%3A35%3A00Z"' in html
    assert 'name="at" step="1" value="2025-01-26T02:05:00"' in html


def test_chart_page_tells_a_new_entry_from_a_first_snapshot(client: Client) -> None:
    latest = client.get("/chart/apple/us/top-free").text
    assert 'rel="next"' not in latest
    assert 'data-state="not_in_chart">not in chart</td>' in row(
        latest, 'data-app-id="310633997"'
    )  # WhatsApp: not in the 02:35 snapshot, #2 at 04:05
    first = client.get("/chart/apple/us/top-free?at=2025-01-26T00:05").text
    assert 'rel="prev"' not in first
    assert first.count('data-state="no_data">no data</td>') == 3  # nothing before it


def test_chart_page_labels_a_simulated_snapshot(client: Client) -> None:
    assert 'data-simulated="1"' in client.get("/chart/apple/us/top-paid").text
    assert 'data-simulated="1"' not in client.get("/chart/apple/us/top-free").text


# Bad input: a page naming the parameter, never a traceback


@pytest.mark.parametrize(
    ("url", "status", "param", "says"),
    [
        ("/app/nosuch", 404, "app", "no stored app matches &#39;nosuch&#39;"),
        ("/app/deepseek?range=2w", 400, "range", "range: &#39;2w&#39; is not one of"),
        ("/app/deepseek?every=soon", 400, "every", "every: "),
        ("/app/deepseek?country=xx", 400, "country", "&#39;xx&#39;"),
        ("/app/deepseek?chart=top-weird", 400, "chart", "top-weird"),
        ("/chart/apple/xx/top-free", 400, "country", "&#39;xx&#39;"),
        ("/chart/apple/us/top-free?at=yesterday", 400, "at", "at: not a time"),
        ("/chart/apple/us/top-free?at=2025-01-25", 404, None, "at or before 2025-01-25"),
        ("/?country=zz", 400, "country", "&#39;zz&#39;"),
        ("/app?q=", 400, "q", "name an app"),
    ],
)
def test_bad_input_is_a_page_naming_the_parameter(
    client: Client, url: str, status: int, param: str | None, says: str
) -> None:
    page = client.get(url)
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    assert f'data-status="{status}"' in page.text
    if param:
        assert f"Parameter <code>{param}</code>" in page.text
    assert says in page.text
    assert "Traceback" not in page.text


def test_a_very_long_parameter_is_refused_before_any_page_naming_it(client: Client) -> None:
    # The server's guard (tracker/web/security.py) refuses it before a route runs.
    page = client.get("/app/deepseek?country=" + "x" * 5000)
    assert page.status_code == 400
    assert page.json() == {"error": "country: longer than 1000 characters", "param": "country"}


def test_pages_carry_the_servers_security_headers(client: Client) -> None:
    headers = client.get("/app/deepseek").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "style-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_the_sign_in_form_posts_the_token_and_goes_back_only_to_this_server(
    client: Client,
) -> None:
    html = client.get("/login?next=/app/deepseek%3Frange%3D7d").text
    assert '<form class="controls" method="post" action="/login">' in html
    assert '<input type="password" name="token"' in html
    assert '<input type="hidden" name="next" value="/app/deepseek?range=7d">' in html
    elsewhere = client.get("/login?next=//evil.example/").text
    assert '<input type="hidden" name="next" value="/">' in elsewhere
