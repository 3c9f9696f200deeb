"""Import: byte-identical round trips, idempotence, whole-file validation with line numbers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.query.engines import pg_engine
from tests.query.story import at, save
from tracker.errors import ImportFileError
from tracker.files import export as exp
from tracker.files.importer import import_file
from tracker.store.writer import SnapshotWriter

TABLES = ("app", "chart", "ranking", "ranking_entry", "snapshot", "fetch_attempt")


def export(engine: Engine, fmt: str = "csv", selection: exp.Selection | None = None) -> bytes:
    plan = exp.plan(engine, selection or exp.Selection())
    out = io.BytesIO()
    if plan is not None:
        rows = exp.iter_snapshots(engine, plan)
        exp.write_csv(rows, out, bom=True) if fmt == "csv" else exp.write_jsonl(rows, out)
    return out.getvalue()


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def story_lines(story: Engine) -> list[str]:
    """The story's CSV export as lines (line 1 is the header), without BOM or CRLF."""
    return export(story).decode("utf-8-sig").split("\r\n")[:-1]


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8", newline="")
    return path


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_import_export_is_byte_identical(
    story: Engine, engine: Engine, tmp_path: Path, fmt: str
) -> None:
    first = export(story, fmt)
    path = tmp_path / f"history.{fmt}"
    path.write_bytes(first)
    report = import_file(engine, path)
    assert (report.rows, report.snapshots_added, report.rows_added) == (30, 10, 30)
    assert (report.snapshots_present, report.bad_rows, report.errors) == (0, 0, [])
    assert export(engine, fmt) == first
    # Rankings deduplicated as on the first machine: us 01:05 == us 02:35, gb 03:06 == us 04:05.
    assert (
        counts(engine)
        == counts(story)
        == {
            "app": 5,
            "chart": 3,
            "ranking": 8,
            "ranking_entry": 24,
            "snapshot": 10,
            "fetch_attempt": 10,
        }
    )


def test_importing_twice_adds_nothing(story: Engine, engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_bytes(export(story))
    import_file(engine, path)
    before = counts(engine)
    again = import_file(engine, path)
    assert (again.snapshots_added, again.rows_added, again.snapshots_present) == (0, 0, 10)
    assert counts(engine) == before


def test_import_adds_only_missing_snapshots(story: Engine, engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_bytes(export(story, selection=exp.Selection(countries=["us"])))
    assert import_file(engine, path).snapshots_added == 5
    path.write_bytes(export(story))
    report = import_file(engine, path)
    assert (report.snapshots_added, report.snapshots_present) == (5, 5)
    assert export(engine) == export(story)


@pytest.mark.postgres
def test_sqlite_to_postgresql_and_back_is_byte_identical(story: Engine, tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_bytes(export(story))
    with pg_engine() as pg:
        import_file(pg, path)
        assert export(pg) == path.read_bytes()


def test_dry_run_counts_and_changes_nothing(story: Engine, engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_bytes(export(story))
    report = import_file(engine, path, dry_run=True)
    assert (report.snapshots_added, report.rows_added) == (10, 30)
    assert counts(engine)["snapshot"] == 0


def test_bad_rows_reject_the_file_and_name_their_lines(
    story: Engine, engine: Engine, tmp_path: Path
) -> None:
    lines = story_lines(story)  # lines[n] is line n + 1 of the file
    lines[2] = lines[2].replace(",2,835599320,", ",two,835599320,")
    lines[5] = lines[5].replace("2025-01-26T00:06:00Z", "2025-01-26 00:06")
    lines[9] = lines[9].replace(",top-free,", ",top-cool,")
    lines[12] = lines[12].replace(",3,6737597349,", ",3,67375x97349,")
    lines[20] = lines[20] + ",extra"
    lines[24] = lines[24].replace(",ChatGPT,", ",,")
    lines[27] = lines[27].replace(",gb,", ",xx,")
    path = write(tmp_path / "bad.csv", lines)
    with pytest.raises(ImportFileError) as caught:
        import_file(engine, path)
    assert str(caught.value).splitlines() == [
        f"7 bad rows in {path}; nothing imported (--skip-bad imports the rest):",
        "  line 3: rank 'two' is not a whole number",
        "  line 6: captured_at '2025-01-26 00:06' has no UTC offset (export writes ...Z)",
        "  line 10: chart 'top-cool' is not offered by apple (top-free, top-paid)",
        "  line 13: app_id '67375x97349' is not a store id (1 to 64 ASCII digits)",
        "  line 21: expected 11 fields, found 12",
        "  line 25: app_name is empty",
        "  line 28: country 'xx' is not a lower-case App Store storefront code",
    ]
    assert caught.value.exit_code == 1
    assert counts(engine)["snapshot"] == 0


def test_skip_bad_imports_every_snapshot_it_can_trust(
    story: Engine, engine: Engine, tmp_path: Path
) -> None:
    lines = story_lines(story)
    lines[2] = lines[2].replace(",2,835599320,", ",0,835599320,")  # us 00:05
    # A bad country: line 17 may belong to us 02:05 (lines 14-16) or us 02:35 (lines 18-19).
    lines[16] = lines[16].replace(",us,", ",usa,")
    lines[30] = lines[30].replace(",ChatGPT,", ",,")  # jp 04:07
    report = import_file(engine, write(tmp_path / "bad.csv", lines), skip_bad=True)
    assert report.errors == [
        "line 3: rank 0 is outside 1..100 for apple",
        "line 17: country 'usa' is not a lower-case App Store storefront code",
        "line 31: app_name is empty",
    ]
    assert (report.bad_rows, report.snapshots_skipped, report.snapshots_added) == (3, 5, 6)
    exported = export(engine).decode("utf-8-sig")
    for gone in ("T00:05:00Z", "T02:05:00Z", "T02:35:00Z", "T04:07:00Z"):
        assert gone not in exported
    assert exported.count("\r\n") == 1 + 6 * 3


def test_whole_charts_only(story: Engine, engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "deepseek.csv"
    path.write_bytes(export(story, selection=exp.Selection(app_ids=["6737597349"])))
    with pytest.raises(ImportFileError) as caught:
        import_file(engine, path)
    message = str(caught.value).splitlines()
    # DeepSeek's rows at ranks 2, 2 and 3 cannot be whole charts. (Its rows at rank 1 could
    # be, so a filtered export of an app always at #1 would pass: do not import one.)
    assert message[0].startswith("3 bad rows in ")
    assert message[1] == (
        "  line 2: the apple us top-free 2025-01-26T01:05:00Z snapshot lacks rank 1: import "
        "needs whole charts (was the file exported with --app?)"
    )


def test_snapshot_rows_must_be_together_and_in_time_order(engine: Engine, tmp_path: Path) -> None:
    writer = SnapshotWriter(engine)
    save(writer, "us", at("01:00"), ["ds", "gpt"])
    save(writer, "gb", at("01:00"), ["wa", "tik"])
    save(writer, "us", at("02:00"), ["ds"])
    header, gb1, gb2, us1, us2, later = export(engine).decode("utf-8-sig").split("\r\n")[:-1]
    with pytest.raises(ImportFileError) as caught:
        import_file(engine, write(tmp_path / "mixed.csv", [header, us1, gb1, us2, gb2, later]))
    assert str(caught.value).splitlines()[1:] == [
        "  line 4: the rows of the apple us top-free 2025-01-26T01:00:00Z snapshot are not "
        "together",
        "  line 5: the rows of the apple gb top-free 2025-01-26T01:00:00Z snapshot are not "
        "together",
    ]
    with pytest.raises(ImportFileError) as caught:
        import_file(engine, write(tmp_path / "late.csv", [header, later, gb1, gb2, us1, us2]))
    assert str(caught.value).splitlines()[1:] == [
        "  lines 3-4: rows are not in captured_at order (as export writes them)",
        "  lines 5-6: rows are not in captured_at order (as export writes them)",
    ]


def test_repeated_rank_or_app_in_a_snapshot(story: Engine, engine: Engine, tmp_path: Path) -> None:
    lines = story_lines(story)
    twice = [*lines[:3], lines[2], *lines[4:]]
    with pytest.raises(ImportFileError, match="lines 2-4: rank 2 appears twice in the apple us"):
        import_file(engine, write(tmp_path / "rank.csv", twice))
    same_app = [*lines[:3], lines[2].replace(",2,", ",3,"), *lines[4:]]
    with pytest.raises(ImportFileError, match="lines 2-4: app 835599320 appears twice in the"):
        import_file(engine, write(tmp_path / "app.csv", same_app))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "{path} is empty"),
        (b"when,where\r\n", "{path} line 1: not an apprank export (the header must be "),
        (b"captured_at,source\r\n", "{path} line 1: not an apprank export"),
        (b"\xff\xfe" + "captured_at".encode("utf-16-le"), "{path} is not UTF-8 text"),
        (b'{"captured_at": 1}\n', "{path}; nothing imported"),
    ],
    ids=["empty", "header", "short-header", "utf16", "jsonl-fields"],
)
def test_unreadable_files(engine: Engine, tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as caught:
        import_file(engine, path)
    assert message.format(path=path) in str(caught.value)
    with pytest.raises(ImportFileError, match=r"cannot read .*missing\.csv"):
        import_file(engine, tmp_path / "missing.csv")


def test_jsonl_rows_are_checked_with_line_numbers(
    story: Engine, engine: Engine, tmp_path: Path
) -> None:
    lines = export(story, "jsonl").decode().splitlines()
    lines[1] = lines[1].replace('"rank":2', '"rank":"2"')
    lines[3] = "not json"
    lines[4] = lines[4].replace(',"developer":"TikTok Ltd."', "")
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        import_file(engine, path)
    assert str(caught.value).splitlines()[1:] == [
        "  line 2: rank '2' is not a whole number",
        "  line 4: not a JSON object",
        "  line 5: fields differ from an export's (missing developer)",
    ]


def test_multi_line_names_keep_line_numbers_right(engine: Engine, tmp_path: Path) -> None:
    writer = SnapshotWriter(engine)
    save(writer, "us", at("00:00"), [("1", "Three\nline\nname", None), ("2", "B", None)])
    lines = export(engine).decode("utf-8-sig").split("\r\n")[:-1]
    lines.append(lines[2].replace("T00:00:00Z", "T01:00:00Z").replace(",2,2,", ",x,2,"))
    with pytest.raises(ImportFileError, match="line 6: rank 'x' is not a whole number"):
        import_file(engine, write(tmp_path / "multi.csv", lines))


def test_stored_apps_keep_their_metadata(story: Engine, engine: Engine, tmp_path: Path) -> None:
    with story.begin() as conn:
        conn.execute(
            text("UPDATE app SET name = 'ChatGPT (old name)' WHERE store_id = '6448311069'")
        )
    path = tmp_path / "history.csv"
    path.write_bytes(export(story))
    writer = SnapshotWriter(engine)
    save(writer, "fr", at("09:00"), ["gpt"])
    with engine.begin() as conn:
        conn.execute(text("UPDATE app SET icon_url = 'https://icon' WHERE store_id = '6448311069'"))
    import_file(engine, path)
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT name, icon_url FROM app WHERE store_id = '6448311069'")
        ).one()
    assert tuple(row) == ("ChatGPT", "https://icon")
