"""Render charts exactly as Apple's feeds do: RSS v2 JSON and legacy Atom-in-JSON, including the
legacy feed's own layout (", " separators, a newline and tab before each element of an array of
objects), byte-compatible with the real captures in tests/fixtures/real/ (README.md there
describes each one and its quirks).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from tracker.simulate.catalog import App
from tracker.simulate.names import LANGUAGE_BY_COUNTRY, slug
from tracker.storefronts import GENRES

_PACIFIC = ZoneInfo("America/Los_Angeles")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LONG_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_ART = "https://is1-ssl.mzstatic.com/image/thumb"

V2_TITLES: dict[str, tuple[str, str]] = {
    "en": ("Top Free Apps", "Top Paid Apps"),
    "zh": ("免费 App 排行", "付费 App 排行"),
    "zh-hant": ("免費 App 排行", "付費 App 排行"),
    "ja": ("無料アプリ", "有料アプリ"),
    "de": ("Charts (gratis)", "Charts (kostenpflichtig)"),
    "ko": ("무료 앱", "유료 앱"),
}
LEGACY_TITLES: dict[str, tuple[str, str, str]] = {
    "en": (
        "iTunes Store: Top Free Apps",
        "iTunes Store: Top Paid Apps",
        "iTunes Store: Top Grossing Apps",
    ),
    "zh-hant": (
        "iTunes Store：熱門免費 App",
        "iTunes Store：熱門付費 App",
        "iTunes Store：最暢銷 App",
    ),
    "ja": (
        "iTunes Store: トップ無料 App",
        "iTunes Store: トップ有料 App",
        "iTunes Store: トップセールス App",
    ),
}
# language -> (free price label, content type label, preview title)
_LABELS: dict[str, tuple[str, str, str]] = {
    "en": ("Get", "Application", "Preview"),
    "zh": ("获取", "应用程序", "预览"),
    "zh-hant": ("取得", "應用程式", "預覽"),
    "ja": ("入手", "アプリケーション", "プレビュー"),
    "ko": ("받기", "응용 프로그램", "미리 보기"),
    "de": ("Laden", "Programm", "Vorschau"),
    "fr": ("Obtenir", "Application", "Aperçu"),
    "es": ("Obtener", "Aplicación", "Vista previa"),
    "pt": ("Obter", "Aplicativo", "Pré-visualização"),
    "ru": ("Загрузить", "Программа", "Просмотр"),
}
# country -> (currency, symbol, multiplier of the USD tier)
_CURRENCY: dict[str, tuple[str, str, float]] = {
    "us": ("USD", "$", 1),
    "gb": ("GBP", "£", 1),
    "jp": ("JPY", "¥", 160),
    "cn": ("CNY", "¥", 7),
    "hk": ("HKD", "HK$", 8),
    "tw": ("TWD", "NT$", 32),
    "kr": ("KRW", "₩", 1400),
    "in": ("INR", "₹", 90),
    "br": ("BRL", "R$", 5),
    "ru": ("RUB", "₽", 100),
    "ca": ("CAD", "$", 1.4),
    "au": ("AUD", "$", 1.5),
    "ch": ("CHF", "CHF ", 1),
    **{cc: ("EUR", "€", 1) for cc in "de fr it es nl at be ie pt fi gr sk si ee lv lt lu".split()},
}
_POP_IDS: dict[str, int] = {"top-free": 27, "top-paid": 30, "top-grossing": 38}


def local_price(country: str, usd: float) -> tuple[float, str, str, int]:
    """(amount, ISO currency, symbol, decimal places) of a USD price tier in `country`'s
    currency: whole units where a unit is worth a cent or less. Both stores price so."""
    currency, symbol, factor = _CURRENCY.get(country, ("USD", "$", 1))
    places = 0 if factor >= 100 else 2
    return round(usd * factor, places), currency, symbol, places


def language(country: str) -> str:
    return LANGUAGE_BY_COUNTRY.get(country, "en")


def rfc1123(moment: datetime) -> str:
    """`Mon, 3 Aug 2026 05:54:03 +0000`: RFC 1123 with an unpadded day, as v2 sends."""
    m = moment.astimezone(ZoneInfo("UTC"))
    return f"{_DAYS[m.weekday()]}, {m.day} {_MONTHS[m.month - 1]} {m.year} {m:%H:%M:%S} +0000"


def pacific_iso(moment: datetime) -> str:
    """`2024-09-04T07:15:13-07:00`: Cupertino time with its offset, as the legacy feed sends."""
    return moment.astimezone(_PACIFIC).replace(microsecond=0).isoformat()


def genre_name(genre: int) -> str:
    return GENRES[genre].removesuffix(" Games") if genre in (7011, 7016) else GENRES[genre]


def app_page(country: str, app: App) -> str:
    return f"https://apps.apple.com/{country}/app/{slug(app.name)}/id{app.id}"


# --- RSS v2 -----------------------------------------------------------------------------------


def v2_body(
    feed_url: str, country: str, chart: str, apps: Sequence[App], updated: datetime
) -> bytes:
    """The v2 `apps.json` document: 2-space indented, UTF-8, trailing newline."""
    titles = V2_TITLES.get(language(country), V2_TITLES["en"])
    feed = {
        "title": titles[0] if chart == "top-free" else titles[1],
        "id": feed_url,
        "author": {"name": "Apple", "url": "https://www.apple.com/"},
        "links": [{"self": feed_url}],
        "copyright": f"Copyright © {updated.year} Apple Inc. All rights reserved.",
        "country": country,
        "icon": "https://www.apple.com/favicon.ico",
        "updated": rfc1123(updated),
        "results": [_v2_row(country, app, rank > 10) for rank, app in enumerate(apps, start=1)],
    }
    return orjson.dumps({"feed": feed}, option=orjson.OPT_INDENT_2) + b"\n"


@lru_cache(maxsize=32_768)
def _v2_row(country: str, app: App, with_genres: bool) -> dict[str, Any]:
    """One result row (static per storefront and app; cached, never mutated)."""
    genres = (
        [
            {
                "genreId": str(g),
                "name": genre_name(g),
                "url": f"https://itunes.apple.com/{country}/genre/id{g}",
            }
            for g in app.genres[:2]
        ]
        if with_genres
        else []
    )
    return {
        "artistName": app.developer,
        "id": app.id,
        "name": app.name,
        "releaseDate": app.released.astimezone(_PACIFIC).date().isoformat(),
        "kind": "apps",
        "artworkUrl100": f"{_ART}/{app.art}/100x100bb.png",
        "genres": genres,
        "url": app_page(country, app),
    }


# --- legacy iTunes RSS ------------------------------------------------------------------------


def apple_layout(value: Any) -> str:
    """JSON in the legacy feed's own layout (reproduces the real hk capture byte for byte)."""
    if isinstance(value, dict):
        items = (
            json.dumps(k, ensure_ascii=False) + ":" + apple_layout(v) for k, v in value.items()
        )
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return "[\n\t" + ", \n\t".join(apple_layout(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False, separators=(", ", ":"))


def legacy_body(
    self_url: str,
    country: str,
    chart: str,
    genre: int | None,
    apps: Sequence[App],
    updated: datetime,
) -> bytes:
    """The legacy feed document: `entry` an array, an object for one row, absent for none."""
    lang = language(country)
    titles = LEGACY_TITLES.get(lang, LEGACY_TITLES["en"])
    title = titles[("top-free", "top-paid", "top-grossing").index(chart)]
    if genre is not None:
        kind = {"top-free": "Free", "top-paid": "Paid", "top-grossing": "Grossing"}[chart]
        title = f"iTunes Store: Top {kind} Applications in {genre_name(genre)}"
    author_uri = (
        "http://www.apple.com/itunes/"
        if country == "us"
        else f"http://www.apple.com/{country}/itunes/"
    )
    view_top = (
        "https://itunes.apple.com/WebObjects/MZStore.woa/wa/viewTop"
        f"?cc={country}&id={genre or 36}&popId={_POP_IDS[chart]}"
    )
    parts = [
        '"author":'
        + apple_layout({"name": {"label": "iTunes Store"}, "uri": {"label": author_uri}})
    ]
    entries = [legacy_entry(country, app) for app in apps]
    if len(entries) == 1:
        parts.append('"entry":' + entries[0])
    elif entries:
        parts.append('"entry":[\n\t' + ", \n\t".join(entries) + "]")
    tail = {
        "updated": {"label": pacific_iso(updated)},
        "rights": {"label": "Copyright 2008 Apple Inc."},
        "title": {"label": title},
        "icon": {"label": "http://itunes.apple.com/favicon.ico"},
        "link": [
            {"attributes": {"rel": "alternate", "type": "text/html", "href": view_top}},
            {"attributes": {"rel": "self", "href": self_url}},
        ],
        "id": {"label": self_url},
    }
    parts += [json.dumps(k) + ":" + apple_layout(v) for k, v in tail.items()]
    return ('{"feed":{' + ", ".join(parts) + "}}").encode()


@lru_cache(maxsize=16_384)
def legacy_entry(country: str, app: App) -> str:
    """One serialized entry (static per storefront and app, so cached)."""
    lang = language(country)
    free_label, content_label, preview = _LABELS.get(lang, _LABELS["en"])
    amount, currency, symbol, places = local_price(country, app.price)
    price_label = free_label if app.free else f"{symbol}{amount:,.{places}f}"
    page = app_page(country, app) + "?uo=2"
    alternate = {"attributes": {"rel": "alternate", "type": "text/html", "href": page}}
    enclosure = {
        "im:duration": {"label": "0"},
        "attributes": {
            "title": preview,
            "rel": "enclosure",
            "type": "image/jpeg",
            "href": f"{_ART}/{app.art.replace('AppIcon', 'Preview')}/1024x1024bb.png",
            "im:assetType": "preview",
        },
    }
    artist: dict[str, Any] = {"label": app.developer}
    if app.artist_href:
        dev_slug = slug(app.developer)
        artist["attributes"] = {
            "href": f"https://apps.apple.com/{country}/developer/{dev_slug}/id{app.artist_id}?uo=2"
        }
    genre = app.genres[0]
    released = app.released.astimezone(_PACIFIC)
    entry: dict[str, Any] = {
        "im:name": {"label": app.name},
        "im:image": [
            {"label": f"{_ART}/{app.art}/{px}x{px}bb.png", "attributes": {"height": str(px)}}
            for px in (53, 75, 100)
        ],
    }
    if app.summary is not None:
        entry["summary"] = {"label": app.summary}
    entry |= {
        "im:price": {
            "label": price_label,
            "attributes": {"amount": f"{amount:.2f}", "currency": currency},
        },
        "im:contentType": {"attributes": {"term": "Application", "label": content_label}},
        "rights": {"label": f"© {app.released.year} {app.developer}"},
        "title": {"label": f"{app.name} - {app.developer}"},
        "link": alternate if app.link_as_object else [alternate, enclosure],
        "id": {"label": page, "attributes": {"im:id": app.id, "im:bundleId": app.bundle_id}},
        "im:artist": artist,
        "category": {
            "attributes": {
                "im:id": str(genre),
                "term": genre_name(genre),
                "scheme": f"https://apps.apple.com/{country}/genre/ios-{slug(genre_name(genre))}/id{genre}?uo=2",
                "label": genre_name(genre),
            }
        },
        "im:releaseDate": {
            "label": pacific_iso(app.released),
            "attributes": {"label": _date_label(released, lang)},
        },
    }
    return apple_layout(entry)


def _date_label(moment: datetime, lang: str) -> str:
    if lang in ("ja", "zh", "zh-hant"):
        return f"{moment.year}年{moment.month:02d}月{moment.day:02d}日"
    if lang == "ko":
        return f"{moment.year}년 {moment.month}월 {moment.day}일"
    return f"{_LONG_MONTHS[moment.month - 1]} {moment.day}, {moment.year}"
