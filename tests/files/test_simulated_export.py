"""The `simulated` column: exported per row, imported back per snapshot, old files are real."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tracker.errors import ImportFileError
from tracker.files import export as exp
from tracker.files.importer import import_file
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.store.engine import open_engine
from tracker.store.writer import Attempt, SnapshotWriter

T0 = datetime(2025, 1, 27, 6, tzinfo=UTC)
US = ChartKey("apple", "us", "top-free")
OLD_HEADER = "captured_at,source,country,chart,category,device,rank,app_id,app_name,developer"


def mixed(engine: Engine) -> None:
    """A real snapshot at 06:00 and a simulated one at 07:00, two rows each."""
    writer = SnapshotWriter(engine)
    entries = (ChartEntry(1, "6737597349", "DeepSeek", "DeepSeek"), ChartEntry(2, "1", "A", None))
    for hour, simulated in ((0, False), (1, True)):
        at = T0 + timedelta(hours=hour)
        snap = ChartSnapshot(ChartRequest(US, 100), entries, None, simulated=simulated)
        writer.save(snap, at, Attempt(at, 1, "ok", 200))


def exported(engine: Engine, fmt: str) -> bytes:
    plan = exp.plan(engine, exp.Selection())
    out = io.BytesIO()
    snapshots = exp.iter_snapshots(engine, plan)
    exp.write_csv(snapshots, out) if fmt == "csv" else exp.write_jsonl(snapshots, out)
    return out.getvalue()


def test_each_row_says_whether_its_snapshot_was_simulated(engine: Engine) -> None:
    mixed(engine)
    assert exported(engine, "csv").decode().split("\r\n") == [
        OLD_HEADER + ",simulated",
        "2025-01-27T06:00:00Z,apple,us,top-free,all,iphone,1,6737597349,DeepSeek,DeepSeek,false",
        "2025-01-27T06:00:00Z,apple,us,top-free,all,iphone,2,1,A,,false",
        "2025-01-27T07:00:00Z,apple,us,top-free,all,iphone,1,6737597349,DeepSeek,DeepSeek,true",
        "2025-01-27T07:00:00Z,apple,us,top-free,all,iphone,2,1,A,,true",
        "",
    ]
    lines = exported(engine, "jsonl").splitlines()
    assert lines[0].endswith(b',"developer":"DeepSeek","simulated":false}')
    assert lines[3].endswith(b',"developer":null,"simulated":true}')


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_import_restores_the_flag(engine: Engine, db_url: str, tmp_path: Path, fmt: str) -> None:
    mixed(engine)
    path = tmp_path / f"history.{fmt}"
    path.write_bytes(exported(engine, fmt))
    target = open_engine(db_url)
    assert import_file(target, path).snapshots_added == 2
    with target.connect() as conn:
        flags = conn.execute(text("SELECT captured_at, simulated FROM snapshot ORDER BY 1")).all()
    assert [tuple(f) for f in flags] == [(1737957600, False), (1737961200, True)]
    assert exported(target, fmt) == path.read_bytes()


def test_files_from_before_the_column_import_as_real(engine: Engine, tmp_path: Path) -> None:
    csv_path = tmp_path / "old.csv"
    csv_path.write_text(
        f"{OLD_HEADER}\r\n2025-01-27T06:00:00Z,apple,us,top-free,all,iphone,1,1,A,Dev\r\n",
        encoding="utf-8",
    )
    jsonl_path = tmp_path / "old.jsonl"
    jsonl_path.write_text(
        '{"captured_at":"2025-01-27T07:00:00Z","source":"apple","country":"us",'
        '"chart":"top-free","category":"all","device":"iphone","rank":1,"app_id":"1",'
        '"app_name":"A","developer":"Dev"}\n',
        encoding="utf-8",
    )
    assert import_file(engine, csv_path).snapshots_added == 1
    assert import_file(engine, jsonl_path).snapshots_added == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT simulated FROM snapshot")).scalars().all() == [0, 0]
    # A short row in an old file is still one bad row named by its line, as before.
    csv_path.write_text(f"{OLD_HEADER}\r\n2025-01-27T08:00:00Z,apple,us\r\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="line 2: expected 10 fields, found 3"):
        import_file(engine, csv_path)


def test_a_flag_that_is_not_true_or_false_is_a_bad_row(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        f"{OLD_HEADER},simulated\r\n2025-01-27T06:00:00Z,apple,us,top-free,all,iphone,1,1,A,,yes\r\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFileError) as caught:
        import_file(engine, path)
    assert str(caught.value).splitlines()[1] == "  line 2: simulated 'yes' is not true or false"
