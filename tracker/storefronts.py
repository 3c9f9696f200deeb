"""Apple's storefront codes and app genre ids."""

from __future__ import annotations

# Storefronts from amp-api.apps.apple.com/v1/storefronts (Jan 2023), lower-cased, as listed in
# tweaselORG/parse-tunes src/common/consts.ts. Often quoted as 175 storefronts; it holds 174 codes.
STOREFRONTS: tuple[str, ...] = tuple(
    """
ae af ag ai al am ao ar at au az ba bb be bf bg bh bj bm bn bo br bs bt bw by bz ca cd cg
ch ci cl cm cn co cr cv cy cz de dk dm do dz ec ee eg es fi fj fm fr ga gb gd ge gh gm gr
gt gw gy hk hn hr hu id ie il in iq is it jm jo jp ke kg kh kn kr kw ky kz la lb lc lk lr
lt lu lv ly ma md me mg mk ml mm mn mo mr ms mt mu mv mw mx my mz na ne ng ni nl no np nr
nz om pa pe pg ph pk pl pt pw py qa ro ru rw sa sb sc se sg si sk sl sn sr st sv sz tc td
th tj tm tn to tr tt tw tz ua ug us uy uz vc ve vg vn vu xk ye za zm zw
""".split()
)
STOREFRONT_SET = frozenset(STOREFRONTS)

# iOS genre ids of the legacy feeds: top level and games, from Apple's genre tree
# https://itunes.apple.com/WebObjects/MZStoreServices.woa/ws/genres (36 is the App Store).
GENRES: dict[int, str] = {
    6000: "Business",
    6001: "Weather",
    6002: "Utilities",
    6003: "Travel",
    6004: "Sports",
    6005: "Social Networking",
    6006: "Reference",
    6007: "Productivity",
    6008: "Photo & Video",
    6009: "News",
    6010: "Navigation",
    6011: "Music",
    6012: "Lifestyle",
    6013: "Health & Fitness",
    6014: "Games",
    6015: "Finance",
    6016: "Entertainment",
    6017: "Education",
    6018: "Books",
    6020: "Medical",
    6021: "Magazines & Newspapers",
    6022: "Catalogs",
    6023: "Food & Drink",
    6024: "Shopping",
    6025: "Stickers",
    6026: "Developer Tools",
    6027: "Graphics & Design",
    7001: "Action",
    7002: "Adventure",
    7003: "Casual",
    7004: "Board",
    7005: "Card",
    7006: "Casino",
    7007: "Dice",
    7008: "Educational",
    7009: "Family",
    7011: "Music Games",
    7012: "Puzzle",
    7013: "Racing",
    7014: "Role Playing",
    7015: "Simulation",
    7016: "Sports Games",
    7017: "Strategy",
    7018: "Trivia",
    7019: "Word",
}


def _slug(name: str) -> str:
    return name.lower().replace(" & ", "-").replace(" ", "-")


GENRE_BY_SLUG: dict[str, int] = {_slug(name): gid for gid, name in GENRES.items()}


def normalize_category(value: str | int) -> str:
    """Return the canonical category key: "all" or a genre id as a string.

    Raises ValueError for an unknown genre id or name.
    """
    text = str(value).strip().lower()
    if text in ("all", "", "36"):
        return "all"
    if text.isdigit():
        if int(text) in GENRES:
            return text
        raise ValueError(f"unknown genre id {text}")
    slug = _slug(text)
    if slug in GENRE_BY_SLUG:
        return str(GENRE_BY_SLUG[slug])
    raise ValueError(f"unknown genre {value!r}")
