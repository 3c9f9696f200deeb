"""One app followed across both stores: an alias naming an id per store resolves to the app in
each store asked (`resolve_across`), each source's charts are selected by the same options
(`selections`), and `history_across` puts every store's series on one grid, each store keeping
its own three states. The history is tests/query/two_stores.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.query.conftest import ENGINES, make_engine
from tests.query.plain import plain
from tests.query.story import CHATGPT, DEEPSEEK, TIKTOK, at
from tests.query.two_stores import DS_PLAY, GPT_PLAY, build_two_stores
from tracker.config.aliases import aliases
from tracker.errors import UsageError
from tracker.models import NO_DATA, NOT_IN_CHART
from tracker.query.apps import AppRef, resolve_across, resolve_app
from tracker.query.history import history, history_across
from tracker.query.stores import by_store, labelled, selections, source_label

ALIASES = aliases(
    {
        "deepseek": {"apple": DEEPSEEK, "googleplay": DS_PLAY, "label": "DeepSeek"},
        "chatgpt": {"apple": CHATGPT, "googleplay": GPT_PLAY},
        "tiktok": TIKTOK,
        "gemini": {"apple": "6477489729", "googleplay": "com.google.android.apps.bard"},
        "playonly": {"googleplay": "com.openai.chatgpt"},
    }
)
DS_APPLE = AppRef(DEEPSEEK, "DeepSeek", "Hangzhou DeepSeek AI", "apple")
DS_GOOGLE = AppRef(DS_PLAY, "DeepSeek", "DeepSeek", "googleplay")
BOTH = ["apple", "googleplay"]
N, X = NOT_IN_CHART, NO_DATA


@pytest.fixture(scope="module", params=ENGINES)
def both(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    with make_engine(request.param, tmp_path_factory.mktemp("both")) as engine:
        build_two_stores(engine)
        yield engine


def test_an_alias_is_its_app_in_each_store_asked(both: Engine) -> None:
    assert resolve_across(both, ALIASES, ["deepseek"], BOTH) == [DS_APPLE, DS_GOOGLE]
    assert resolve_across(both, ALIASES, ["deepseek"], ["googleplay", "apple"]) == [
        DS_GOOGLE,
        DS_APPLE,
    ]
    assert resolve_across(both, ALIASES, ["deepseek"], ["googleplay"]) == [DS_GOOGLE]
    # Without a label, each store's app keeps the name that stands for it there.
    assert [
        (r.app_id, r.name, r.store) for r in resolve_across(both, ALIASES, ["chatgpt"], BOTH)
    ] == [
        (CHATGPT, "ChatGPT", "apple"),
        (GPT_PLAY, "ChatGPT", "googleplay"),
    ]


def test_ids_and_fragments_are_one_app_of_a_store_asked(both: Engine) -> None:
    assert resolve_across(both, ALIASES, [DS_PLAY, "tiktok"], BOTH) == [
        DS_GOOGLE,
        AppRef(TIKTOK, "TikTok", "TikTok Ltd.", "apple"),
    ]
    # A fragment matching an app in each store is ambiguous across both, one app in one.
    with pytest.raises(UsageError, match="matches 2 apps"):
        resolve_app(both, ALIASES, "Messenger")
    assert resolve_app(both, ALIASES, "Messenger", ["googleplay"]).app_id == "com.whatsapp"
    with pytest.raises(UsageError) as caught:
        resolve_across(both, ALIASES, [DS_PLAY], ["apple"])
    assert str(caught.value) == (
        "DeepSeek (com.deepseek.chat) is a Google Play app, and the --source asked for lists "
        "App Store apps"
    )


def test_a_fragment_matching_both_stores_lists_each_ones_store(both: Engine) -> None:
    with pytest.raises(UsageError) as caught:
        resolve_app(both, ALIASES, "DeepSeek - AI")
    assert str(caught.value) == (
        "'DeepSeek - AI' matches 2 apps; give the store id or more of the name, or one "
        "--source:\n"
        "  6737597349  DeepSeek  Hangzhou DeepSeek AI  (App Store)\n"
        "  com.deepseek.chat  DeepSeek  DeepSeek  (Google Play)"
    )


def test_an_alias_without_an_app_in_the_stores_asked_says_so(both: Engine) -> None:
    with pytest.raises(UsageError) as caught:
        resolve_across(both, ALIASES, ["tiktok"], ["googleplay"])
    assert (
        str(caught.value)
        == "alias 'tiktok' names no Google Play app (it names: App Store 835599320)"
    )
    with pytest.raises(UsageError) as caught:
        resolve_across(both, ALIASES, ["gemini"], BOTH)
    assert str(caught.value) == (
        "app 6477489729 or com.google.android.apps.bard (alias 'gemini') is in no stored chart "
        "yet; fetch first or check the id in [apps]"
    )


def test_an_alias_app_not_stored_in_one_store_is_never_in_its_charts(
    both: Engine, tmp_path_factory: pytest.TempPathFactory
) -> None:
    named = aliases({"wa": {"apple": "310633997", "googleplay": "org.example.none", "label": "WA"}})
    refs = resolve_across(both, named, ["wa"], BOTH)
    assert refs == [
        AppRef("310633997", "WA", "WhatsApp Inc.", "apple"),
        AppRef("org.example.none", "WA", None, "googleplay"),
    ]
    chosen = selections("top-free", BOTH, "all", None, ["us"])
    series = history_across(both, by_store(chosen, refs), until=at("01:59"))
    assert [(s.app_id, s.key.source, s.ranks.tolist()) for s in series] == [
        ("310633997", "apple", [3, N]),
        ("org.example.none", "googleplay", [N, N]),
    ]


def test_selections_take_each_sources_own_device(both: Engine) -> None:
    chosen = selections("top-free", BOTH, "all", None, ["us", "gb"])
    assert [(s.source, s.device, s.countries) for s in chosen] == [
        ("apple", "iphone", ("us", "gb")),
        ("googleplay", "phone", ("us", "gb")),
    ]
    assert [s.source for s in selections("top-free", [], "all", None)] == [None]


@pytest.mark.parametrize(
    ("sources", "device", "category", "message"),
    [
        (
            ["apple", "play"],
            None,
            "all",
            "unknown source 'play' (expected one of: apple, itunes, googleplay)",
        ),
        (
            BOTH,
            "iphone",
            "all",
            "source googleplay has no iphone charts (--source apple or itunes has them)",
        ),
        (BOTH, "phone", "all", "source apple has no phone charts (--source googleplay has them)"),
        (
            ["itunes", "googleplay"],
            None,
            "GAME_PUZZLE",
            "source itunes: unknown genre 'GAME_PUZZLE'",
        ),
    ],
    ids=["unknown-source", "iphone-on-play", "phone-on-apple", "play-category-on-itunes"],
)
def test_a_value_one_source_lacks_names_it_and_the_source(
    sources: list[str], device: str | None, category: str, message: str
) -> None:
    with pytest.raises(UsageError) as caught:
        selections("top-free", sources, category, device)
    assert str(caught.value) == message
    assert caught.value.exit_code == 2


def test_history_across_puts_both_stores_on_one_grid(both: Engine) -> None:
    refs = resolve_across(both, ALIASES, ["deepseek"], BOTH)
    chosen = selections("top-free", BOTH, "all", None, ["us", "gb"])
    series = history_across(both, by_store(chosen, refs))
    assert [(s.app_id, s.key.source, s.key.country, s.ranks.tolist()) for s in series] == [
        (DEEPSEEK, "apple", "gb", [N, 3, X, 1, 1]),
        (DEEPSEEK, "apple", "us", [N, 2, 1, X, 1]),
        (DS_PLAY, "googleplay", "gb", [X, N, X, X, 2]),
        (DS_PLAY, "googleplay", "us", [3, 1, X, 1, X]),
    ]
    assert {s.key.device for s in series if s.key.source == "googleplay"} == {"phone"}
    assert [s.app_name for s in series] == ["DeepSeek - AI Assistant"] * 4
    assert len({tuple(s.starts) for s in series}) == 1


def test_one_store_reads_as_history_always_did(both: Engine) -> None:
    refs = resolve_across(both, ALIASES, ["deepseek", "chatgpt"], ["apple"])
    [apple] = selections("top-free", ["apple"], "all", None)
    assert plain(history_across(both, by_store([apple], refs))) == plain(
        history(both, [DEEPSEEK, CHATGPT], apple)
    )


def test_labels_name_the_store_only_when_several_are_shown() -> None:
    assert labelled("DeepSeek", "googleplay", BOTH) == "DeepSeek (Google Play)"
    assert labelled("DeepSeek", "apple", ["apple", "apple"]) == "DeepSeek"
    assert source_label("itunes", ["apple", "itunes", "googleplay"]) == "App Store, itunes"
