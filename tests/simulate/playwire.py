"""A small batchexecute client and decoder for the simulator's Google Play tests, written from
feeds.md section 6 and independent of apprank's own parser (tracker/fetch/sources/)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

PATH = "/_/PlayStoreUi/data/batchexecute"
FORM = {"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}


def inner(collection: str, category: str, count: int) -> str:
    """parse-play's request for one chart."""
    return json.dumps(
        [[None, [[None, [None, count]], None, None, [113]], [2, collection, category]]]
    )


def form(*charts: tuple[str, str, int]) -> str:
    calls = [["vyAe2", inner(*chart), None, str(i)] for i, chart in enumerate(charts)]
    return urlencode({"f.req": json.dumps([calls])})


def post(
    client: httpx.Client, *charts: tuple[str, str, int], gl: str = "US", rt: bool = False
) -> httpx.Response:
    query = f"rpcids=vyAe2&source-path=%2Fstore%2Fapps&hl=en&gl={gl}" + ("&rt=c" if rt else "")
    return client.post(f"{PATH}?{query}", content=form(*charts), headers=FORM)


def decode(body: bytes) -> list[list[Any]]:
    """Every row of the body, in either framing; checks each chunk's length prefix (characters
    of the JSON array that follows) and the final `e` row's total."""
    text = body.decode("utf-8")
    assert text.startswith(")]}'\n\n"), text[:20]
    lines = text[6:].split("\n")
    if not lines[0].isdigit():
        assert lines[1:] == [""]
        rows: list[list[Any]] = json.loads(lines[0])
        return rows
    rows, seen = [], 0
    assert lines[-1] == ""
    for size, chunk in zip(lines[0:-1:2], lines[1:-1:2], strict=True):
        assert int(size) == len(chunk)
        rows.extend(json.loads(chunk))
        if rows[-1][0] == "e":
            assert rows[-1] == ["e", 4, None, None, seen]
        seen += len(size) + len(chunk) + 2
    return rows


@dataclass(frozen=True)
class Entry:
    package: str
    title: str
    developer: str
    category: str
    price_micros: int
    currency: str
    rating: float
    rating_text: str
    installs: str
    path: str
    kind: int


def container(row: list[Any]) -> list[Any]:
    data = json.loads(row[2])
    assert len(data) == 1 and data[0][0] is None
    box: list[Any] = data[0][1][0]
    assert len(box) == 29 and box.count(None) == 27 and len(box[3]) == 1
    return box


def entries(row: list[Any]) -> list[Entry]:
    """The chart in one wrb.fr row (feeds.md 6.4 paths), checking parse-play's assertions."""
    assert row[:2] == ["wrb.fr", "vyAe2"] and row[3:6] == [None, None, None]
    out = []
    for e in container(row)[28][0]:
        meta = e[0]
        assert len(e) == 3 and e[2] in (0, 1, 2) and len(meta) == 23
        assert meta[8][8][0] == "CAE=" and e[1] == [[None, None, [None, meta[5]]]]
        assert meta[8][6][5][2] == "https://play.google.com/store/apps/details?id=" + meta[0][0]
        out.append(
            Entry(
                package=meta[0][0],
                title=meta[3],
                developer=meta[14],
                category=meta[5],
                price_micros=meta[8][1][0][0],
                currency=meta[8][1][0][1],
                rating=meta[4][1],
                rating_text=meta[4][0],
                installs=meta[15],
                path=meta[10][4][2],
                kind=e[2],
            )
        )
    return out


def by_index(rows: list[list[Any]]) -> dict[Any, list[Any]]:
    """The wrb.fr rows by the index they echo (the last element)."""
    return {row[-1]: row for row in rows if row[0] == "wrb.fr"}
