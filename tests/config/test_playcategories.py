"""Google Play categories and googleplay tracks: one category rule per store (Google Play's
codes, the App Store's genre ids), the device each source defaults to, the 200-deep limit; the
models and the pydantic-free reading of `apprank status` agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.config.load import config_from_dict
from tracker.config.playcategories import PLAY_CATEGORIES, play_category, play_category_code
from tracker.config.reader import TRACKED_SECTIONS, load_reader_config
from tracker.config.selection import ChartSelection, SelectionError, category_key
from tracker.config.tracking import load_tracking
from tracker.errors import ConfigError
from tracker.models import ChartKey, ChartRequest

UNKNOWN = "(a code such as GAME, GAME_PUZZLE or TOOLS; the README lists them)"


def test_the_list_is_google_play_scrapers_without_application() -> None:
    assert len(PLAY_CATEGORIES) == len(set(PLAY_CATEGORIES)) == 53
    assert PLAY_CATEGORIES[:2] == ("ANDROID_WEAR", "ART_AND_DESIGN")
    assert {"WEATHER", "GAME", "GAME_ACTION", "GAME_WORD", "FAMILY"} <= set(PLAY_CATEGORIES)
    assert "APPLICATION" not in PLAY_CATEGORIES
    assert sum(c.startswith("GAME_") for c in PLAY_CATEGORIES) == 17


@pytest.mark.parametrize(
    ("given", "key"),
    [("all", "all"), ("ALL", "all"), ("", "all"), ("APPLICATION", "all"),
     ("GAME_PUZZLE", "GAME_PUZZLE"), ("game_puzzle", "GAME_PUZZLE"), (" tools ", "TOOLS")],
)  # fmt: skip
def test_a_category_is_its_code_upper_cased_and_all_apps_is_all(given: str, key: str) -> None:
    assert play_category(given) == key


@pytest.mark.parametrize("given", ["GAME_CHESS", "games", "6014", 6014, "game-puzzle"])
def test_an_unknown_category_is_refused_naming_it(given: str | int) -> None:
    with pytest.raises(ValueError) as caught:
        play_category(given)
    assert str(caught.value) == f"unknown Google Play category {given!r} {UNKNOWN}"


def test_all_asks_for_application() -> None:
    assert play_category_code("all") == "APPLICATION"
    assert play_category_code("GAME_WORD") == "GAME_WORD"


def test_each_source_reads_categories_by_its_stores_rule() -> None:
    assert category_key("game_puzzle", "googleplay") == "GAME_PUZZLE"
    assert category_key("Photo & Video", "itunes") == "6008"
    assert category_key(6014, None) == "6014"  # without a source: the App Store's
    with pytest.raises(ValueError, match="unknown genre 'GAME_PUZZLE'"):
        category_key("GAME_PUZZLE", "itunes")


def test_a_googleplay_selection_defaults_to_phone_and_reads_codes() -> None:
    selection = ChartSelection.of("top-grossing", source="googleplay", category="game_word")
    assert (selection.category, selection.device) == ("GAME_WORD", "phone")
    assert ChartSelection.of(source="itunes").device == "iphone"
    assert ChartSelection.of().device == "iphone"
    with pytest.raises(SelectionError) as caught:
        ChartSelection.of(source="googleplay", device="iphone")
    assert str(caught.value) == (
        "source googleplay has no iphone charts (--source apple or itunes has them)"
    )
    assert caught.value.reason == "not offered by googleplay (phone)"


def test_an_apple_source_without_genres_still_points_to_itunes() -> None:
    with pytest.raises(SelectionError) as caught:
        ChartSelection.of(source="apple", category="games")
    assert str(caught.value) == "source apple has no genre charts (--source itunes has them)"


def requests(track: dict[str, object]) -> list[ChartRequest]:
    return config_from_dict({"track": [track]}, "c.toml").track[0].requests()


def test_a_googleplay_track_fetches_phone_charts_by_category() -> None:
    track = {
        "source": "googleplay",
        "charts": ["top-grossing"],
        "categories": ["all", "game_puzzle"],
    }
    assert requests(track) == [
        ChartRequest(ChartKey("googleplay", "us", "top-grossing", "all", "phone"), 100),
        ChartRequest(ChartKey("googleplay", "us", "top-grossing", "GAME_PUZZLE", "phone"), 100),
    ]


def test_apple_tracks_keep_iphone() -> None:
    assert requests({}) == [ChartRequest(ChartKey("apple", "us", "top-free"), 100)]
    assert [r.key.device for r in requests({"source": "itunes", "devices": ["ipad"]})] == ["ipad"]


@pytest.mark.parametrize(
    ("track", "message"),
    [
        (
            {"source": "googleplay", "categories": ["GAME", "GAME_CHESS"]},
            f"track[0].categories = ['GAME', 'GAME_CHESS']: unknown Google Play category "
            f"'GAME_CHESS' {UNKNOWN}",
        ),
        (
            {"source": "googleplay", "categories": [6014]},
            f"track[0].categories = [6014]: unknown Google Play category 6014 {UNKNOWN}",
        ),
        (
            {"source": "itunes", "categories": ["GAME_PUZZLE"]},
            "track[0].categories = ['GAME_PUZZLE']: unknown genre 'GAME_PUZZLE'",
        ),
        (
            {"source": "googleplay", "depth": 201},
            "track[0].depth = 201: must be 1..200 for googleplay",
        ),
        (
            {"source": "googleplay", "devices": ["iphone"]},
            "track[0].devices = 'iphone': not offered by googleplay (phone)",
        ),
        (
            {"source": "apple", "devices": ["phone"]},
            "track[0].devices = 'phone': not offered by apple (iphone)",
        ),
    ],
    ids=["unknown-code", "apple-genre-id", "play-code-on-itunes", "depth", "iphone", "phone"],
)
def test_a_bad_googleplay_track_is_one_config_line(track: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_dict({"track": [track]}, "c.toml")
    assert str(caught.value) == f"c.toml: {message}"
    assert caught.value.exit_code == 2


def test_status_reads_googleplay_tracks_as_the_models_do(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[track]]\nsource = "googleplay"\ncountries = ["us", "jp"]\n'
        'charts = ["top-free", "top-paid"]\ncategories = ["GAME_PUZZLE"]\ndepth = 200\n'
        '[[track]]\ncountries = ["gb"]\n',
        encoding="utf-8",
    )
    tracking = load_tracking(path)
    assert tracking.requests() == load_reader_config(path, TRACKED_SECTIONS).requests()
    assert {r.key.device for r in tracking.requests()} == {"phone", "iphone"}
    assert [r.key for r in tracking.requests()][:1] == [
        ChartKey("googleplay", "us", "top-free", "GAME_PUZZLE", "phone")
    ]


def test_status_refuses_a_bad_category_with_the_models_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[[track]]\nsource = "googleplay"\ncategories = ["CHESS"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_tracking(path)
    assert str(caught.value) == (
        f"{path}: track[0].categories = ['CHESS']: unknown Google Play category 'CHESS' {UNKNOWN}"
    )
