"""Tables for people: whole cells always, sized to the terminal when there is one.

Piped or redirected (stdout not a terminal), a table is plain aligned text: a title line, a
header line, a line per row, columns two spaces apart, every cell whole (line breaks inside a
cell become spaces), numbers right-aligned. The columns are always the same, so `grep`, `awk`
and `cut` see a stable layout.

On a terminal the table is drawn by rich in the terminal's width. Identifiers, ranks and times
are never cut or wrapped; only free text (names, messages, errors) wraps. To fit, columns of a
chart's identity (source, category, ...) holding one value in every row move into the title,
then the command's optional columns go, least useful first; if it still cannot fit, the plain
layout is printed (long lines, nothing cut).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Literal, TextIO

from rich.console import Console

from tracker.text.terminal import printable

# Third-party or long free text: the only cells that may wrap on a terminal.
FREE_TEXT = frozenset(
    {"name", "developer", "app_name", "app", "message", "last_error", "error", "deliveries"}
)
# A chart's identity: when every row shares one value, a terminal table says it once, above.
CONTEXT = ("source", "country", "chart", "category", "device")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?|-|")
_GAP = 2  # spaces between columns


def print_table(
    title: str | None,
    columns: Sequence[str],
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    optional: Sequence[str] = (),
    out: TextIO | None = None,
) -> None:
    """Print `rows` (cells already text) under `headers`; see the module docstring."""
    cells = [[_flat(c) for c in row] for row in rows]
    # Cells hold third-party text: no rich markup ("[red]" in a name stays as it is).
    console = Console(file=out or sys.stdout, highlight=False, markup=False)
    if not console.is_terminal:
        console.file.write(plain(title, headers, cells))
        return
    keep = list(range(len(columns)))
    notes: list[str] = []
    if len(cells) > 1:
        for i, column in enumerate(columns):
            values = {row[i] for row in cells}
            if column in CONTEXT and len(values) == 1:
                keep.remove(i)
                notes.append(f"{headers[i]} {values.pop() or '-'}")
    shown = f"{title}: {', '.join(notes)}" if title and notes else title
    droppable = [columns.index(c) for c in optional if c in columns]
    while _needed(columns, headers, cells, keep) > console.width and droppable:
        dropped = droppable.pop(0)
        if dropped in keep:
            keep.remove(dropped)
    if _needed(columns, headers, cells, keep) > console.width:
        console.file.write(plain(title, headers, cells))
        return
    from rich.table import Table  # only for a terminal: piped output is plain text

    table = Table(
        title=shown,
        box=None,
        padding=(0, _GAP // 2),
        pad_edge=False,
        header_style="bold",
        title_justify="left",
    )
    for i in keep:
        if columns[i] in FREE_TEXT:
            table.add_column(headers[i], min_width=min(_width(headers, cells, i), 12))
        else:
            width = _width(headers, cells, i)
            table.add_column(headers[i], no_wrap=True, min_width=width, justify=_justify(cells, i))
    for row in cells:
        table.add_row(*[row[i] for i in keep])
    console.print(table)


def plain(title: str | None, headers: Sequence[str], cells: Sequence[Sequence[str]]) -> str:
    """The piped layout: aligned columns of whole cells."""
    widths = [_width(headers, cells, i) for i in range(len(headers))]
    right = [_justify(cells, i) == "right" for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = [
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right, strict=True)
        ]
        return (" " * _GAP).join(parts).rstrip() + "\n"

    head = f"{title}\n" if title else ""
    return head + line(headers) + "".join(line(row) for row in cells)


def _flat(cell: str) -> str:
    """One line: line breaks as spaces, any other control character (ESC, BEL) escaped."""
    if "\n" in cell or "\r" in cell:
        cell = " ".join(cell.splitlines())
    return printable(cell)


def _width(headers: Sequence[str], cells: Sequence[Sequence[str]], i: int) -> int:
    return max([len(headers[i]), *(len(row[i]) for row in cells)])


def _justify(cells: Sequence[Sequence[str]], i: int) -> Literal["right", "left"]:
    numeric = any(row[i] not in ("", "-") for row in cells) and all(
        _NUMBER.fullmatch(row[i]) for row in cells
    )
    return "right" if numeric else "left"


def _needed(
    columns: Sequence[str], headers: Sequence[str], cells: Sequence[Sequence[str]], keep: list[int]
) -> int:
    """The narrowest this table can be drawn without cutting an identifier or a time."""
    widths = [
        min(_width(headers, cells, i), 12) if columns[i] in FREE_TEXT else _width(headers, cells, i)
        for i in keep
    ]
    return sum(widths) + _GAP * max(len(keep) - 1, 0)
