"""The digest scenario: four US/GB/JP/FR top-free charts at the start and end of a window, and
failed fetches of GB with a secret in the error, for the digest's query, command and daemon
tests alike; and what the digest says of its US and GB charts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from tests.query.story import CHATGPT, DEEPSEEK, YOUTUBE
from tracker.config.aliases import aliases
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.store.writer import Attempt, SnapshotWriter

T0 = datetime(2025, 1, 26, tzinfo=UTC)
NAMES = {DEEPSEEK: "DeepSeek", CHATGPT: "ChatGPT", YOUTUBE: "YouTube"}
ALIASES = aliases({"deepseek": DEEPSEEK, "chatgpt": CHATGPT})
DEPTH = 15


def hour(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def save(writer: SnapshotWriter, country: str, when: datetime, placed: dict[int, str]) -> None:
    """A depth-15 top-free chart with `placed` {rank: app id} and fillers elsewhere."""
    entries = tuple(
        ChartEntry(rank, app, NAMES.get(app, f"Filler {app}"), "Dev")
        for rank in range(1, DEPTH + 1)
        for app in [placed.get(rank, str(9000 + rank))]
    )
    request = ChartRequest(ChartKey("apple", country, "top-free"), DEPTH)
    writer.save(ChartSnapshot(request, entries, when), when, Attempt(when, 100, "ok", 200))


def scenario(engine: Engine) -> None:
    """Start state at 00:00, end state at 12:00; the window is 00:30 -> 13:00.

    us: ChatGPT #1, DeepSeek #3      -> DeepSeek #1, ChatGPT #2
    gb: ChatGPT #5, DeepSeek #12     -> DeepSeek #4, ChatGPT gone
    jp: YouTube #1, ChatGPT #2, DeepSeek #9 -> YouTube #1, ChatGPT #2, DeepSeek #11
    fr: (first fetched at 12:00) DeepSeek #1
    """
    w = SnapshotWriter(engine)
    save(w, "us", hour(0), {1: CHATGPT, 3: DEEPSEEK})
    save(w, "gb", hour(0), {5: CHATGPT, 12: DEEPSEEK})
    save(w, "jp", hour(0), {1: YOUTUBE, 2: CHATGPT, 9: DEEPSEEK})
    save(w, "us", hour(12), {1: DEEPSEEK, 2: CHATGPT})
    save(w, "gb", hour(12), {4: DEEPSEEK})
    save(w, "jp", hour(12), {1: YOUTUBE, 2: CHATGPT, 11: DEEPSEEK})
    save(w, "fr", hour(12), {1: DEEPSEEK})
    gb = ChartKey("apple", "gb", "top-free")
    secret = "https://u:pw@feed.example/x?token=abc123 timed out"
    w.record_failure(gb, Attempt(hour(-5), 5000, "timeout", None, "before the window"))
    w.record_failure(gb, Attempt(hour(6), 5000, "timeout", None, "timed out"))
    w.record_failure(gb, Attempt(hour(7), 5000, "http_error", 503, secret))


# After the header line: the digest of the US and GB charts over the window (00:30 -> 13:00).
US_GB_LINES = [
    "New #1:",
    "  US: DeepSeek #1 (was #3), took it from ChatGPT (now #2) · 26 Jan 12:00 UTC",
    "Into the top 10:",
    "  GB: DeepSeek #4 (was #12)",
    "Out of the top 10:",
    "  GB: ChatGPT not in chart (was #5)",
    "Biggest climbs:",
    "  GB: DeepSeek #12 -> #4 (+8)",
    "  US: DeepSeek #3 -> #1 (+2)",
    "Biggest drops:",
    "  US: ChatGPT #1 -> #2 (-1)",
    "#1 countries (now vs start):",
    "  DeepSeek: 1 now (US), 0 at start",
    "  ChatGPT: 0 now, 1 at start (US)",
    "Failed fetches:",
    "  apple gb top-free: 2 failed, last 26 Jan 07:00 UTC http_error: "
    "https://u:***@feed.example/x?token=*** timed out",
]
