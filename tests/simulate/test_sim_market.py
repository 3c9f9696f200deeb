"""The market model: ids, names, evolution, per-country and per-chart differences."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta

from tracker.simulate import Market
from tracker.simulate.catalog import COUNTRY_INDEX

T0 = datetime(2025, 1, 20, tzinfo=UTC)


def test_ids_are_unique_digit_strings(market: Market) -> None:
    seen: dict[str, str] = {}
    for country in ("us", "gb", "jp", "cn", "sa"):
        for pool in (market.pool(country), market.pool(country, 6014), market.pool(country, 7012)):
            for app in pool.apps:
                assert re.fullmatch(r"[1-6]\d{9}", app.id), app.id
                assert seen.setdefault(app.id, app.name) == app.name
                assert app.bundle_id.isascii() and app.bundle_id.count(".") == 2
    assert "6737597349" not in seen and "6448311069" not in seen  # scripted apps stay scripted


def test_names_cover_many_scripts_and_hostile_forms(market: Market) -> None:
    names: list[str] = []
    for country in ("us", "jp", "cn", "tw", "kr", "ru", "sa", "il", "in", "th", "de", "br"):
        names += [a.name for a in market.chart(country, "top-free", T0)]
        names += [a.developer for a in market.chart(country, "top-free", T0)]
    text = "".join(names)
    scripts = {
        "CJK": "\u4e00-\u9fff",
        "kana": "\u30a0-\u30ff",
        "Hangul": "\uac00-\ud7af",
        "Cyrillic": "\u0400-\u04ff",
        "Arabic": "\u0600-\u06ff",
        "Hebrew": "\u0590-\u05ff",
        "Devanagari": "\u0900-\u097f",
        "Thai": "\u0e00-\u0e7f",
        "emoji": "\U0001f300-\U0001faff",
    }
    for script, span in scripts.items():
        assert re.search(f"[{span}]", text), script
    assert any(n.startswith("=") for n in names) and any(n.startswith("+") for n in names)
    assert any(n.startswith("-") for n in names) and any(n.startswith("@") for n in names)
    assert any("\n" in n for n in names) and any('"' in n for n in names)
    assert any("," in n for n in names)
    assert any(unicodedata.bidirectional(c) in ("R", "AL", "RLO") for c in text)


def test_ranks_move_with_momentum(market: Market) -> None:
    hour = [a.id for a in market.chart("us", "top-free", T0 + timedelta(hours=5))]
    next_hour = [a.id for a in market.chart("us", "top-free", T0 + timedelta(hours=6))]
    later = [a.id for a in market.chart("us", "top-free", T0 + timedelta(days=14))]
    assert hour != next_hour
    assert len(set(hour) & set(next_hour)) >= 90
    assert len(set(hour) - set(later)) >= 10  # apps leave and others enter over two weeks


def test_charts_differ_per_country_and_chart(market: Market) -> None:
    def top(country: str, chart: str, **kw: object) -> list[str]:
        return [a.id for a in market.chart(country, chart, T0, **kw)]  # type: ignore[arg-type]

    assert top("us", "top-free") != top("gb", "top-free")
    assert not set(top("us", "top-free")) & set(top("us", "top-paid"))
    assert top("us", "top-grossing") != top("us", "top-free")
    assert top("us", "top-free", device="ipad") != top("us", "top-free")
    assert len(top("us", "top-free", genre=6007)) == 100
    assert all(a.price > 0 for a in market.chart("fr", "top-paid", T0))
    assert len(COUNTRY_INDEX) == len(set(COUNTRY_INDEX))


def test_deterministic_for_a_seed(market: Market) -> None:
    again = Market(market.seed, market.scenario)
    at = T0 + timedelta(hours=77)
    assert market.chart("br", "top-paid", at) == again.chart("br", "top-paid", at)
    assert Market(market.seed + 1).chart("br", "top-paid", at) != again.chart("br", "top-paid", at)
