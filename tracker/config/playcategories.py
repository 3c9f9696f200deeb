"""Google Play's app categories, as its top-charts endpoint spells them, and the one rule that
checks a googleplay category.

The list is google-play-scraper's (facundoolano/google-play-scraper `lib/constants.js`,
`category`): the codes the `vyAe2` request takes (../shared/docs/feeds.md 6.2). `APPLICATION` is
the endpoint's word for all apps, which apprank calls "all", as it does for the App Store. Google
Play documents no list; a code it drops answers an error, which the fetch reports as it does
any other.

No pydantic here: read commands check categories without loading the config models.
"""

from __future__ import annotations

ALL = "all"
# The endpoint's category for every app: what "all" asks for.
ALL_APPS = "APPLICATION"

PLAY_CATEGORIES: tuple[str, ...] = tuple(
    """
ANDROID_WEAR ART_AND_DESIGN AUTO_AND_VEHICLES BEAUTY BOOKS_AND_REFERENCE BUSINESS COMICS
COMMUNICATION DATING EDUCATION ENTERTAINMENT EVENTS FINANCE FOOD_AND_DRINK HEALTH_AND_FITNESS
HOUSE_AND_HOME LIBRARIES_AND_DEMO LIFESTYLE MAPS_AND_NAVIGATION MEDICAL MUSIC_AND_AUDIO
NEWS_AND_MAGAZINES PARENTING PERSONALIZATION PHOTOGRAPHY PRODUCTIVITY SHOPPING SOCIAL SPORTS
TOOLS TRAVEL_AND_LOCAL VIDEO_PLAYERS WATCH_FACE WEATHER
GAME GAME_ACTION GAME_ADVENTURE GAME_ARCADE GAME_BOARD GAME_CARD GAME_CASINO GAME_CASUAL
GAME_EDUCATIONAL GAME_MUSIC GAME_PUZZLE GAME_RACING GAME_ROLE_PLAYING GAME_SIMULATION
GAME_SPORTS GAME_STRATEGY GAME_TRIVIA GAME_WORD
FAMILY
""".split()
)
_KNOWN = frozenset(PLAY_CATEGORIES)


def play_category(value: str | int) -> str:
    """The category key of `value`: "all" (also for "" and APPLICATION) or a code of
    PLAY_CATEGORIES, upper-cased; ValueError naming the value otherwise."""
    code = str(value).strip().upper()
    if code in ("ALL", "", ALL_APPS):
        return ALL
    if code in _KNOWN:
        return code
    raise ValueError(
        f"unknown Google Play category {value!r} (a code such as GAME, GAME_PUZZLE or TOOLS; "
        "the README lists them)"
    )


def play_category_code(category: str) -> str:
    """The code a request names for the category key `category` ("all": APPLICATION)."""
    return ALL_APPS if category == ALL else category


__all__ = ["ALL_APPS", "PLAY_CATEGORIES", "play_category", "play_category_code"]
