"""Import reads each line with a bound: an oversized line is refused before it fills memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tracker.errors import ImportFileError
from tracker.files.export import BOM, COLUMNS
from tracker.files.import_records import MAX_LINE_BYTES
from tracker.files.importer import import_file

HUGE = 256 << 20  # a 256 MiB line, in a sparse file that costs no disk


def sparse_file(path: Path, first_line: bytes, size: int) -> Path:
    """`first_line`, then one line of `size` NUL bytes that the file system does not store."""
    with open(path, "wb") as handle:
        handle.write(first_line)
        handle.seek(len(first_line) + size)
        handle.write(b"\r\n")
    return path


def peak_bytes_of_import(engine: Engine, path: Path) -> tuple[int, str]:
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError) as caught:
            import_file(engine, path)
        return tracemalloc.get_traced_memory()[1], str(caught.value)
    finally:
        tracemalloc.stop()


def test_a_huge_csv_line_is_refused_as_it_is_read(engine: Engine, tmp_path: Path) -> None:
    header = (BOM + ",".join(COLUMNS) + "\r\n").encode()
    path = sparse_file(tmp_path / "huge.csv", header, HUGE)
    peak, message = peak_bytes_of_import(engine, path)
    assert message == (
        f"{path} line 2: longer than {MAX_LINE_BYTES:,} bytes "
        "(an apprank export's lines are far shorter)"
    )
    assert peak < 8 * MAX_LINE_BYTES  # the line is never held whole


def test_a_huge_jsonl_line_is_refused_as_it_is_read(engine: Engine, tmp_path: Path) -> None:
    path = sparse_file(tmp_path / "huge.jsonl", b'{"captured_at": "x"}\n{', HUGE)
    peak, message = peak_bytes_of_import(engine, path)
    assert message.startswith(f"{path} line 2: longer than 1,048,576 bytes")
    assert peak < 8 * MAX_LINE_BYTES


def test_a_line_at_the_bound_is_read(engine: Engine, tmp_path: Path) -> None:
    """The bound refuses only what exceeds it: a long but bounded line is an ordinary bad row."""
    header = ",".join(COLUMNS) + "\r\n"
    row = "2025-01-27T06:00:00Z,apple,us,top-free,all,iphone,1,1," + "n" * 100 + ",dev,false\r\n"
    path = tmp_path / "ok.csv"
    path.write_bytes((header + row).encode())
    assert import_file(engine, path).snapshots_added == 1
    long_name = header + row.replace("n" * 100, "n" * (MAX_LINE_BYTES - len(row) + 100))
    path.write_bytes(long_name.encode())
    with pytest.raises(ImportFileError, match=r"unreadable CSV \(field larger than field limit"):
        import_file(engine, path)
