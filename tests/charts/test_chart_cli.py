"""`apprank chart` end to end: a real SQLite history written by SnapshotWriter, real files out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.charts.builders import N, X, png_size
from tests.conftest import run_apprank
from tracker.cli import app
from tracker.config.charts import ChartSpec
from tracker.config.load import load_config
from tracker.files.charts import build_chart, render_configured_charts
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.store.engine import open_engine
from tracker.store.writer import Attempt, SnapshotWriter

DEEPSEEK, CHATGPT, TIKTOK, WHATSAPP = "6737597349", "6448311069", "835599320", "310633997"
APPS = {
    "ds": (DEEPSEEK, "DeepSeek - AI Assistant", "Hangzhou DeepSeek AI"),
    "gpt": (CHATGPT, "ChatGPT", "OpenAI"),
    "tik": (TIKTOK, "TikTok", "TikTok Ltd."),
    "wa": (WHATSAPP, "WhatsApp Messenger", "WhatsApp Inc."),
}
DAY = datetime(2025, 1, 26, tzinfo=UTC)
# One depth-3 top-free snapshot per line, at HH:05 (US), HH:06 (GB), HH:07 (JP).
# US 06-07 and GB 05 were never fetched; JP stops after 01.
HISTORY = {
    "us": {h: "gpt tik ds" for h in range(4)}
    | {4: "tik gpt wa", 5: "tik gpt wa"}
    | {h: "ds gpt tik" for h in range(8, 12)},
    "gb": {h: "gpt ds tik" for h in (0, 1, 2, 3, 4, 6, 7, 8, 9)}
    | {10: "ds gpt tik", 11: "ds gpt tik"},
    "jp": {0: "tik gpt ds", 1: "tik gpt ds"},
}
# DeepSeek's rank per hour, as `history` must bucket it and the charts must draw it.
DEEPSEEK_RANKS = {
    "gb": [2, 2, 2, 2, 2, X, 2, 2, 2, 2, 1, 1],
    "jp": [3, 3] + [X] * 10,
    "us": [3, 3, 3, 3, N, N, X, X, 1, 1, 1, 1],
}


@pytest.fixture
def config(write_config, tmp_path: Path) -> Path:
    path = write_config(f'[charts]\noutput_dir = "{tmp_path / "out"}"\n[apps]\nds = "{DEEPSEEK}"\n')
    writer = SnapshotWriter(open_engine(load_config(path).database.url))
    for country, hours in HISTORY.items():
        minute = {"us": 5, "gb": 6, "jp": 7}[country]
        for hour, codes in hours.items():
            entries = tuple(
                ChartEntry(rank, *APPS[code]) for rank, code in enumerate(codes.split(), start=1)
            )
            when = DAY + timedelta(hours=hour, minutes=minute)
            request = ChartRequest(ChartKey("apple", country, "top-free"), 3)
            writer.save(ChartSnapshot(request, entries, when), when, Attempt(when, 80, "ok"))
    return path


def chart(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["chart", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def test_charts_draw_exactly_the_stored_ranks(config: Path) -> None:
    cfg = load_config(config)
    spec = ChartSpec(kind="grid", apps=["ds", "chatgpt"])
    built = build_chart(open_engine(cfg.database.url), cfg, spec)
    assert [a.app_id for a in built.apps] == [DEEPSEEK, CHATGPT]
    assert built.countries == ["gb", "jp", "us"]
    drawn = {p.key.country: p.values.tolist() for p in built.result.series if p.app_id == DEEPSEEK}
    assert drawn == DEEPSEEK_RANKS
    assert built.result.series[0].starts[0] == int(DAY.timestamp())


def test_countries_are_drawn_in_the_order_asked(config: Path) -> None:
    cfg = load_config(config)
    spec = ChartSpec(kind="grid", apps=["ds", "chatgpt"], countries=["us", "jp", "gb"])
    built = build_chart(open_engine(cfg.database.url), cfg, spec)
    assert built.countries == ["us", "jp", "gb"]
    assert [(p.app_id, p.key.country, p.panel) for p in built.result.series] == [
        (DEEPSEEK, "us", 0),
        (CHATGPT, "us", 0),
        (DEEPSEEK, "jp", 1),
        (CHATGPT, "jp", 1),
        (DEEPSEEK, "gb", 2),
        (CHATGPT, "gb", 2),
    ]


def test_rank_chart_png(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "rank.png"
    code, stdout, stderr = chart(
        "rank", "DeepSeek", "chatgpt", "--country", "us", "-o", out, "-c", config
    )
    assert (code, stdout, stderr) == (0, f"{out}\n", "")
    assert png_size(out) == (1320, 672)


def test_grid_svg_names_every_country(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "grid.svg"
    code, stdout, _ = chart(
        "grid", "ds", "--country", "us,gb", "--country", "jp", "-o", out, "-c", config
    )
    assert (code, stdout) == (0, f"{out}\n")
    text = out.read_text(encoding="utf-8")
    for name in (
        "United States (US)",
        "United Kingdom (GB)",
        "Japan (JP)",
        "DeepSeek - AI Assistant",
    ):
        assert name in text


def test_heatmap_pdf_in_another_time_zone(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "heat.pdf"
    code, stdout, _ = chart("heatmap", DEEPSEEK, "--tz", "Asia/Tokyo", "-o", out, "-c", config)
    assert (code, stdout) == (0, f"{out}\n")
    assert out.read_bytes().startswith(b"%PDF-")


def test_leaders_default_file_goes_to_the_output_dir(config: Path, tmp_path: Path) -> None:
    code, stdout, _ = chart("leaders", "ds", "chatgpt", "--top", "2", "-c", config)
    expected = tmp_path / "out" / f"leaders-{DEEPSEEK}-{CHATGPT}-gb-jp-us.png"
    assert (code, stdout) == (0, f"{expected}\n")
    assert png_size(expected) == (1320, 672)


def test_rank_without_country_draws_us_and_says_so(config: Path, tmp_path: Path) -> None:
    code, stdout, stderr = chart("rank", "ds", "-c", config)
    assert (code, stdout) == (0, f"{tmp_path / 'out' / f'rank-{DEEPSEEK}-us.png'}\n")
    assert stderr == "Note: drawing us (3 countries have data); choose with --country\n"


def test_no_data_is_exit_1_and_no_file(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "none.png"
    args = ("--since", "2024-01-01", "--until", "2024-02-01", "-o", out, "-c", config)
    code, stdout, stderr = chart("rank", "ds", *args)
    assert (code, stdout) == (1, "")
    assert stderr == (
        "Error: no data for DeepSeek - AI Assistant: no stored snapshot of top-free (iphone) "
        "in any country between 2024-01-01T00:00:00Z and 2024-02-01T00:00:00Z; "
        "run `apprank fetch`, or check --country and --since\n"
    )
    assert not out.exists()


def test_never_in_the_chart_is_exit_1_and_no_file(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "never.png"
    code, stdout, stderr = chart("rank", "WhatsApp", "--country", "gb", "-o", out, "-c", config)
    assert (code, stdout) == (1, "")
    assert stderr == (
        "Error: WhatsApp Messenger in Top Free iPhone · United Kingdom: "
        "not in the top 3 at any time in 26 Jan 2025\n"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("rank", "ds", "-o", "x.gif"),
            "cannot write a chart as .gif (x.gif): use a file name ending in .png, .svg or .pdf",
        ),
        (
            ("bars", "ds"),
            "unknown chart kind 'bars' (expected one of: rank, grid, heatmap, leaders)",
        ),
        (("rank",), "name at least one APP (a store id, an [apps] alias or part of a name)"),
        (
            ("rank", "nosuchapp"),
            "no stored app matches 'nosuchapp' "
            "(give a store id, an [apps] alias or part of the app's name)",
        ),
        (
            ("rank", "ds", "--country", "zz"),
            "--country: 'zz' is not an App Store storefront code (e.g. us, gb, jp)",
        ),
        (("heatmap", "ds", "chatgpt"), "a heatmap shows one app; got 2"),
    ],
    ids=["extension", "kind", "no-app", "unknown-app", "country", "heatmap-two-apps"],
)
def test_bad_input_is_one_error_line_and_exit_2(config: Path, args: tuple, message: str) -> None:
    code, stdout, stderr = chart(*args, "-c", config)
    assert (code, stdout, stderr) == (2, "", f"Error: {message}\n")


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(app, ["chart", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    assert "apprank chart rank chatgpt threads --country us --since 30d" in result.stdout


def test_configured_charts_render_each_and_report_failures(config: Path, tmp_path: Path) -> None:
    cfg = load_config(config)
    specs = [
        ChartSpec(kind="rank", apps=["ds"], countries=["us"], output="ds.svg"),
        ChartSpec(
            kind="rank", apps=["ds"], countries=["us"], since="2024-01-01", until="2024-01-02"
        ),
        ChartSpec(kind="heatmap", apps=["ds"], output=str(tmp_path / "abs.png")),
    ]
    outcomes = render_configured_charts(open_engine(cfg.database.url), cfg, specs)
    assert [(o.path, o.error is None) for o in outcomes] == [
        (tmp_path / "out" / "ds.svg", True),
        (None, False),
        (tmp_path / "abs.png", True),
    ]
    assert outcomes[1].error.startswith("no data for DeepSeek - AI Assistant: ")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["ds.svg"]


def test_a_drawing_library_error_costs_only_its_own_chart(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """matplotlib raising (as its mathtext parser did on a `$` in a name) fails that chart
    alone: the configured charts after it are still drawn."""
    from matplotlib.figure import Figure

    real_savefig = Figure.savefig
    calls = []

    def savefig_failing_once(self: Figure, *args: object, **kwargs: object) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("Expected end of text, found '$'")
        real_savefig(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", savefig_failing_once)
    cfg = load_config(config)
    specs = [
        ChartSpec(kind="rank", apps=["ds"], countries=["us"], output="first.svg"),
        ChartSpec(kind="rank", apps=["ds"], countries=["gb"], output="second.svg"),
    ]
    outcomes = render_configured_charts(open_engine(cfg.database.url), cfg, specs)
    assert [(o.path, o.error) for o in outcomes] == [
        (None, "ValueError: Expected end of text, found '$'"),
        (tmp_path / "out" / "second.svg", None),
    ]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["second.svg"]


def test_the_installed_command_writes_a_chart(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "real.png"
    result = run_apprank(
        "chart", "rank", "ds", "chatgpt", "--country", "gb", "-o", out, "-c", config
    )
    assert (result.code, result.stdout, result.stderr) == (0, f"{out}\n", "")
    assert png_size(out) == (1320, 672)


def rank_label_count(svg: Path, rank: int) -> int:
    """How many times the rank label "#N" is drawn (the SVG keeps each text as a comment)."""
    return svg.read_text(encoding="utf-8").count(f"<!-- #{rank} -->")


def test_share_y_options_reach_the_grid(config: Path, tmp_path: Path) -> None:
    cfg = load_config(config)
    engine = open_engine(cfg.database.url)
    apart = build_chart(engine, cfg, ChartSpec(kind="grid", apps=["ds"], share_y=False))
    assert [ax.get_ylim() for ax in apart.result.figure.axes[:3]] == [
        pytest.approx((3.3, 0.3)),  # GB: #1..#2, held open to three ranks
        pytest.approx((3.7, 0.7)),  # JP: #3 only, in a chart three deep
        pytest.approx((3.7, 0.3)),  # US: #1..#3
    ]
    shared, separate = tmp_path / "shared.svg", tmp_path / "separate.svg"
    for flag, out in (("--share-y", shared), ("--no-share-y", separate)):
        code, stdout, stderr = chart("grid", "ds", flag, "-o", out, "-c", config)
        assert (code, stdout, stderr) == (0, f"{out}\n", "")
    assert rank_label_count(shared, 3) == 1  # one shared axis, labelled on the left
    assert rank_label_count(separate, 3) == 3  # each of the three panels labels its own


def test_share_y_on_a_chart_with_one_panel_is_a_usage_error(config: Path) -> None:
    code, stdout, stderr = chart("rank", "ds", "--share-y", "-c", config)
    assert (code, stdout, stderr) == (
        2,
        "",
        "Error: --share-y applies to a grid, not a rank chart\n",
    )


MONEY = r"Money $\frac{1}{$ maker"


def test_a_dollar_in_an_app_name_charts_without_a_traceback(config: Path, tmp_path: Path) -> None:
    writer = SnapshotWriter(open_engine(load_config(config).database.url))
    for hour, codes in enumerate(([("9", MONEY), ("8", "Beta")], [("8", "Beta"), ("9", MONEY)])):
        when = DAY + timedelta(hours=hour)
        entries = tuple(
            ChartEntry(rank, app_id, name, "Dev $x$")
            for rank, (app_id, name) in enumerate(codes, 1)
        )
        request = ChartRequest(ChartKey("apple", "us", "top-paid"), 2)
        writer.save(ChartSnapshot(request, entries, when), when, Attempt(when, 80, "ok"))
    out = tmp_path / "money.svg"
    code, stdout, stderr = chart(
        "rank", "9", "8", "--chart", "top-paid", "--country", "us", "-o", out, "-c", config
    )
    assert (code, stdout, stderr) == (0, f"{out}\n", "")
    assert f"<!-- {MONEY} -->" in out.read_text(encoding="utf-8")  # the legend, as typed
