"""`digest`: new #1s, top-10 entries and exits, climbs, drops, #1 countries and failed fetches
over a window, on snapshots written through the real SnapshotWriter (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.query.digest_story import ALIASES, scenario
from tests.query.story import CHATGPT, DEEPSEEK
from tracker.errors import UsageError
from tracker.query.digest import from_options


def test_digest_lines_carry_each_number(engine: Engine) -> None:
    scenario(engine)
    d = from_options(engine, ALIASES, since="2025-01-26T00:30", until="2025-01-26T13:00")
    assert d.lines() == [
        "apprank digest · top-free · 26 Jan 00:30 UTC -> 26 Jan 13:00 UTC · 4 countries",
        "New #1:",
        "  US: DeepSeek #1 (was #3), took it from ChatGPT (now #2) · 26 Jan 12:00 UTC",
        "Into the top 10:",
        "  GB: DeepSeek #4 (was #12)",
        "Out of the top 10:",
        "  GB: ChatGPT not in chart (was #5)",
        "  JP: DeepSeek #11 (was #9)",
        "Biggest climbs:",
        "  GB: DeepSeek #12 -> #4 (+8)",
        "  US: DeepSeek #3 -> #1 (+2)",
        "Biggest drops:",
        "  JP: DeepSeek #9 -> #11 (-2)",
        "  US: ChatGPT #1 -> #2 (-1)",
        "#1 countries (now vs start):",
        "  DeepSeek: 2 now (FR, US), 0 at start",
        "  ChatGPT: 0 now, 1 at start (US)",
        "Failed fetches:",
        "  apple gb top-free: 2 failed, last 26 Jan 07:00 UTC http_error: "
        "https://u:***@feed.example/x?token=*** timed out",
    ]


def test_digest_json_shape(engine: Engine) -> None:
    scenario(engine)
    d = from_options(
        engine, ALIASES, ["deepseek"], since="2025-01-26T00:30", until="2025-01-26T13:00"
    )
    doc = d.to_json()
    assert doc["apps"] == [{"app_id": DEEPSEEK, "name": "DeepSeek"}]
    assert doc["countries"] == ["fr", "gb", "jp", "us"]
    # ChatGPT lost #1 to DeepSeek: named as the rival, with its rank now.
    assert doc["new_number_ones"] == [
        {
            "country": "us",
            "at": "2025-01-26T12:00:00Z",
            "app_id": DEEPSEEK,
            "name": "DeepSeek",
            "was": 3,
            "lost_app_id": CHATGPT,
            "lost_name": "ChatGPT",
            "lost_now": 2,
        }
    ]
    assert [(p["country"], p["before"], p["after"]) for p in doc["left_top"]] == [("jp", 9, 11)]
    assert [p["change"] for p in doc["climbs"]] == [8, 2]
    assert doc["number_one_countries"] == [
        {"app_id": DEEPSEEK, "name": "DeepSeek", "now": ["fr", "us"], "then": []}
    ]
    assert doc["failed_fetches"][0]["count"] == 2
    assert "abc123" not in str(doc) and "pw@" not in str(doc)


def test_countries_and_moves_limit(engine: Engine) -> None:
    scenario(engine)
    d = from_options(
        engine,
        ALIASES,
        since="2025-01-26T00:30",
        until="2025-01-26T13:00",
        country=["jp"],
        moves=1,
    )
    assert d.countries == ("jp",)
    assert [(p.country, p.change) for p in d.drops] == [("jp", -2)]
    assert d.failures == [] and d.new_leaders == []


def test_a_window_before_any_change_says_nothing_changed(engine: Engine) -> None:
    scenario(engine)
    d = from_options(engine, ALIASES, since="2025-01-26T00:30", until="2025-01-26T01:00")
    assert d.lines()[1:] == [
        "#1 countries (now vs start):",
        "  ChatGPT: 1 now (US), 1 at start (US)",
    ]


def test_bad_options_name_their_parameter(engine: Engine) -> None:
    scenario(engine)
    with pytest.raises(UsageError) as bad:
        from_options(engine, ALIASES, since="yesterday")
    assert bad.value.param == "since" and "--since" in str(bad.value)
    with pytest.raises(UsageError) as late:
        from_options(engine, ALIASES, since="2025-01-27", until="2025-01-26")
    assert late.value.param == "since"
    with pytest.raises(UsageError) as country:
        from_options(engine, ALIASES, country=["zz"])
    assert country.value.param == "country"
    with pytest.raises(UsageError) as nobody:
        from_options(engine, {}, since="24h")
    assert nobody.value.param == "app"
    with pytest.raises(UsageError) as unknown:
        from_options(engine, ALIASES, ["no such app"])
    assert unknown.value.param == "app"
