"""A small, exact chart history for the query, export and CLI tests: DeepSeek passes ChatGPT.

Depth-3 top-free charts, written through the real SnapshotWriter. Times are on 2025-01-26 (UTC);
each line of STORY is one snapshot: "country HH:MM app app app" (ranks 1, 2, 3).

    bucket (1h)   00:00      01:00      02:00 (two snapshots)    03:00      04:00
    us            gpt tik wa gpt ds tik ds gpt tik | gpt ds tik   (no data)  ds wa gpt
    gb            wa tik gpt wa gpt ds  (no data)                  ds wa gpt  ds gpt yt
    jp                                                                        yt tik gpt
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.store.writer import Attempt, SnapshotWriter

DEEPSEEK = "6737597349"
CHATGPT = "6448311069"
WHATSAPP = "310633997"
TIKTOK = "835599320"
YOUTUBE = "544007664"

APPS = {
    "ds": (DEEPSEEK, "DeepSeek - AI Assistant", "Hangzhou DeepSeek AI"),
    "gpt": (CHATGPT, "ChatGPT", "OpenAI"),
    "wa": (WHATSAPP, "WhatsApp Messenger", "WhatsApp Inc."),
    "tik": (TIKTOK, "TikTok", "TikTok Ltd."),
    "yt": (YOUTUBE, "YouTube", "Google"),
}

DAY = datetime(2025, 1, 26, tzinfo=UTC)

STORY = """
us 00:05 gpt tik wa
gb 00:06 wa tik gpt
us 01:05 gpt ds tik
gb 01:06 wa gpt ds
us 02:05 ds gpt tik
us 02:35 gpt ds tik
gb 03:06 ds wa gpt
us 04:05 ds wa gpt
gb 04:06 ds gpt yt
jp 04:07 yt tik gpt
"""


def at(hhmm: str) -> datetime:
    hours, minutes = hhmm.split(":")
    return DAY + timedelta(hours=int(hours), minutes=int(minutes))


App = str | tuple[str, str, str | None]


def save(
    writer: SnapshotWriter,
    country: str,
    when: datetime,
    apps: list[App],
    *,
    chart: str = "top-free",
    source: str = "apple",
    depth: int | None = None,
) -> None:
    """Store one snapshot of `apps` in rank order: keys of APPS or (id, name, developer)."""
    entries = tuple(
        ChartEntry(rank, *(APPS[app] if isinstance(app, str) else app))
        for rank, app in enumerate(apps, start=1)
    )
    request = ChartRequest(ChartKey(source, country, chart), depth or max(len(apps), 1))
    writer.save(ChartSnapshot(request, entries, when), when, Attempt(when, 100, "ok"))


def build_story(engine: Engine, story: str = STORY) -> SnapshotWriter:
    """Write every line of `story` as a top-free snapshot; returns the writer for more."""
    writer = SnapshotWriter(engine)
    for line in story.strip().splitlines():
        country, hhmm, *codes = line.split()
        save(writer, country, at(hhmm), codes)
    return writer


def story_folder(folder: Path, extra_config: str = "") -> Path:
    """The story in `folder`/apprank.db and a config.toml for it (aliases deepseek, chatgpt, and
    `extra_config`); returns the config's path."""
    from tracker.store.engine import open_engine

    engine = open_engine(f"sqlite:///{folder / 'apprank.db'}")
    build_story(engine)
    engine.dispose()
    path = folder / "config.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{folder / "apprank.db"}"\n'
        '[apps]\ndeepseek = "6737597349"\nchatgpt = "6448311069"\n' + extra_config,
        encoding="utf-8",
    )
    return path
