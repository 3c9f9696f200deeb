"""The positional walk of Google Play's top-chart payload (../shared/docs/feeds.md 6.4).

The `vyAe2` answer is nested arrays without a single key, so the parse asserts the shape as
baltpeter/parse-play does, and each refusal names the path that broke
(`data[0][1][0][28][0][3][0] is not a list`): a redesign moves these positions about once a
year (feeds.md 6.5), and a chart read from the wrong positions must be refused, not stored.

Asserted: the container `data[0][1][0]` (29 long), the list at `[28][0]`, each entry a list
whose `meta` (`entry[0]`) is 23 long, the app id at `meta[0][0]` and the name at `meta[3]`
(text). The other fields may be null or missing (an app without a rating or an icon), but a
value of another type, or a step that is not a list, means the positions moved: refused too.
Not asserted, as no field apprank reads depends on them: the 27 nulls around the list, the
`meta[8][8][0] == "CAE="` marker and the category-only `entry[1]`.

The fast path indexes directly; only a failure walks again to name what broke.
"""

from __future__ import annotations

from typing import Any, NoReturn

from tracker.errors import FeedFormatError
from tracker.models import ChartEntry

# data[0][1][0] holds the chart's list at [28]; each entry's meta is 23 long.
CONTAINER_PATH = (0, 1, 0)
CONTAINER_LENGTH = 29
ENTRIES_PATH = (*CONTAINER_PATH, 28, 0)
META_LENGTH = 23
# Optional fields: (ChartEntry field, path in meta, type)
NAME_PATH = (3,)
ID_PATH = (0, 0)
OPTIONAL: tuple[tuple[str, tuple[int, ...], type | tuple[type, ...]], ...] = (
    ("developer", (14,), str),
    ("icon_url", (1, 3, 2), str),
    ("link", (10, 4, 2), str),
    ("genre", (5,), str),
    ("rating", (4, 1), (float, int)),
    ("installs", (15,), str),
    ("price_micros", (8, 1, 0, 0), int),
    ("currency", (8, 1, 0, 1), str),
)
DATA = "data"


def path_text(path: tuple[int, ...], root: str = DATA) -> str:
    """`data[0][1][0]` for (0, 1, 0)."""
    return root + "".join(f"[{i}]" for i in path)


def drift(path: tuple[int, ...], problem: str, url: str) -> FeedFormatError:
    """The refusal of a payload whose positions moved: names the path and the URL."""
    return FeedFormatError(
        f"{path_text(path)} {problem} in Google Play's answer from {url} "
        "(its chart layout may have changed)",
        url=url,
    )


def walk(node: Any, path: tuple[int, ...], url: str, start: tuple[int, ...] = ()) -> Any:
    """`node` at `path` (below `start`, for messages), each step a list long enough;
    FeedFormatError naming the first step that is not."""
    here = start
    for index in path:
        if type(node) is not list:
            raise drift(here, "is not a list", url)
        if index >= len(node):
            raise drift(here, f"has {len(node)} elements, no [{index}]", url)
        node = node[index]
        here = (*here, index)
    return node


def entry_list(data: Any, url: str) -> list[Any]:
    """The chart's entries, `data[0][1][0][28][0]`, after checking the container's length."""
    container = walk(data, CONTAINER_PATH, url)
    if type(container) is not list:
        raise drift(CONTAINER_PATH, "is not a list", url)
    if len(container) != CONTAINER_LENGTH:
        raise drift(CONTAINER_PATH, f"has {len(container)} elements, not {CONTAINER_LENGTH}", url)
    entries = walk(container, ENTRIES_PATH[len(CONTAINER_PATH) :], url, CONTAINER_PATH)
    if type(entries) is not list:
        raise drift(ENTRIES_PATH, "is not a list", url)
    return entries


def entries_of(rows: list[Any], url: str, origin: str) -> list[ChartEntry]:
    """Each row as a ChartEntry ranked by position; `origin` (scheme://host) makes the
    details links absolute."""
    return [_entry(rank, row, url, origin) for rank, row in enumerate(rows, start=1)]


def _entry(rank: int, row: Any, url: str, origin: str) -> ChartEntry:
    at = (*ENTRIES_PATH, rank - 1)
    meta = row[0] if type(row) is list and row else None
    if type(meta) is not list or len(meta) != META_LENGTH:
        _refuse_meta(row, at, url)
    ids = meta[0]
    app_id = ids[0] if type(ids) is list and ids else None
    name = meta[3]
    if type(app_id) is not str:
        _refuse_text(meta, ID_PATH, (*at, 0), url)
    if type(name) is not str:
        _refuse_text(meta, NAME_PATH, (*at, 0), url)
    try:  # the usual row: every field where it belongs (checked just below)
        found = (
            meta[14],
            meta[1][3][2],
            meta[10][4][2],
            meta[5],
            meta[4][1],
            meta[15],
            meta[8][1][0][0],
            meta[8][1][0][1],
        )
    except (IndexError, TypeError, KeyError):  # a null or short step: walked below
        found = None
    if found is None or not _well_typed(found):
        # Each field walked alone: null or missing is absent, anything else refused by path.
        found = tuple(_optional(meta, path, kind, (*at, 0), url) for _, path, kind in OPTIONAL)
    developer, icon, link, genre, rating, installs, price, currency = found
    _check_details(rating, price, currency, (*at, 0), url)
    if link is not None and link.startswith("/"):
        link = origin + link
    elif link is None or not link.startswith(("https://", "http://")):
        link = f"{origin}/store/apps/details?id={app_id}"
    return ChartEntry(
        rank=rank,
        app_id=app_id,
        name=name,
        developer=developer,
        icon_url=icon,
        url=link,
        genre=genre,
        price_micros=price,
        currency=currency,
        rating=None if rating is None else float(rating),
        installs=installs,
    )


# What the store's columns hold (tracker/store/schema): a price in micros that a signed 64-bit
# column and a float keep exactly, an ISO 4217 code, a rating on Play's five stars.
MAX_PRICE_MICROS = 2**53
CURRENCY_LENGTH = 3


def _check_details(
    rating: float | int | None,
    price: int | None,
    currency: str | None,
    meta_at: tuple[int, ...],
    url: str,
) -> None:
    """Refuse details no storefront serves (and no column holds), naming their path."""
    if rating is not None and not 0 <= rating <= 5:
        raise drift((*meta_at, 4, 1), f"is {rating!r}, not a rating from 0 to 5", url)
    if price is not None and not 0 <= price < MAX_PRICE_MICROS:
        raise drift((*meta_at, 8, 1, 0, 0), f"is {price!r}, not a price in micros", url)
    if currency is not None and not (
        len(currency) == CURRENCY_LENGTH
        and currency.isascii()
        and currency.isalpha()
        and currency.isupper()
    ):
        raise drift(
            (*meta_at, 8, 1, 0, 1), f"is {currency[:20]!r}, not a currency code like USD", url
        )


_TEXT = (str, type(None))
_NUMBER = (float, int, type(None))
_WHOLE = (int, type(None))


def _well_typed(found: tuple[Any, ...]) -> bool:
    """Whether the fields the fast path read have their types (in OPTIONAL's order). Indexing
    a string where a list belongs yields a string, never a number, and never reaches a text
    field's index 1 or 2, so a misplaced value cannot pass here."""
    developer, icon, link, genre, rating, installs, price, currency = map(type, found)
    return (
        developer in _TEXT
        and icon in _TEXT
        and link in _TEXT
        and genre in _TEXT
        and installs in _TEXT
        and currency in _TEXT
        and rating in _NUMBER
        and price in _WHOLE
    )


def _refuse_meta(row: Any, at: tuple[int, ...], url: str) -> NoReturn:
    if type(row) is not list:
        raise drift(at, "is not a list", url)
    if not row:
        raise drift(at, "is empty", url)
    if type(row[0]) is not list:
        raise drift((*at, 0), "is not a list", url)
    length = len(row[0])
    raise drift((*at, 0), f"has {length} elements, not {META_LENGTH}", url)


def _refuse_text(meta: list[Any], path: tuple[int, ...], at: tuple[int, ...], url: str) -> NoReturn:
    value = walk(meta, path, url, at)
    raise drift((*at, *path), f"is not text ({type(value).__name__})", url)


def _optional(
    meta: list[Any],
    path: tuple[int, ...],
    kind: type | tuple[type, ...],
    at: tuple[int, ...],
    url: str,
) -> Any:
    """The value at `path` in `meta`: None when a step is null or past the end; refused when
    a step is not a list or the value is of another type."""
    node: Any = meta
    for depth, index in enumerate(path):
        if node is None:
            return None
        if type(node) is not list:
            raise drift((*at, *path[:depth]), "is not a list", url)
        if index >= len(node):
            return None
        node = node[index]
    if node is None or (isinstance(node, kind) and type(node) is not bool):
        return node
    raise drift((*at, *path), f"is not {_kind_name(kind)} ({type(node).__name__})", url)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    if kind is str:
        return "text"
    return "a number" if isinstance(kind, tuple) else "a whole number"
