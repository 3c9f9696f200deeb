"""Rules fire exactly on the transitions of a simulated history, once, and never from no data.

Each `process_cycle` call below is what `apprank fetch` or one daemon cycle does after storing
snapshots. Charts return 10 rows unless said otherwise; fillers take the ranks not named.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import text

from tests.alerts.conftest import (
    CHATGPT,
    DEEPSEEK,
    GB,
    US,
    History,
    alert_engine,
    hour,
    make_config,
    ranked,
)
from tracker.alerts.cycle import process_cycle
from tracker.alerts.events import AlertEvent
from tracker.models import ChartKey


def rule(name: str, when: str, app: str = "deepseek", **extra: Any) -> dict[str, Any]:
    return {"name": name, "app": app, "when": when, "countries": ["us"], **extra}


def summary(events: list[AlertEvent]) -> list[tuple[str, str, int | None, int | None]]:
    return [(e.rule, e.key.country, e.rank, e.previous_rank) for e in events]


RULES = [
    rule("ds-number-one", "rank <= 1", countries=["all"]),
    rule("ds-top-5", "enters top 5", app=DEEPSEEK),
    rule("ds-out-of-top-5", "leaves top 5"),
    rule("ds-passes-gpt", "overtakes ChatGPT"),  # the rival by a fragment of its name
    rule("ds-moves-3", "moves 3"),
]


def test_rules_fire_exactly_on_the_transitions(db_url: str) -> None:
    engine = alert_engine(db_url)
    config = make_config(db_url, RULES)
    history = History(engine)

    def cycle(n: float, *charts: tuple[ChartKey, list[str], int]) -> list[Any]:
        stored = [history.save(key, hour(n), ids, depth) for key, ids, depth in charts]
        return summary(process_cycle(engine, config, stored, now=hour(n)))

    gpt_first = {1: CHATGPT}
    # The first snapshot of each chart is a baseline: nothing fires.
    assert (
        cycle(0, (US, ranked(8, others=gpt_first), 10), (GB, ranked(2, others=gpt_first), 10)) == []
    )
    assert cycle(1, (US, ranked(4, others=gpt_first), 10), (GB, ranked(1), 10)) == [
        ("ds-top-5", "us", 4, 8),
        ("ds-moves-3", "us", 4, 8),
        ("ds-number-one", "gb", 1, 2),  # countries = ["all"]; the us-only rules ignore gb
    ]
    history.fail(US, hour(2))  # a failed fetch stores no snapshot and fires nothing
    assert cycle(3, (US, ranked(1, others={2: CHATGPT}), 10)) == [
        ("ds-number-one", "us", 1, 4),  # compared with the last real snapshot, at hour 1
        ("ds-passes-gpt", "us", 1, 4),
        ("ds-moves-3", "us", 1, 4),
    ]
    assert cycle(4, (US, ranked(1, others={3: CHATGPT}), 10)) == []  # still #1: no new event
    assert cycle(5, (US, ranked(1, app=CHATGPT), 10)) == [  # DeepSeek below the 10 rows
        ("ds-out-of-top-5", "us", None, 1),
        ("ds-moves-3", "us", None, 1),
    ]
    assert cycle(6, (US, ranked(3), 10)) == [
        ("ds-top-5", "us", 3, None),
        ("ds-passes-gpt", "us", 3, None),  # ChatGPT is not in this chart at all
        ("ds-moves-3", "us", 3, None),
    ]
    # A chart cut short at 2 rows cannot show DeepSeek left the top 5: no event.
    assert cycle(7, (US, ranked(2, app=CHATGPT), 2)) == []
    history.fail(US, hour(8))
    assert cycle(9, (US, ranked(3, others=gpt_first), 10)) == []


def test_events_carry_names_ranks_times_and_a_message(db_url: str) -> None:
    engine = alert_engine(db_url)
    config = make_config(db_url, RULES)
    history = History(engine)
    history.save(US, hour(0), ranked(2, others={1: CHATGPT}))
    stored = [history.save(US, hour(1), ranked(1, others={2: CHATGPT}))]
    number_one, overtakes = process_cycle(engine, config, stored, now=hour(1))
    assert len(number_one.event_id) == 32 and number_one.event_id != overtakes.event_id
    assert number_one.to_json() == {
        "event_id": number_one.event_id,
        "rule": "ds-number-one",
        "when": "rank <= 1",
        "app_id": DEEPSEEK,
        "app_name": "DeepSeek - AI Assistant",
        "source": "apple",
        "country": "us",
        "chart": "top-free",
        "category": "all",
        "device": "iphone",
        "rank": 1,
        "previous_rank": 2,
        "depth": 10,
        "previous_depth": 10,
        "captured_at": "2025-01-26T01:00:00Z",
        "previous_captured_at": "2025-01-26T00:00:00Z",
        "rival_id": None,
        "rival_name": None,
        "rival_rank": None,
        "rival_previous_rank": None,
        "message": "DeepSeek - AI Assistant is now #1 on the US top-free chart (was #2)",
    }
    assert (overtakes.rival_id, overtakes.rival_rank, overtakes.rival_previous_rank) == (
        CHATGPT,
        2,
        1,
    )
    assert overtakes.message == (
        "DeepSeek - AI Assistant overtook ChatGPT on the US top-free chart: #1, ChatGPT #2 "
        "(was #2 and #1)"
    )
    assert number_one.targets == ("log",)


@pytest.mark.parametrize(
    ("when", "before", "after", "message"),
    [
        ("enters top 5", 8, 4, "DeepSeek - AI Assistant entered the top 5 of the US top-free "
         "chart at #4 (was #8)"),
        ("rank <= 5", None, 4, "DeepSeek - AI Assistant is now #4 on the US top-free chart, "
         "in the top 5 (was not in the top 10)"),
        ("leaves top 5", 4, None, "DeepSeek - AI Assistant left the top 5 of the US top-free "
         "chart: now below #10 (was #4)"),
        ("leaves top 5", 4, 7, "DeepSeek - AI Assistant left the top 5 of the US top-free "
         "chart: now #7 (was #4)"),
        ("moves 3", 9, 2, "DeepSeek - AI Assistant climbed 7 places to #2 on the US top-free "
         "chart (was #9)"),
        ("moves 3", None, 2, "DeepSeek - AI Assistant climbed at least 9 places to #2 on the US "
         "top-free chart (was not in the top 10)"),
        ("drops 3", 2, 9, "DeepSeek - AI Assistant dropped 7 places to #9 on the US top-free "
         "chart (was #2)"),
        ("moves 3", 2, None, "DeepSeek - AI Assistant dropped at least 9 places, out of the top "
         "10 of the US top-free chart (was #2)"),
    ],
)  # fmt: skip
def test_messages_say_what_happened(
    sqlite_url: str, when: str, before: int | None, after: int | None, message: str
) -> None:
    engine = alert_engine(sqlite_url)
    config = make_config(sqlite_url, [rule("r", when)])
    history = History(engine)
    history.save(US, hour(0), ranked(before) if before else ranked(1, app=CHATGPT))
    now = history.save(US, hour(1), ranked(after) if after else ranked(1, app=CHATGPT))
    [event] = process_cycle(engine, config, [now], now=hour(1))
    assert event.message == message


def test_cooldown_holds_a_rule_per_country(db_url: str) -> None:
    engine = alert_engine(db_url)
    config = make_config(
        db_url, [rule("ds-number-one", "rank <= 1", countries=["us", "gb"], cooldown="6h")]
    )
    history = History(engine)
    fired = []
    plan = [
        (0, US, 2), (1, US, 1), (2, US, 2),
        (3, US, 1),  # back to #1 two hours later: cooling down (fired at 01:00)
        (3, GB, 2), (4, GB, 1),  # another country: its own cooldown
        (5, US, 2), (7, US, 1),  # exactly 6 h after 01:00: the cooldown is over
        (8, US, 2), (9, US, 1),  # cooling down again (fired at 07:00)
    ]  # fmt: skip
    for n, key, rank in plan:
        stored = [history.save(key, hour(n), ranked(rank))]
        fired += [(n, *s) for s in summary(process_cycle(engine, config, stored, now=hour(n)))]
    assert fired == [
        (1, "ds-number-one", "us", 1, 2),
        (4, "ds-number-one", "gb", 1, 2),
        (7, "ds-number-one", "us", 1, 2),
    ]


def test_a_snapshot_evaluated_twice_fires_once(sqlite_url: str) -> None:
    engine = alert_engine(sqlite_url)
    config = make_config(sqlite_url, [rule("r", "rank <= 1")])
    history = History(engine)
    history.save(US, hour(0), ranked(2))
    stored = [history.save(US, hour(1), ranked(1))]
    assert summary(process_cycle(engine, config, stored, now=hour(1))) == [("r", "us", 1, 2)]
    assert process_cycle(engine, config, stored, now=hour(1)) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alert_event")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM alert_delivery")).scalar() == 1


def test_apps_resolve_at_evaluation_time(sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """An alias or id works before the app was ever seen; a name that matches nothing yet is
    skipped, said once in the log, and evaluated as soon as the app appears."""
    engine = alert_engine(sqlite_url)
    config = make_config(
        sqlite_url,
        [
            rule("by-alias", "enters top 5"),
            rule("by-name", "enters top 5", app="DeepSeek - AI"),
        ],
    )
    history = History(engine)
    caplog.set_level(logging.WARNING, logger="apprank.alerts")
    for n in range(3):  # DeepSeek not in any chart, nor in the app table
        stored = [history.save(US, hour(n), ranked(1, app=CHATGPT))]
        assert process_cycle(engine, config, stored, now=hour(n)) == []
    assert [r.getMessage() for r in caplog.records] == [
        "alert by-name not evaluated yet: no stored app matches 'DeepSeek - AI' (give a store "
        "id, an [apps] alias or part of the app's name)"
    ]
    stored = [history.save(US, hour(3), ranked(4))]
    assert summary(process_cycle(engine, config, stored, now=hour(3))) == [
        ("by-alias", "us", 4, None),
        ("by-name", "us", 4, None),
    ]


def test_no_rules_or_no_matching_rule_is_quiet(sqlite_url: str) -> None:
    engine = alert_engine(sqlite_url)
    history = History(engine)
    history.save(US, hour(0), ranked(2))
    stored = [history.save(US, hour(1), ranked(1))]
    assert process_cycle(engine, make_config(sqlite_url, []), stored, now=hour(1)) == []
    paid = make_config(sqlite_url, [rule("paid", "rank <= 1", chart="top-paid")])
    assert process_cycle(engine, paid, stored, now=hour(1)) == []
