"""The story (tests/query/story.py) on the App Store, and DeepSeek and ChatGPT on Google Play.

Depth-3 top free phone charts of Google Play, written through the real SnapshotWriter with
Google Play chart keys, beside the story's App Store charts. DeepSeek's ranks per hour (UTC):

    bucket (1h)     00:00  01:00  02:00  03:00  04:00
    App Store us        -      2      1             1
    Google Play us      3      1             1
    App Store gb        -      3             1      1
    Google Play gb             -                    2
    App Store jp                                    -

(a number: ranked; "-": not in chart; blank: no data.) So each store has its own three states.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tests.query.story import at, build_story
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.store.writer import Attempt, SnapshotWriter

DS_PLAY = "com.deepseek.chat"
GPT_PLAY = "com.openai.chatgpt"
TIK_PLAY = "com.zhiliaoapp.musically"
WA_PLAY = "com.whatsapp"

PLAY_APPS = {
    "ds": (DS_PLAY, "DeepSeek - AI Assistant", "DeepSeek"),
    "gpt": (GPT_PLAY, "ChatGPT", "OpenAI"),
    "tik": (TIK_PLAY, "TikTok", "TikTok Pte. Ltd."),
    "wa": (WA_PLAY, "WhatsApp Messenger", "WhatsApp LLC"),
}

PLAY_STORY = """
us 00:10 gpt tik ds
us 01:10 ds gpt tik
gb 01:11 gpt tik wa
us 03:10 ds gpt tik
gb 04:11 gpt ds tik
"""

# The [apps] of a config following DeepSeek and ChatGPT in both stores.
ALIASES = """[apps]
deepseek = { apple = "6737597349", googleplay = "com.deepseek.chat", label = "DeepSeek" }
chatgpt = { apple = "6448311069", googleplay = "com.openai.chatgpt" }
tiktok = "835599320"
"""


def play_key(country: str, chart: str = "top-free") -> ChartKey:
    return ChartKey("googleplay", country, chart, "all", "phone")


def build_two_stores(engine: Engine) -> SnapshotWriter:
    """The story's App Store charts, then PLAY_STORY's Google Play ones, by one writer."""
    writer = build_story(engine)
    for line in PLAY_STORY.strip().splitlines():
        country, hhmm, *codes = line.split()
        entries = tuple(
            ChartEntry(rank, *PLAY_APPS[code]) for rank, code in enumerate(codes, start=1)
        )
        when = at(hhmm)
        request = ChartRequest(play_key(country), len(entries))
        writer.save(ChartSnapshot(request, entries, when), when, Attempt(when, 100, "ok"))
    return writer


def two_stores_folder(folder: Path) -> Path:
    """Both stores' history in `folder`/apprank.db and a config.toml with ALIASES; returns
    the config's path."""
    from tracker.store.engine import open_engine

    engine = open_engine(f"sqlite:///{folder / 'apprank.db'}")
    build_two_stores(engine)
    engine.dispose()
    path = folder / "config.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{folder / "apprank.db"}"\n' + ALIASES, encoding="utf-8"
    )
    return path
