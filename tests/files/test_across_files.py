"""Chart files and exports of one app across both stores: `build_chart` draws an [apps]
alias's app in each store asked, both stores' lines in each country's panel of a grid, and
an export's rows span both stores (tests/query/two_stores.py holds the history)."""

from __future__ import annotations

import pytest

from tests.query.story import DEEPSEEK
from tests.query.two_stores import DS_PLAY, two_stores_folder
from tracker.config.charts import ChartSpec
from tracker.config.load import Config, load_config
from tracker.files import export as exp
from tracker.files import export_run
from tracker.files.charts import build_chart
from tracker.models import NO_DATA, NOT_IN_CHART
from tracker.store.engine import open_engine

N, X = NOT_IN_CHART, NO_DATA


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    return load_config(two_stores_folder(tmp_path_factory.mktemp("across-files")))


def test_a_grid_draws_both_stores_in_each_countrys_panel(config: Config) -> None:
    spec = ChartSpec(
        kind="grid", apps=["deepseek"], source=["apple", "googleplay"], countries=["us", "gb"]
    )
    built = build_chart(open_engine(config.database.url), config, spec)
    assert [(a.app_id, a.store) for a in built.apps] == [
        (DEEPSEEK, "apple"),
        (DS_PLAY, "googleplay"),
    ]
    assert built.countries == ["us", "gb"]
    assert [
        (p.label, p.key.source, p.key.device, p.panel, p.values.tolist())
        for p in built.result.series
    ] == [
        ("DeepSeek (App Store)", "apple", "iphone", 0, [N, 2, 1, X, 1]),
        ("DeepSeek (Google Play)", "googleplay", "phone", 0, [3, 1, X, 1, X]),
        ("DeepSeek (App Store)", "apple", "iphone", 1, [N, 3, X, 1, 1]),
        ("DeepSeek (Google Play)", "googleplay", "phone", 1, [X, N, X, X, 2]),
    ]
    assert built.result.title.startswith(
        "Rank of DeepSeek (App Store) and DeepSeek (Google Play) · Top Free iPhone / Top Free "
        "Phone · 2 countries"
    )


def test_a_configured_chart_names_its_sources_as_a_string_too(config: Config) -> None:
    spec = ChartSpec(kind="rank", apps=["deepseek"], source="googleplay,apple", countries=["us"])
    built = build_chart(open_engine(config.database.url), config, spec)
    assert [p.label for p in built.result.series] == [
        "DeepSeek (Google Play)",
        "DeepSeek (App Store)",
    ]


def test_one_source_draws_as_before(config: Config) -> None:
    spec = ChartSpec(kind="rank", apps=["deepseek"], countries=["us"])
    built = build_chart(open_engine(config.database.url), config, spec)
    assert [(p.label, p.key.source) for p in built.result.series] == [
        ("DeepSeek - AI Assistant", "apple")
    ]


def rows(config: Config, **options: object) -> list[tuple[str, str, int, str]]:
    engine = open_engine(config.database.url)
    selection = export_run.selection_of(engine, config.apps, **options)  # type: ignore[arg-type]
    plan = exp.plan(engine, selection)
    assert plan is not None
    # A head is (captured_at, source, country, ...), an entry (rank, app id, name, developer).
    return [
        (head[1], head[2], entry[0], entry[1])
        for head, entries in exp.iter_snapshots(engine, plan)
        for entry in entries
    ]


def test_an_export_of_an_alias_holds_its_rows_in_both_stores(config: Config) -> None:
    both = rows(config, app=["deepseek"], country=["gb"])
    assert both == [
        ("apple", "gb", 3, DEEPSEEK),
        ("apple", "gb", 1, DEEPSEEK),
        ("apple", "gb", 1, DEEPSEEK),
        ("googleplay", "gb", 2, DS_PLAY),
    ]
    assert rows(config, app=["deepseek"], country=["gb"], source=["googleplay"]) == both[3:]
    assert rows(config, app=["deepseek"], country=["gb"], source=["apple"]) == both[:3]


def test_stores_pick_which_of_an_alias_apps_are_exported(config: Config) -> None:
    engine = open_engine(config.database.url)
    play = export_run.selection_of(engine, config.apps, app=["deepseek"], stores=["googleplay"])
    assert list(play.app_ids) == [DS_PLAY]
    apple = export_run.selection_of(engine, config.apps, app=["deepseek"], stores=["apple"])
    assert list(apple.app_ids) == [DEEPSEEK]
