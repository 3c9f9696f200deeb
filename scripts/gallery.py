"""Draw the chart gallery in docs/img/ from a simulated history, through the real pipeline.

The simulator's `deepseek-2025` scenario (an invented re-enactment, not real data) is captured
every 3 hours for 57 storefronts from 20 Jan to 7 Feb 2025 and stored with SnapshotWriter, with
two outages left as gaps (no data): every country on 31 Jan 03:00-09:00 (the daemon was down)
and the UK on 24 Jan 12:00-21:00. Each picture is then made as `apprank chart` makes it:
ChartSpec -> resolve apps -> history -> render -> atomic save.

    python scripts/gallery.py [--out docs/img] [--db gallery.db]

Takes about a minute, mostly storing the 8,000 snapshots; pass --db to keep and reuse them.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from charts.save import save_figure
from tracker.config.charts import ChartSpec
from tracker.config.load import config_from_dict
from tracker.files.charts import build_chart
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.simulate import Market, load_scenario
from tracker.store.engine import open_engine
from tracker.store.writer import Attempt, SnapshotWriter

START = datetime(2025, 1, 20, tzinfo=UTC)
END = datetime(2025, 2, 7, tzinfo=UTC)
EVERY = timedelta(hours=3)
DEEPSEEK, CHATGPT = "6737597349", "6448311069"
# Every storefront the scenario scripts DeepSeek in, by wave, then the ones it never tops.
COUNTRIES = (
    "us gb ca au nz ie de fr it es nl se no dk fi ch at be pt pl cz gr sg my ph il "
    "in id th vn tr sa ae eg za ng ke br mx ar cl co pe ua ro hu bg hr sk si lt "
    "cn kr tw hk jp ru"
).split()
OUTAGES = [
    (datetime(2025, 1, 31, 3, tzinfo=UTC), datetime(2025, 1, 31, 9, tzinfo=UTC), set(COUNTRIES)),
    (datetime(2025, 1, 24, 12, tzinfo=UTC), datetime(2025, 1, 24, 21, tzinfo=UTC), {"gb"}),
]
HEATMAP = "us gb de fr it es nl se br mx in id tr sa za ng au ca cn kr tw hk jp ru".split()
GALLERY = [
    ("rank", ChartSpec(kind="rank", apps=["deepseek", "chatgpt"], countries=["us"])),
    (
        "grid",
        ChartSpec(
            kind="grid",
            apps=["deepseek", "chatgpt"],
            countries=["us", "gb", "de", "fr", "br", "in", "jp", "cn"],
        ),
    ),
    ("heatmap", ChartSpec(kind="heatmap", apps=["deepseek"], countries=HEATMAP)),
    ("leaders", ChartSpec(kind="leaders", apps=["deepseek", "chatgpt"])),
]


def store_history(url: str) -> int:
    """Capture the simulated charts into the store at `url`; returns the snapshots written."""
    scenario = load_scenario("deepseek-2025")
    market = Market(seed=scenario.seed, scenario=scenario)
    writer = SnapshotWriter(open_engine(url))
    written = 0
    at = START
    while at <= END:
        for country in COUNTRIES:
            if any(a <= at < b and country in where for a, b, where in OUTAGES):
                continue
            apps = market.chart(country, "top-free", at)
            entries = tuple(
                ChartEntry(rank, app.id, app.name, app.developer)
                for rank, app in enumerate(apps, start=1)
            )
            request = ChartRequest(ChartKey("apple", country, "top-free"), 100)
            captured = at + timedelta(minutes=4)
            writer.save(ChartSnapshot(request, entries, at), captured, Attempt(captured, 60, "ok"))
            written += 1
        at += EVERY
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img"), help="folder for the PNGs")
    parser.add_argument("--db", type=Path, help="SQLite file to keep the history in (reused)")
    args = parser.parse_args()
    db = args.db or Path(tempfile.mkdtemp(prefix="apprank-gallery-")) / "gallery.db"
    url = f"sqlite:///{db.resolve()}"
    if not db.exists():
        started = time.perf_counter()
        count = store_history(url)
        print(f"stored {count} simulated snapshots in {time.perf_counter() - started:.0f} s: {db}")
    config = config_from_dict(
        {"database": {"url": url}, "apps": {"deepseek": DEEPSEEK, "chatgpt": CHATGPT}}
    )
    engine = open_engine(url)
    for name, spec in GALLERY:
        started = time.perf_counter()
        full = ChartSpec.model_validate(
            {
                **spec.model_dump(),
                "since": START.isoformat(),
                "until": END.isoformat(),
                "every": "3h",
                "simulated": True,
            }
        )
        built = build_chart(engine, config, full)
        path = save_figure(built.result.figure, args.out / f"{name}.png")
        print(f"{path}  ({time.perf_counter() - started:.2f} s)")


if __name__ == "__main__":
    main()
