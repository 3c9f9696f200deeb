"""Saving: format by extension, exact pixel size, names in SVG text, same bytes, atomic."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from charts.render import render
from charts.result import ChartResult
from charts.save import save_figure
from tests.charts.builders import N, X, png_size, series
from tracker.config.charts import chart_format
from tracker.errors import ApprankError, UsageError

STORY = [
    series("1", "Alpha Chat", [3, 2, 1, 1, N, X, 2], country="us"),
    series("1", "Alpha Chat", [1, 1, 2, 3, 3, X, 4], country="gb"),
    series("2", "Beta Maps", [1, 3, 2, 2, 1, X, 1], country="us"),
    series("2", "Beta Maps", [2, 2, 1, 1, 1, X, 1], country="gb"),
]


def chart(kind: str) -> ChartResult:
    chosen = [s for s in STORY if s.app_id == "1"] if kind == "heatmap" else STORY
    return render(kind, chosen)


@pytest.mark.parametrize(
    ("kind", "pixels"),
    [
        ("rank", (1320, 672)),
        ("grid", (1104, 444)),
        ("heatmap", (1320, 408)),
        ("leaders", (1320, 672)),
    ],
)
def test_png_has_the_figure_size_in_pixels(kind: str, pixels: tuple, tmp_path: Path) -> None:
    path = save_figure(chart(kind).figure, tmp_path / f"{kind}.png")
    assert path == tmp_path / f"{kind}.png"
    assert png_size(path) == pixels
    assert 15_000 < path.stat().st_size < 400_000
    assert os.listdir(tmp_path) == [f"{kind}.png"]  # no temp file left behind


@pytest.mark.parametrize(
    ("kind", "names"),
    [
        ("rank", ["Alpha Chat (US)", "Beta Maps (GB)", "Rank of Alpha Chat and Beta Maps"]),
        ("grid", ["United States (US)", "United Kingdom (GB)", "Alpha Chat", "Beta Maps"]),
        ("heatmap", ["Rank of Alpha Chat by country", "United Kingdom (GB)", "United States"]),
        ("leaders", ["Alpha Chat (peak 1,", "Beta Maps (peak 2,", "Beta Maps: #1 in 2 countries"]),
    ],
)
def test_svg_text_names_the_apps_and_countries(kind: str, names: list, tmp_path: Path) -> None:
    text = save_figure(chart(kind).figure, tmp_path / "chart.svg").read_text(encoding="utf-8")
    assert text.startswith("<?xml")
    assert "<svg" in text
    for name in names:
        assert name in text


def test_pdf_is_a_pdf(tmp_path: Path) -> None:
    data = save_figure(chart("rank").figure, tmp_path / "chart.PDF").read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_same_chart_same_bytes(suffix: str, tmp_path: Path) -> None:
    first = save_figure(chart("rank").figure, tmp_path / f"a{suffix}").read_bytes()
    second = save_figure(chart("rank").figure, tmp_path / f"b{suffix}").read_bytes()
    assert first == second


@pytest.mark.parametrize("name", ["chart.jpg", "chart", "chart.png.txt"])
def test_unknown_extension_is_a_usage_error(name: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"use a file name ending in \.png, \.svg or \.pdf"):
        save_figure(Figure(), tmp_path / name)
    assert os.listdir(tmp_path) == []
    assert chart_format("x.SVG") == "svg"


def test_a_failed_write_leaves_the_previous_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "chart.png"
    target.write_bytes(b"previous picture")
    figure = chart("rank").figure

    def broken(handle, **_: object) -> None:
        handle.write(b"half a pict")
        raise OSError(28, "No space left on device")

    figure.savefig = broken  # type: ignore[method-assign]
    with pytest.raises(ApprankError, match=r"^cannot write .*chart\.png: No space left on device$"):
        save_figure(figure, target)
    assert target.read_bytes() == b"previous picture"
    assert os.listdir(tmp_path) == ["chart.png"]


def test_missing_folders_are_created(tmp_path: Path) -> None:
    path = save_figure(chart("leaders").figure, tmp_path / "out" / "daily" / "leaders.svg")
    assert path.is_file()
