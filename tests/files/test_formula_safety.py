"""Spreadsheet safety (OWASP CSV injection) and exact round trips of awkward names."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.query.story import at, save
from tracker.files import export as exp
from tracker.files.importer import import_file
from tracker.store.engine import open_engine
from tracker.store.writer import SnapshotWriter
from tracker.text import cells as cellsafe


@pytest.mark.parametrize(
    ("stored", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 Calculator", "'+1 Calculator"),
        ("-Minus", "'-Minus"),
        ("@mention", "'@mention"),
        ("\tTabbed", "'\tTabbed"),
        ("\rReturn", "'\rReturn"),
        ("'=already quoted", "''=already quoted"),
        ("''@twice", "'''@twice"),
        ("'Til Death", "'Til Death"),
        ("'", "'"),
        ("Plain = fine", "Plain = fine"),
        ("", ""),
    ],
)
def test_neutralise_and_restore_are_inverse(stored: str, written: str) -> None:
    assert cellsafe.neutralise(stored) == written
    assert cellsafe.restore(written) == stored


# Names a fetch can store (tracker/text/values.py: no control characters).
AWKWARD = [
    ("1", "=cmd|' /C calc'!A0", "@evil"),
    ("2", 'Quote "this", then, commas', '-dev, "Inc"'),
    ("3", "Two lines, \u2028a line separator", " Tab Dev"),
    ("4", "微信 WeChat", "腾讯"),
    ("5", "Google Play Книги 📚", "+Google"),
    ("6", "واتساب", None),
    ("7", "'=kept apostrophe", "'plain"),
    ("8", "   spaced   ", ""),
]


def awkward_engine(path: Path) -> Engine:
    engine = open_engine(f"sqlite:///{path}")
    writer = SnapshotWriter(engine)
    save(writer, "us", at("00:00"), AWKWARD)
    save(writer, "cn", at("00:00"), list(reversed(AWKWARD)))
    return engine


def export(engine: Engine, *, raw: bool = False, fmt: str = "csv") -> bytes:
    plan = exp.plan(engine, exp.Selection())
    out = io.BytesIO()
    if fmt == "csv":
        exp.write_csv(exp.iter_snapshots(engine, plan), out, raw=raw, bom=True)
    else:
        exp.write_jsonl(exp.iter_snapshots(engine, plan), out)
    return out.getvalue()


def test_text_cells_are_neutralised_numbers_untouched(tmp_path: Path) -> None:
    lines = export(awkward_engine(tmp_path / "a.db")).decode("utf-8-sig").split("\r\n")
    assert lines[1] == ("2025-01-26T00:00:00Z,apple,cn,top-free,all,iphone,1,8,   spaced   ,,false")
    assert (
        "2025-01-26T00:00:00Z,apple,us,top-free,all,iphone,1,1,'=cmd|' /C calc'!A0,'@evil,false"
        in lines
    )
    assert '2,"Quote ""this"", then, commas","\'-dev, ""Inc"""' in "\r\n".join(lines)
    assert ",5,Google Play Книги 📚,'+Google" in "\r\n".join(lines)


def test_raw_writes_text_as_stored(tmp_path: Path) -> None:
    raw = export(awkward_engine(tmp_path / "a.db"), raw=True).decode("utf-8-sig")
    assert ",1,=cmd|' /C calc'!A0,@evil,false\r\n" in raw


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_awkward_names_round_trip_exactly(tmp_path: Path, fmt: str) -> None:
    source = awkward_engine(tmp_path / "a.db")
    first = export(source, fmt=fmt)
    path = tmp_path / f"history.{fmt}"
    path.write_bytes(first)
    copy = open_engine(f"sqlite:///{tmp_path / 'b.db'}")
    report = import_file(copy, path)
    assert (report.snapshots_added, report.rows_added, report.bad_rows) == (2, 16, 0)
    assert export(copy, fmt=fmt) == first
    with copy.connect() as conn:
        names = conn.execute(text("SELECT store_id, name, developer FROM app ORDER BY id")).all()
    # CSV has no "no developer" distinct from an empty one; JSONL keeps "" as "".
    expected = [*AWKWARD[:7], ("8", "   spaced   ", None if fmt == "csv" else "")]
    assert sorted(names) == sorted(expected)


def test_raw_export_imports_with_raw(tmp_path: Path) -> None:
    source = awkward_engine(tmp_path / "a.db")
    path = tmp_path / "raw.csv"
    path.write_bytes(export(source, raw=True))
    copy = open_engine(f"sqlite:///{tmp_path / 'b.db'}")
    import_file(copy, path, raw=True)
    assert export(copy, raw=True) == path.read_bytes()


def test_control_characters_stored_before_the_rule_are_cleaned_on_import(tmp_path: Path) -> None:
    """A database written before names were cleaned at parse time may hold control
    characters; its export imports under the same rule a fetch applies."""
    engine = open_engine(f"sqlite:///{tmp_path / 'old.db'}")
    save(SnapshotWriter(engine), "us", at("00:00"), [("1", "Two\r\nlines\x00", "\tTab Dev")])
    path = tmp_path / "old.csv"
    path.write_bytes(export(engine))
    copy = open_engine(f"sqlite:///{tmp_path / 'b.db'}")
    assert import_file(copy, path).rows_added == 1
    with copy.connect() as conn:
        names = conn.execute(text("SELECT store_id, name, developer FROM app")).all()
    assert names == [("1", "Two lines ", "Tab Dev")]
