"""Naming apps: a store id, an [apps] alias, or a case-insensitive fragment of the name."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.query.story import CHATGPT, DEEPSEEK, at, build_story, save
from tracker.config.load import config_from_dict
from tracker.errors import UsageError
from tracker.query.apps import AppRef, resolve_app, resolve_apps

ALIASES = config_from_dict({"apps": {"DeepSeek": DEEPSEEK, "gpt": CHATGPT, "ghost": "42"}}).apps
DS = AppRef(DEEPSEEK, "DeepSeek - AI Assistant", "Hangzhou DeepSeek AI")
GPT = AppRef(CHATGPT, "ChatGPT", "OpenAI")


def usage_error(engine: Engine, text: str) -> str:
    with pytest.raises(UsageError) as caught:
        resolve_app(engine, ALIASES, text)
    assert caught.value.exit_code == 2
    return str(caught.value)


@pytest.mark.parametrize(
    "text",
    [DEEPSEEK, "deepseek", "DEEPSEEK", "  deepseek ", "Seek - ai", "assistant"],
    ids=["id", "alias", "alias-case", "spaces", "fragment", "fragment-case"],
)
def test_id_alias_and_fragment_name_the_same_app(story: Engine, text: str) -> None:
    assert resolve_app(story, ALIASES, text) == DS


def test_alias_wins_over_fragment(story: Engine) -> None:
    # "gpt" is an alias and a fragment of ChatGPT's name; both lead to ChatGPT.
    assert resolve_app(story, ALIASES, "GPT") == GPT


def test_ambiguous_fragment_lists_the_candidates(story: Engine) -> None:
    assert usage_error(story, "at") == (
        "'at' matches 2 apps; give the store id or more of the name:\n"
        "  6448311069  ChatGPT  OpenAI\n"
        "  310633997  WhatsApp Messenger  WhatsApp Inc."
    )


def test_unknown_names_say_so(story: Engine) -> None:
    assert usage_error(story, "zzz") == (
        "no stored app matches 'zzz' (give a store id, an [apps] alias or part of the app's name)"
    )
    assert usage_error(story, "12345") == "no stored app has the id 12345"
    assert usage_error(story, "ghost") == (
        "app 42 (alias 'ghost') is in no stored chart yet; fetch first or check the id in [apps]"
    )
    assert usage_error(story, " ") == (
        "empty app name: give a store id, an [apps] alias or part of the name"
    )
    # LIKE wildcards in a fragment are literal characters.
    assert usage_error(story, "%").startswith("no stored app matches '%'")
    assert usage_error(story, "_").startswith("no stored app matches '_'")


def test_whole_name_beats_longer_names_containing_it(engine: Engine) -> None:
    writer = build_story(engine)
    save(writer, "fr", at("05:00"), [("1", "ChatGPT Helper", "Someone"), "gpt"])
    assert resolve_app(engine, ALIASES, "chatgpt") == GPT
    assert "matches 2 apps" in usage_error(engine, "chatg")


def test_many_candidates_are_cut_at_ten(engine: Engine) -> None:
    writer = build_story(engine)
    save(writer, "fr", at("05:00"), [(str(100 + i), f"Clone {i:02d}", None) for i in range(12)])
    message = usage_error(engine, "clone")
    lines = message.splitlines()
    assert (
        lines[0]
        == "'clone' matches 10+ apps (showing the first 10); give the store id or more of the name:"
    )
    assert lines[1:3] == ["  100  Clone 00", "  101  Clone 01"]
    assert len(lines) == 11


def test_fragments_in_other_scripts_ignore_case(engine: Engine) -> None:
    writer = build_story(engine)
    save(writer, "ru", at("05:00"), [("7", "Госуслуги", "Минцифры"), ("8", "ÉCOLE Directe", None)])
    assert resolve_app(engine, ALIASES, "госуслуги") == AppRef("7", "Госуслуги", "Минцифры")
    assert resolve_app(engine, ALIASES, "école") == AppRef("8", "ÉCOLE Directe", None)


def test_resolve_apps_keeps_order_and_drops_repeats(story: Engine) -> None:
    assert resolve_apps(story, ALIASES, ["gpt", "deepseek", CHATGPT]) == [GPT, DS]


def test_any_name_the_app_ever_had_anywhere_finds_it(engine: Engine) -> None:
    """A rename or another storefront's name still names the app; it shows as its US name."""
    writer = build_story(engine)
    save(writer, "cn", at("05:00"), [("9", "多邻国Duolingo英语日语法语", "Duolingo")])
    save(writer, "de", at("05:00"), [("9", "Duolingo: Sprachen und Schach", "Duolingo")])
    save(writer, "us", at("05:00"), [("9", "Duolingo - Language Lessons", "Duolingo")])
    save(writer, "us", at("06:00"), [("9", "Duolingo: Language & Chess", "Duolingo")])
    duolingo = AppRef("9", "Duolingo: Language & Chess", "Duolingo")
    for text in ("多邻国", "sprachen", "language lessons", "chess", "9"):
        assert resolve_app(engine, ALIASES, text) == duolingo, text
    # The whole of an old name is exact, even beside a longer name containing it.
    save(writer, "fr", at("06:00"), [("10", "Duolingo - Language Lessons Pro", None)])
    assert resolve_app(engine, ALIASES, "Duolingo - Language Lessons") == duolingo
    assert "matches 2 apps" in usage_error(engine, "language lessons")


def test_an_alias_label_stands_for_the_app_however_it_is_named(engine: Engine) -> None:
    """Where one name must speak for every storefront, an [apps] label wins over the US name."""
    writer = build_story(engine)
    save(writer, "cn", at("05:00"), [("9", "多邻国Duolingo英语日语法语", "Duolingo")])
    save(writer, "us", at("05:00"), [("9", "Duolingo: Language & Chess", "Duolingo")])
    labelled = config_from_dict({"apps": {"duo": {"apple": "9", "label": "Duolingo"}}}).apps
    for text in ("duo", "9", "多邻国", "chess"):
        assert resolve_app(engine, labelled, text) == AppRef("9", "Duolingo", "Duolingo"), text
    # Without a label the US storefront's name stands for it.
    plain = config_from_dict({"apps": {"duo": {"apple": "9"}}}).apps
    assert resolve_app(engine, plain, "duo").name == "Duolingo: Language & Chess"
