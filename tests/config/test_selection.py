"""`ChartSelection.of`: the one check of chart, source, genre, device and countries, its values,
every error in the words a command prints and the words a config line uses, and "all"."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tracker.config.selection import (
    ChartSelection,
    SelectionError,
    any_countries,
    default_source,
    storefront,
    storefronts,
)
from tracker.models import ChartKey
from tracker.storefronts import STOREFRONTS

of = ChartSelection.of


def test_defaults_are_top_free_iphone_apps_in_every_country_with_data() -> None:
    assert of() == ChartSelection("top-free", None, "all", "iphone", ())
    assert of() == ChartSelection()


def test_values_are_normalised() -> None:
    chosen = of("top-grossing", source="itunes", category="Games", device="ipad", countries=["US"])
    assert chosen == ChartSelection("top-grossing", "itunes", "6014", "ipad", ("us",))
    assert of(category=6014).category == "6014"  # TOML gives genre ids as integers
    assert of(category="36").category == "all"  # the App Store itself
    assert of(category="").category == "all"
    assert of(countries=[" gb", "US", "us", "jp"]).countries == ("gb", "us", "jp")


@pytest.mark.parametrize(
    "countries",
    [["all"], ["ALL"], ["us", "all"], ["all", "gb"], ()],
    ids=["all", "upper", "after", "before", "none"],
)
def test_all_is_every_country_with_data(countries: list[str]) -> None:
    assert of(countries=countries).countries == ()


def test_all_still_checks_the_other_codes() -> None:
    with pytest.raises(SelectionError, match=r"^'zz' is not an App Store storefront code"):
        of(countries=["all", "zz"])


def test_one_country() -> None:
    chosen = of("top-paid", country="GB")
    assert (chosen.countries, chosen.country) == (("gb",), "gb")
    # For a command that reads one chart, "all" is no storefront.
    with pytest.raises(SelectionError) as caught:
        of(country="all")
    assert str(caught.value) == "'all' is not an App Store storefront code (e.g. us, gb, jp)"
    with pytest.raises(ValueError, match=r"^one country expected, not every$"):
        _ = of().country
    with pytest.raises(ValueError, match=r"^one country expected, not 2$"):
        _ = of(countries=["us", "gb"]).country


ERRORS = {
    # values: (what a command prints, what a config line says after "key = value:")
    "chart": (
        {"chart": "top-cool"},
        "unknown chart 'top-cool' (expected one of: top-free, top-grossing, top-paid)",
        "unknown chart (expected one of: top-free, top-grossing, top-paid)",
    ),
    "chart-of-source": (
        {"chart": "top-cool", "source": "apple"},
        "unknown chart 'top-cool' (expected one of: top-free, top-grossing, top-paid)",
        "not offered by apple (top-free, top-paid)",
    ),
    "source": (
        {"source": "play"},
        "unknown source 'play' (expected one of: apple, itunes, googleplay)",
        "unknown source (expected one of: apple, itunes, googleplay)",
    ),
    "genre-id": ({"category": "999"}, "unknown genre id 999", "unknown genre id 999"),
    "genre-name": ({"category": "Cats"}, "unknown genre 'Cats'", "unknown genre 'Cats'"),
    "device": (
        {"device": "watch"},
        "unknown device 'watch' (expected one of: ipad, iphone, mac, phone)",
        "unknown device (expected one of: ipad, iphone, mac, phone)",
    ),
    "device-of-source": (
        {"device": "watch", "source": "itunes"},
        "unknown device 'watch' (expected one of: ipad, iphone, mac, phone)",
        "not offered by itunes (iphone, ipad, mac)",
    ),
    "source-lacks-chart": (
        {"chart": "top-grossing", "source": "apple"},
        "source apple has no top-grossing chart (--source itunes has them)",
        "not offered by apple (top-free, top-paid)",
    ),
    "source-lacks-device": (
        {"device": "ipad", "source": "apple"},
        "source apple has no ipad charts (--source itunes has them)",
        "not offered by apple (iphone)",
    ),
    "source-lacks-genres": (
        {"category": "games", "source": "apple"},
        "source apple has no genre charts (--source itunes has them)",
        "apple has no genre charts",
    ),
    "country": (
        {"countries": ["us", "ZZ"]},
        "'ZZ' is not an App Store storefront code (e.g. us, gb, jp)",
        "'ZZ' is not an App Store storefront code (e.g. us, gb, jp)",
    ),
}


@pytest.mark.parametrize("case", ERRORS)
def test_every_error_in_both_wordings(case: str) -> None:
    values, message, reason = ERRORS[case]
    with pytest.raises(SelectionError) as caught:
        of(**values)
    assert (str(caught.value), caught.value.reason) == (message, reason)
    assert isinstance(caught.value, ValueError)


def test_an_error_names_the_field_and_the_value_as_given() -> None:
    found = []
    for values in (
        {"chart": "top-cool"},
        {"source": "play"},
        {"category": "Cats"},
        {"category": "games", "source": "apple"},
        {"device": "watch"},
        {"countries": ["ZZ"]},
    ):
        with pytest.raises(SelectionError) as caught:
            of(**values)
        found.append((caught.value.field, caught.value.value))
    assert found == [
        ("chart", "top-cool"),
        ("source", "play"),
        ("category", "Cats"),
        ("category", "games"),
        ("device", "watch"),
        ("countries", "ZZ"),
    ]


def test_the_first_bad_value_is_reported_in_a_fixed_order() -> None:
    # chart, source, genre, device, then the countries: as the commands always checked them.
    with pytest.raises(SelectionError, match=r"^unknown chart"):
        of("x", source="play", category="x", device="x", countries=["x"])
    with pytest.raises(SelectionError, match=r"^unknown source"):
        of(source="play", category="x", device="x", countries=["x"])
    with pytest.raises(SelectionError, match=r"^unknown genre"):
        of(category="x", device="x", countries=["x"])
    with pytest.raises(SelectionError, match=r"^unknown device"):
        of(device="x", countries=["x"])


def test_the_key_of_one_chart_uses_the_charts_usual_source() -> None:
    assert of(country="us").key() == ChartKey("apple", "us", "top-free", "all", "iphone")
    assert of("top-grossing", country="jp").key() == ChartKey(
        "itunes", "jp", "top-grossing", "all", "iphone"
    )
    assert of(source="itunes", device="mac", country="gb").key().source == "itunes"
    with pytest.raises(SelectionError) as caught:
        of(device="ipad", country="us").key()
    assert str(caught.value) == "source apple has no ipad charts (--source itunes has them)"
    assert [default_source(c) for c in ("top-free", "top-paid", "top-grossing")] == [
        "apple",
        "apple",
        "itunes",
    ]


def test_the_storefront_check() -> None:
    assert storefront(" GB ") == "gb"
    with pytest.raises(SelectionError, match=r"^'all' is not an App Store storefront code"):
        storefront("all")
    assert storefronts(["jp", "all"])[:3] == ["jp", STOREFRONTS[0], STOREFRONTS[1]]
    assert len(storefronts(["jp", "all"])) == len(STOREFRONTS)
    assert any_countries(["JP", "jp"]) == ["jp"]
    assert any_countries(["jp", "all"]) == []


def test_the_module_loads_no_pydantic() -> None:
    # Read commands check their options with it and must not pay for the config models.
    code = "import sys, tracker.config.selection; print('pydantic' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (0, "False\n")
