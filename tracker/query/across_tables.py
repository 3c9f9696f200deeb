"""How the answers of one question over several stores print as tables and CSV: each store's
rows with a `source` column first, and a title or summary saying what each store answered
("... on the App Store; ... on Google Play"). `--json` needs none of this: `Across.json()`."""

from __future__ import annotations

from typing import Any

from tracker.query import output as out
from tracker.query.across import Across
from tracker.query.answers import CompareAnswer, LeadersAnswer, StatsAnswer

Table = tuple[list[dict[str, Any]], list[str], str, dict[str, str]]


def compare_table(answer: Across[CompareAnswer], *, for_csv: bool) -> Table:
    """Rows, columns, title and headers of `compare` over several stores."""
    first = answer.answered()[0][1]
    labels = out.short_names([first.a, first.b])

    def ahead(part: CompareAnswer) -> str:
        led = sum(1 for c in part.results if c.leader == part.a.app_id)
        return f"{labels[first.a.app_id]} ahead in {led} of {len(part.results)}"

    rows = answer.rows(lambda p: out.compare_rows(p.a, p.b, p.results, for_csv=for_csv))
    title = f"{first.a.name} vs {first.b.name}: {answer.summary(ahead)}"
    headers = {
        "rank_a": f"{labels[first.a.app_id]} rank",
        "rank_b": f"{labels[first.b.app_id]} rank",
    }
    return rows, ["source", *out.COMPARE_COLUMNS], title, headers


def leaders_table(answer: Across[LeadersAnswer]) -> Table:
    """Rows, columns and summary line of `leaders` over several stores, counted per store."""
    name = answer.answered()[0][1].ref.name
    summary = f"{name}: {answer.summary(LeadersAnswer.counted)}"
    rows = answer.rows(LeadersAnswer.rows)
    return rows, ["source", "country", "rank", "captured_at"], summary, {}


def stats_table(answer: Across[StatsAnswer], chart: str) -> Table:
    """Rows, columns, title and headers of `stats` over several stores."""
    name = answer.answered()[0][1].ref.name
    title = f"{name} in {chart}: {answer.summary(lambda p: p.ref.app_id)}"
    rows = answer.rows(StatsAnswer.rows)
    return rows, ["source", *out.STATS_COLUMNS], title, out.STATS_HEADERS


__all__ = ["compare_table", "leaders_table", "stats_table"]
