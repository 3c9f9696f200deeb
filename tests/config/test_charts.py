"""ChartSpec: one chart as a [[chart]] entry or the command line describes it."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from tracker.config.charts import ChartSpec, spec_from_options
from tracker.config.load import config_from_dict
from tracker.config.selection import ChartSelection
from tracker.errors import ConfigError, UsageError

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_defaults_and_normalised_values() -> None:
    spec = ChartSpec(kind="rank", apps=[" chatgpt ", "chatgpt", "threads"], countries=["US", "gb"])
    assert spec.apps == ["chatgpt", "threads"]
    assert spec.countries == ["us", "gb"]
    assert (spec.chart, spec.source, spec.every, spec.tz, spec.scale, spec.top) == (
        "top-free",
        None,
        timedelta(hours=1),
        "UTC",
        "zoom",
        1,
    )


def test_all_countries_are_no_countries_every_country_with_data() -> None:
    assert ChartSpec(kind="leaders", apps=["1"], countries=["all"]).countries == []
    assert ChartSpec(kind="leaders", apps=["1"], countries=["us", "ALL"]).countries == []
    assert ChartSpec(kind="rank", apps=["1"], countries="GB").countries == ["gb"]
    with pytest.raises(UsageError, match=r"^--country: 'xx' is not an App Store storefront code"):
        spec_from_options(kind="rank", apps=["1"], countries=["all", "xx"])


def test_every_is_a_duration_parsed_once() -> None:
    assert ChartSpec(kind="rank", apps=["1"], every="15m").every == timedelta(minutes=15)
    assert ChartSpec(kind="rank", apps=["1"], every=90).every == timedelta(seconds=90)


def test_window_counts_ages_back_from_now() -> None:
    spec = ChartSpec(kind="grid", apps=["1"], since="30d", until="2025-02-28")
    assert spec.window(NOW) == (
        datetime(2025, 1, 30, 12, 0, tzinfo=UTC),
        datetime(2025, 2, 28, tzinfo=UTC),
    )
    with pytest.raises(UsageError, match=r"^--since 1d is after --until 2025-01-01$"):
        ChartSpec(kind="rank", apps=["1"], since="1d", until="2025-01-01").window(NOW)


def test_output_paths() -> None:
    spec = ChartSpec(kind="rank", apps=["1"], output="daily/rank.svg")
    assert spec.output_path("out", ["1"], ["us"]) == Path("out/daily/rank.svg")
    absolute = ChartSpec(kind="rank", apps=["1"], output="/srv/www/rank.pdf")
    assert absolute.output_path("out", ["1"], ["us"]) == Path("/srv/www/rank.pdf")
    unnamed = ChartSpec(kind="leaders", apps=["a", "b", "c", "d"])
    assert unnamed.output_path("out", ["11", "22", "33", "44"], []) == Path(
        "out/leaders-11-22-33-and1-allcountries.png"
    )
    assert ChartSpec(kind="grid", apps=["1"]).file_name(["1"], ["us", "gb"]) == "grid-1-us-gb.png"


KINDS_TEXT = "rank, grid, heatmap, leaders"
APP_TEXT = "store id, [apps] alias or part of a name"
BAD_OPTIONS = {
    "kind": ({"kind": "pie"}, f"unknown chart kind 'pie' (expected one of: {KINDS_TEXT})"),
    "no-app": (
        {"apps": []},
        "name at least one APP (a store id, an [apps] alias or part of a name)",
    ),
    "blank-app": ({"apps": [" "]}, f"APP: name at least one app ({APP_TEXT})"),
    "country": (
        {"countries": ["us", "xx"]},
        "--country: 'xx' is not an App Store storefront code (e.g. us, gb, jp)",
    ),
    "since": (
        {"since": "last week"},
        "--since: not a time: 'last week' (expected an ISO date like 2025-01-27, "
        "a time like 2025-01-27T12:00, or a relative age like 24h or 7d)",
    ),
    "every": ({"every": "0h"}, "--every: duration must be positive: '0h'"),
    "tz": (
        {"tz": "Mars/Olympus"},
        "--tz: unknown time zone 'Mars/Olympus' (expected an IANA name like Europe/Paris, or UTC)",
    ),
    "scale": ({"scale": "big"}, "--scale: unknown scale 'big' (expected zoom, fixed or log)"),
    "top": ({"top": 0}, "--top: Input should be greater than or equal to 1"),
    "output": (
        {"output": "chart.gif"},
        "--output: cannot write a chart as .gif (chart.gif): "
        "use a file name ending in .png, .svg or .pdf",
    ),
    "heatmap": ({"kind": "heatmap", "apps": ["a", "b"]}, "a heatmap shows one app; got 2"),
    # The selection, in the words of every other command (ChartSelection.of), with no prefix.
    "chart": (
        {"chart": "top-fre"},
        "unknown chart 'top-fre' (expected one of: top-free, top-grossing, top-paid)",
    ),
    "source": (
        {"source": "play"},
        "unknown source 'play' (expected one of: apple, itunes, googleplay)",
    ),
    "category": ({"category": "cats"}, "unknown genre 'cats'"),
    "device": (
        {"device": "tv"},
        "unknown device 'tv' (expected one of: ipad, iphone, mac, phone)",
    ),
    "source-chart": (
        {"source": "apple", "chart": "top-grossing"},
        "source apple has no top-grossing chart (--source itunes has them)",
    ),
}


@pytest.mark.parametrize(("options", "message"), BAD_OPTIONS.values(), ids=BAD_OPTIONS.keys())
def test_bad_options_are_one_usage_error_line(options: dict, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        spec_from_options(**{"kind": "rank", "apps": ["chatgpt"], **options})
    assert str(caught.value) == message


def test_the_selection_is_checked_and_normalised() -> None:
    spec = ChartSpec(kind="grid", apps=["1"], source="itunes", category="Games", countries=["GB"])
    assert spec.selection == ChartSelection("top-free", "itunes", "6014", "iphone", ("gb",))
    assert spec.category == "Games"  # as written, for messages; the selection holds the id
    assert ChartSpec(kind="rank", apps=["1"], countries=["all"]).selection.countries == ()


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        ({"chart": "top-fre"}, "chart[0].chart = 'top-fre': unknown chart (expected one of: "
         "top-free, top-grossing, top-paid)"),
        ({"source": "apple", "device": "mac"}, "chart[0].device = 'mac': not offered by apple "
         "(iphone)"),
        ({"source": "apple", "category": 6014}, "chart[0].category = 6014: Input should be a "
         "valid string"),
        ({"source": "apple", "category": "games"}, "chart[0].category = 'games': apple has no "
         "genre charts"),
    ],
    ids=["chart", "device", "category-type", "genres"],
)  # fmt: skip
def test_a_configured_chart_is_checked_when_the_file_loads(entry: dict, error: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_dict({"chart": [{"kind": "rank", "apps": ["1"], **entry}]})
    assert str(caught.value) == f"<config>: {error}"


def test_config_entries_refuse_unknown_keys() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        ChartSpec.model_validate({"kind": "rank", "apps": ["1"], "colour": "red"})


def test_spec_imports_neither_matplotlib_nor_the_store() -> None:
    # tracker/config/load.py holds [[chart]] entries as ChartSpec: it must stay cheap to import.
    code = (
        "import sys, tracker.config.charts; "
        "print([m for m in ('matplotlib', 'tracker.query.history', 'tracker.config.load')"
        " if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


def test_the_charts_package_imports_nothing() -> None:
    # Callers import the module they use: the package alone loads no Matplotlib.
    code = (
        "import sys, charts\n"
        "loaded = [m for m in ('matplotlib', 'numpy') if m in sys.modules]\n"
        "print(loaded, [n for n in vars(charts) if not n.startswith('__')])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[] []\n"


def test_share_y_is_a_grid_option() -> None:
    assert ChartSpec(kind="grid", apps=["1"]).share_y is None
    assert ChartSpec(kind="grid", apps=["1"], share_y=False).share_y is False
    with pytest.raises(UsageError, match=r"^--share-y applies to a grid, not a heatmap chart$"):
        spec_from_options(kind="heatmap", apps=["1"], share_y=True)


def test_a_chart_of_several_sources_selects_each_on_its_own_device() -> None:
    spec = ChartSpec(kind="grid", apps=["deepseek"], source=["apple", "googleplay"])
    assert [(s.source, s.device) for s in spec.selections] == [
        ("apple", "iphone"),
        ("googleplay", "phone"),
    ]
    assert ChartSpec(kind="rank", apps=["1"], source="googleplay, apple").sources == [
        "googleplay",
        "apple",
    ]
    assert ChartSpec(kind="rank", apps=["1"]).selections == [ChartSelection()]
    with pytest.raises(ConfigError) as caught:
        config_from_dict(
            {"chart": [{"kind": "rank", "apps": ["1"], "source": BOTH, "category": "GAME"}]}
        )
    assert str(caught.value) == (
        "<config>: chart[0].category = 'GAME': source apple: unknown genre 'GAME'"
    )


BOTH = ["apple", "googleplay"]
