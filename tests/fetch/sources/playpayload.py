"""Google Play top-chart answers for tests, in the synthesized shape of ../shared/docs/feeds.md
6.4 (not a capture: no live answer has been recorded from this repository), in both framings
of 6.3."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PlayApp:
    """What one chart row says of its app."""

    app_id: str
    name: str
    developer: str = "Dev"
    icon: str = "https://play-lh.googleusercontent.com/icon"
    genre: str = "Puzzle"
    rating: float = 4.52
    installs: str = "1,000,000+"
    price_micros: int = 0
    currency: str = "USD"


def apps(count: int) -> list[PlayApp]:
    """`count` distinct apps: free and paid, in two currencies, with varied ratings."""
    return [
        PlayApp(
            app_id=f"com.example.app{i}",
            name=f"App {i}",
            developer=f"Dev {i}",
            icon=f"https://play-lh.googleusercontent.com/icon-{i}",
            genre="Tools" if i % 2 else "Puzzle",
            rating=round(3.0 + (i % 20) / 10, 2),
            installs=f"{i * 1000:,}+",
            price_micros=0 if i % 3 else 990_000 * i,
            currency="EUR" if i % 5 == 0 else "USD",
        )
        for i in range(1, count + 1)
    ]


def meta(app: PlayApp) -> list[Any]:
    """An entry's 23 positional fields (feeds.md 6.4)."""
    details = f"/store/apps/details?id={app.app_id}"
    fields: list[Any] = [None] * 23
    fields[0] = [app.app_id, 7]
    fields[1] = [None, 2, [512, 512], [None, None, app.icon]]
    fields[2] = []
    fields[3] = app.name
    fields[4] = [f"{app.rating:.1f}", app.rating]
    fields[5] = app.genre
    link = [None, None, None, None, None, [None, None, f"https://play.google.com{details}"]]
    price = [[app.price_micros, app.currency]]
    fields[8] = [None, price, None, None, None, None, link, None, ["CAE="]]
    fields[10] = [None, None, None, None, [None, None, details]]
    fields[13] = [None, f"Summary of {app.name}"]
    fields[14] = app.developer
    fields[15] = app.installs
    return fields


def entry(app: PlayApp) -> list[Any]:
    return [meta(app), [[None, None, [None, app.genre]]], 0]


def payload(rows: list[PlayApp] | list[list[Any]]) -> list[Any]:
    """The inner payload: data[0][1][0] is 29 long, its [28][0] the entries."""
    entries = [entry(r) if isinstance(r, PlayApp) else r for r in rows]
    container: list[Any] = [None] * 29
    container[3] = ["x"]
    container[28] = [entries]
    return [[None, [container]]]


def answer_row(inner: Any, index: str = "0") -> list[Any]:
    text = inner if isinstance(inner, str) or inner is None else json.dumps(inner)
    return ["wrb.fr", "vyAe2", text, None, None, None, index]


def framed(rows: list[Any], *, chunked: bool = False) -> bytes:
    """`)]}'`, a blank line, then the rows as one array, or (`chunked`: rt=c) as two chunks,
    each a length line and a JSON line, the bookkeeping rows in the second."""
    if not chunked:
        return (")]}'\n\n" + json.dumps([*rows, ["di", 123], ["af.httprm", 122, "x", 7]])).encode()
    chunks = [json.dumps(rows), json.dumps([["di", 5], ["e", 4, None, None, 900]])]
    return (")]}'\n\n" + "".join(f"{len(c)}\n{c}\n" for c in chunks)).encode()


def answer(rows: list[PlayApp] | list[list[Any]], *, chunked: bool = False) -> bytes:
    """A whole answer listing `rows` (PlayApps, or entries already built)."""
    return framed([answer_row(payload(rows))], chunked=chunked)
