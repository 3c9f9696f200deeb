"""`apprank export` and `apprank import` from the command line (story history, story.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from tests.conftest import run_apprank
from tests.query.story import build_story
from tracker.cli import app, exporting
from tracker.store.engine import open_engine

runner = CliRunner()
HEADER = "captured_at,source,country,chart,category,device,rank,app_id,app_name,developer,simulated"


def make_config(folder: Path, name: str = "config.toml", db: str = "apprank.db") -> Path:
    path = folder / name
    path.write_text(
        f'[database]\nurl = "sqlite:///{folder / db}"\n[apps]\ndeepseek = "6737597349"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def config(tmp_path: Path) -> Path:
    engine = open_engine(f"sqlite:///{tmp_path / 'apprank.db'}")
    build_story(engine)
    engine.dispose()
    return make_config(tmp_path)


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    return make_config(tmp_path, "empty.toml", "empty.db")


def run(config: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--config", str(config)])
    return result.exit_code, result.stdout, result.stderr


def test_export_to_a_file_then_import_elsewhere_is_byte_identical(
    config: Path, empty: Path, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    assert run(config, "export", "-o", str(first)) == (0, f"30 rows written to {first}\n", "")
    data = first.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n")
    assert data.count(b"\r\n") == 31
    assert run(empty, "import", str(first)) == (
        0,
        "imported 10 snapshots (30 rows); 0 already stored\n",
        "",
    )
    assert run(empty, "import", str(first)) == (
        0,
        "imported 0 snapshots (0 rows); 10 already stored\n",
        "",
    )
    assert run(empty, "export", "-o", str(second))[0] == 0
    assert second.read_bytes() == data


def test_standard_output_has_no_bom_and_jsonl_one_object_per_row(config: Path) -> None:
    code, out, _ = run(config, "export", "--country", "jp")
    assert code == 0
    assert out.splitlines() == [
        HEADER,
        "2025-01-26T04:07:00Z,apple,jp,top-free,all,iphone,1,544007664,YouTube,Google,false",
        "2025-01-26T04:07:00Z,apple,jp,top-free,all,iphone,2,835599320,TikTok,TikTok Ltd.,false",
        "2025-01-26T04:07:00Z,apple,jp,top-free,all,iphone,3,6448311069,ChatGPT,OpenAI,false",
    ]
    code, out, _ = run(config, "export", "--format", "jsonl", "--app", "deepseek")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["captured_at"], r["country"], r["rank"]) for r in rows] == [
        ("2025-01-26T01:05:00Z", "us", 2),
        ("2025-01-26T01:06:00Z", "gb", 3),
        ("2025-01-26T02:05:00Z", "us", 1),
        ("2025-01-26T02:35:00Z", "us", 2),
        ("2025-01-26T03:06:00Z", "gb", 1),
        ("2025-01-26T04:05:00Z", "us", 1),
        ("2025-01-26T04:06:00Z", "gb", 1),
    ]


def test_no_bom_on_request(config: Path, tmp_path: Path) -> None:
    target = tmp_path / "plain.csv"
    run(config, "export", "-o", str(target), "--no-bom", "--since", "2025-01-26T04:07")
    assert target.read_bytes().startswith(HEADER.encode())


def test_wide_by_country_and_by_time(config: Path, tmp_path: Path) -> None:
    code, out, _ = run(config, "export", "--app", "deepseek", "--wide", "country")
    assert code == 0
    assert out.splitlines() == [
        "at,gb,jp,us",
        "2025-01-26T00:00:00Z,-,,-",
        "2025-01-26T01:00:00Z,3,,2",
        "2025-01-26T02:00:00Z,,,1",
        "2025-01-26T03:00:00Z,1,,",
        "2025-01-26T04:00:00Z,1,-,1",
    ]
    code, out, _ = run(
        config, "export", "--app", "deepseek", "--wide", "time", "--every", "2h",
        "--country", "us,jp", "--format", "jsonl",
    )  # fmt: skip
    assert code == 0
    assert [json.loads(line) for line in out.splitlines()] == [
        {
            "country": "jp",
            "2025-01-26T00:00:00Z": None,
            "2025-01-26T02:00:00Z": None,
            "2025-01-26T04:00:00Z": "-",
        },
        {
            "country": "us",
            "2025-01-26T00:00:00Z": 2,
            "2025-01-26T02:00:00Z": 1,
            "2025-01-26T04:00:00Z": 1,
        },
    ]
    target = tmp_path / "wide.csv"
    assert run(config, "export", "--app", "deepseek", "--wide", "time", "-o", str(target)) == (
        0,
        f"3 rows written to {target}\n",
        "",
    )
    assert target.read_text(encoding="utf-8-sig").splitlines()[1] == "gb,-,3,,1,1"


@pytest.mark.parametrize(
    ("args", "code", "error"),
    [
        (["--wide", "country"], 2, "Error: --wide pivots one app's rank: give exactly one --app\n"),
        (["--wide", "time", "--app", "deepseek,chatgpt"], 2, "Error: --wide pivots one app's "
         "rank: give exactly one --app\n"),
        (["--wide", "time", "--app", "deepseek", "--chart", "top-free,top-paid"], 2, "Error: "
         "--wide reads one chart: give at most one --chart and one --source\n"),
        (["--country", "fr"], 1, "Error: no stored rows match the selection\n"),
        (["--app", "tiktok", "--country", "gb", "--since", "2025-01-26T01:00"], 1,
         "Error: no stored rows match the selection\n"),
        (["--chart", "top-cool"], 2, "Error: unknown chart 'top-cool' (expected one of: "
         "top-free, top-grossing, top-paid)\n"),
        (["--country", "zz"], 2, "Error: 'zz' is not an App Store storefront code (e.g. us, "
         "gb, jp)\n"),
        (["--app", "deepseek", "--wide", "time", "--source", "apple", "--chart",
          "top-grossing"], 2, "Error: source apple has no top-grossing chart (--source itunes "
         "has them)\n"),
        (["--until", "soon"], 2, "Error: --until: not a time: 'soon' (expected an ISO date like "
         "2025-01-27, a time like 2025-01-27T12:00, or a relative age like 24h or 7d)\n"),
    ],
    ids=["wide-no-app", "wide-two-apps", "wide-two-charts", "nothing", "nothing-app", "chart",
         "country", "wide-source-lacks-chart", "until"],
)  # fmt: skip
def test_export_errors(
    config: Path, tmp_path: Path, args: list[str], code: int, error: str
) -> None:
    target = tmp_path / "out.csv"
    assert run(config, "export", "-o", str(target), *args) == (code, "", error)
    assert not target.exists()


@pytest.mark.parametrize("wide", [[], ["--app", "deepseek", "--wide", "country"]])
def test_export_of_all_countries_is_every_country(config: Path, wide: list[str]) -> None:
    every = run(config, "export", "-o", "-", *wide)
    assert every[0] == 0 and every[1]
    assert run(config, "export", "-o", "-", "--country", "all", *wide) == every
    assert run(config, "export", "-o", "-", "--country", "ALL,gb", *wide) == every


def test_raw_export_needs_raw_import(config: Path, empty: Path, tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'apprank.db'}")
    with engine.begin() as conn:
        # As if the storefront had served that name (exports carry the listing's).
        conn.exec_driver_sql(
            "UPDATE app_listing SET name = '=2+5' "
            "WHERE app_id = (SELECT id FROM app WHERE store_id = '544007664')"
        )
    engine.dispose()
    safe, raw = tmp_path / "safe.csv", tmp_path / "raw.csv"
    run(config, "export", "-o", str(safe), "--country", "jp")
    run(config, "export", "-o", str(raw), "--country", "jp", "--raw")
    assert ",544007664,'=2+5,Google" in safe.read_text(encoding="utf-8-sig")
    assert ",544007664,=2+5,Google" in raw.read_text(encoding="utf-8-sig")
    assert run(empty, "import", str(raw), "--raw")[0] == 0
    assert ",544007664,=2+5,Google" in run(empty, "export", "--raw")[1]


def test_import_reports_bad_rows_and_skips_them_on_request(
    config: Path, empty: Path, tmp_path: Path
) -> None:
    good = tmp_path / "good.csv"
    run(config, "export", "-o", str(good))
    lines = good.read_bytes().decode("utf-8-sig").split("\r\n")
    lines[2] = lines[2].replace(",2,835599320,", ",two,835599320,")
    bad = tmp_path / "bad.csv"
    bad.write_text("\r\n".join(lines), encoding="utf-8", newline="")
    assert run(empty, "import", str(bad)) == (
        1,
        "",
        f"Error: 1 bad rows in {bad}; nothing imported (--skip-bad imports the rest):\n"
        "  line 3: rank 'two' is not a whole number\n",
    )
    assert run(empty, "import", str(bad), "--dry-run", "--skip-bad") == (
        0,
        "would import 9 snapshots (27 rows); 0 already stored\n",
        "skipped 1 snapshots with 1 bad rows:\n  line 3: rank 'two' is not a whole number\n",
    )
    code, out, _ = run(empty, "import", str(bad), "--skip-bad", "--json")
    assert code == 0
    assert json.loads(out) == {
        "dry_run": False,
        "rows": 30,
        "snapshots_added": 9,
        "rows_added": 27,
        "snapshots_present": 0,
        "bad_rows": 1,
        "snapshots_skipped": 1,
        "errors": ["line 3: rank 'two' is not a whole number"],
    }
    assert run(empty, "import", str(tmp_path / "nope.csv"))[0:2] == (2, "")


def test_progress_goes_to_stderr_on_a_terminal(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "history.csv"
    monkeypatch.setattr(exporting, "stderr_is_terminal", lambda: True)
    code, out, _ = run(config, "export", "-o", str(target))
    assert (code, out) == (0, f"30 rows written to {target}\n")
    assert target.read_bytes().count(b"\r\n") == 31


def test_end_to_end_as_a_user_runs_it(config: Path, tmp_path: Path) -> None:
    """The real `apprank` process: exit codes, stdout and stderr as a shell sees them."""
    target = tmp_path / "history.jsonl"
    done = run_apprank("export", "--config", config, "--format", "jsonl", "-o", target)
    assert (done.code, done.stdout, done.stderr) == (0, f"30 rows written to {target}\n", "")
    failed = run_apprank("import", "--config", config, tmp_path / "missing.csv")
    assert (failed.code, failed.stdout) == (2, "")  # a usage error, like any unusable path
    assert (
        failed.stderr
        == f"Error: cannot read {tmp_path / 'missing.csv'}: No such file or directory\n"
    )


@pytest.mark.parametrize("name", ["export", "import"])
def test_both_commands_document_an_example(name: str) -> None:
    command = get_command(app).commands[name]  # type: ignore[attr-defined]
    assert "Example:" in (command.help or "")
    assert f"apprank {name} " in (command.help or "")
