"""`apprank demo`: the whole pipeline offline, on the simulator's scripted market.

The simulator runs in a child process (tracker/demo/sim.py); the real fetch path (httpx over
loopback, the real store) fetches every simulated hour of the chosen window, then the demo
charts and exports the result into a folder it owns (tracker/demo/folder.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from tracker.alerts.cycle import process_cycle
from tracker.alerts.events import AlertEvent
from tracker.atomic import atomic_file
from tracker.config.load import Config
from tracker.demo.folder import DemoFolder
from tracker.demo.sim import ChildSimulator
from tracker.errors import ApprankError
from tracker.fetch.cycle import fetch_charts, http_settings
from tracker.fetch.http import HttpClient
from tracker.simulate import load_scenario
from tracker.simulate.scenario import Scenario
from tracker.store.engine import open_engine
from tracker.store.writer import SnapshotWriter
from tracker.storefronts import STOREFRONTS

DEMO_PORT = 8123  # what the written config points at, for `apprank simulate --port 8123`
# The default window: from five days into the scenario (DeepSeek climbing in the US) to past
# its peak: about 90 s on two cores for the whole demo, both stores (README).
DEFAULT_OFFSET = timedelta(days=5)
DEFAULT_DAYS = 4.5
GIL_TURN = 0.0005  # seconds; see _short_gil_turns


@dataclass(frozen=True, slots=True)
class DemoHistory:
    scenario: Scenario
    database: Path
    config_path: Path
    countries: list[str]
    play_countries: list[str]
    start: datetime
    hours: int
    charts_stored: int
    charts_failed: int
    alerts: list[AlertEvent]
    seconds: float
    folder: DemoFolder
    config: Config  # what config.toml holds


def demo_countries(scenario: Scenario) -> list[str]:
    """The storefronts the scenario scripts for its protagonist, US first."""
    countries: list[str] = []
    for app in scenario.apps:
        if app.app.id != scenario.expect.app_id:
            continue
        for track in app.tracks:
            if len(track.countries) > len(STOREFRONTS) // 2:
                continue  # the "everywhere else" background track
            countries.extend(c for c in track.countries if c not in countries)
    return sorted(countries, key=lambda c: (c != "us", c))


def demo_play_countries(scenario: Scenario, countries: Sequence[str]) -> list[str]:
    """Where the demo follows Google Play: the storefronts among `countries` in which the
    scenario scripts its protagonist's Play climb (half the demo's fetches otherwise, for
    countries where nothing happens on Play), US first; the US alone if none is."""
    scripted = scenario.expect.extra.get("googleplay", {}).get("top10_countries", [])
    chosen = [c for c in countries if c in scripted]
    return chosen or ["us"]


def demo_config(
    database: Path, base_url: str, countries: Sequence[str], play: Sequence[str] = ("us",)
) -> dict[str, Any]:
    """The demo's configuration: the App Store in `countries`, Google Play in `play`."""
    return {
        "database": {"url": f"sqlite:///{database}"},
        "http": {"concurrency": 4, "per_host": 4, "retries": 2, "backoff_initial": 0.05},
        "sources": {
            "apple": {"base_url": base_url},
            "itunes": {"base_url": base_url},
            "googleplay": {"base_url": base_url},
        },
        "track": [
            {
                "name": "demo",
                "source": "apple",
                "countries": list(countries),
                "charts": ["top-free"],
                "depth": 100,
                "every": "1h",
            },
            {
                "name": "demo-play",
                "source": "googleplay",
                "countries": list(play),
                "charts": ["top-free"],
                "depth": 100,
                "every": "1h",
            },
        ],
        "apps": DEMO_APPS,
        "charts": {"output_dir": str(database.parent)},
        "alert": DEMO_ALERTS,
    }


def demo_settings(
    database: Path,
    base_url: str,
    countries: Sequence[str],
    path: Path,
    play: Sequence[str] = ("us",),
) -> Config:
    """The demo's configuration. Unlike config_from_dict, $APPRANK_DATABASE_URL does not
    override it: the demo writes to its own database, never to the one a user's tracker uses."""
    return Config.model_validate({**demo_config(database, base_url, countries, play), "path": path})


# The scenario's two protagonists, in both stores, each named by one label everywhere.
DEMO_APPS = {
    "deepseek": {"apple": "6737597349", "googleplay": "com.deepseek.chat", "label": "DeepSeek"},
    "chatgpt": {"apple": "6448311069", "googleplay": "com.openai.chatgpt", "label": "ChatGPT"},
}
DEMO_ALERTS = [
    {
        "name": "deepseek-number-one",
        "app": "deepseek",
        "countries": ["all"],
        "chart": "top-free",
        "when": "rank <= 1",
        "cooldown": "24h",
        "notify": ["log"],
    },
    {
        "name": "deepseek-passes-chatgpt",
        "app": "deepseek",
        "countries": ["us"],
        "chart": "top-free",
        "when": "overtakes chatgpt",
        "notify": ["log"],
    },
]


def write_demo_config(
    path: Path, database: Path, countries: Sequence[str], play: Sequence[str] = ("us",)
) -> None:
    """The configuration the demo ran with (every alert rule in it), pointed at the simulator's
    fixed port for `apprank run`."""
    url = f"http://127.0.0.1:{DEMO_PORT}"
    header = (
        "# Written by `apprank demo`. To watch the daemon live on the simulated market:\n"
        f"#   apprank simulate --port {DEMO_PORT} --speed 0.01 --start 2025-01-29T12:00Z &\n"
        "# (--start: the hour after the default window; snapshots take the simulator's time)\n"
        f"#   apprank run --config {path}\n"
    )
    with atomic_file(path) as handle:
        handle.write((header + toml_text(demo_config(database, url, countries, play))).encode())


def toml_text(data: Mapping[str, Any], prefix: str = "", *, item: bool = False) -> str:
    """`data` as TOML: bare keys; strings, numbers, booleans and lists of them; tables and
    arrays of tables (all `demo_config` holds). Strings are JSON-escaped, which TOML reads."""
    scalars, nested = [], []
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            nested.append(toml_text(value, name))
        elif isinstance(value, list) and value and isinstance(value[0], Mapping):
            nested.extend(toml_text(entry, name, item=True) for entry in value)
        else:
            scalars.append(f"{key} = {_toml_value(value)}\n")
    if item:
        header = f"[[{prefix}]]\n"
    else:
        header = f"[{prefix}]\n" if prefix and (scalars or not nested) else ""
    own = [header + "".join(scalars)] if header or scalars else []
    return "\n".join(own + nested)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {type(value).__name__}")


def build_history(
    out: Path,
    *,
    scenario_name: str = "deepseek-2025",
    start: datetime | None = None,
    days: float = DEFAULT_DAYS,
    countries: Sequence[str] | None = None,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> DemoHistory:
    """Fetch every simulated hour of the window into out/apprank.db through the real path."""
    scenario = load_scenario(scenario_name)
    chosen = list(countries) if countries else demo_countries(scenario)
    play = demo_play_countries(scenario, chosen)
    folder = DemoFolder(out, DEMO_FILES, force=force)
    folder.claim()
    database = folder.fresh_database()
    begin = start or scenario.start + DEFAULT_OFFSET
    hours = max(1, int(days * 24))
    started = time.perf_counter()
    with ChildSimulator(scenario_name, begin) as sim, _short_gil_turns():
        config = demo_settings(database, sim.base_url, chosen, out / "config.toml", play)
        writer = SnapshotWriter(open_engine(config.database.url))
        stored, failed, alerts = asyncio.run(
            _fetch_hours(config, writer, sim, begin, hours, progress)
        )
    config_path = out / "config.toml"
    write_demo_config(config_path, database, chosen, play)
    folder.record(config_path)
    return DemoHistory(
        scenario, database, config_path, chosen, play, begin, hours, stored, failed, alerts,
        time.perf_counter() - started, folder,
        demo_settings(database, f"http://127.0.0.1:{DEMO_PORT}", chosen, config_path, play),
    )  # fmt: skip


@contextlib.contextmanager
def _short_gil_turns() -> Iterator[None]:
    """The fetch's event loop and its writer thread share the GIL: each socket call of the loop
    can hand the GIL to the writer and get it back only when the writer's turn ends, 5 ms by
    default; a profile showed sends and queue puts of microseconds taking 6-8 ms each."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(GIL_TURN)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


async def _fetch_hours(
    config: Config,
    writer: SnapshotWriter,
    sim: ChildSimulator,
    begin: datetime,
    hours: int,
    progress: Callable[[int, int], None] | None,
) -> tuple[int, int, list[AlertEvent]]:
    requests = config.requests()
    stored = failed = 0
    alerts: list[AlertEvent] = []
    async with HttpClient(http_settings(config.http)) as client:
        for hour in range(hours):
            sim.set_clock(begin + timedelta(hours=hour))
            result = await fetch_charts(
                config, requests, writer, clock=sim.clock.now, client=client
            )
            stored += len(result.ok)
            failed += len(result.failed)
            saved = [(o.request.key, o.snapshot_id) for o in result.ok if o.snapshot_id]
            alerts += process_cycle(writer.engine, config, saved, now=sim.clock.now())
            if progress is not None:
                progress(hour + 1, hours)
    return stored, failed, alerts


DEMO_CHARTS = {
    "rank": {
        "kind": "rank",
        "apps": ["deepseek", "chatgpt"],
        "countries": ["us"],
        "source": ["apple", "googleplay"],
    },
    "grid": {
        "kind": "grid",
        "apps": ["deepseek", "chatgpt"],
        "countries": ["us", "gb", "de", "fr", "in", "br", "jp", "cn"],
    },
    "leaders": {"kind": "leaders", "apps": ["deepseek", "chatgpt"]},
    "heatmap": {"kind": "heatmap", "apps": ["deepseek"]},
}
CSV_NAME = "history.csv"
DEMO_FILES = ("config.toml", CSV_NAME, *(f"{name}.png" for name in DEMO_CHARTS))


def draw_charts(engine: Engine, config: Config, out: Path, now: datetime) -> list[Path]:
    """The demo's four pictures, titled as simulated."""
    from tracker.config.charts import ChartSpec
    from tracker.files.charts import render_configured_charts

    specs = [
        ChartSpec(**spec, output=str(out.resolve() / f"{name}.png"), simulated=True)
        for name, spec in DEMO_CHARTS.items()
    ]
    paths = []
    for rendered in render_configured_charts(engine, config, specs, now=now):
        if rendered.error:
            raise ApprankError(f"demo chart {rendered.spec.kind}: {rendered.error}")
        if rendered.path is not None:
            paths.append(rendered.path)
    return paths


class CsvExport:
    """`apprank export -o PATH` of the demo's database in a child process, started as soon as
    the history is stored, so that it runs on the second core while the demo draws its charts.
    It is the command itself: history.csv is byte for byte what `apprank export` writes."""

    def __init__(self, engine: Engine, config_path: Path, path: Path) -> None:
        from tracker.files import export

        self.path = path
        plan = export.plan(engine, export.Selection())
        self.rows = (export.estimate_rows(engine, plan) or 0) if plan is not None else 0
        self._proc: subprocess.Popen[str] | None = None
        if plan is None:
            return  # nothing stored (every fetch failed): no file, as `apprank export` would
        # The demo's own config, not the one the user's environment names.
        env = {k: v for k, v in os.environ.items() if k not in _USER_CONFIG}
        argv = [sys.executable, "-m", "tracker", "export", "-o", str(path),
                "--config", str(config_path)]  # fmt: skip
        self._proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env,
        )  # fmt: skip

    def __enter__(self) -> CsvExport:
        return self

    def __exit__(self, *exc: object) -> None:
        """On any failure before wait(): stop the export; it never outlives the demo."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.communicate()

    def wait(self) -> int:
        """The row count, once the file is complete; the export's own error otherwise."""
        if self._proc is None:
            return 0
        _, err = self._proc.communicate()
        if self._proc.returncode != 0:
            lines = err.strip().splitlines() or [f"apprank export -o {self.path} failed"]
            failed = ApprankError(lines[-1].removeprefix("Error: "))
            failed.exit_code = self._proc.returncode
            raise failed
        return self.rows


_USER_CONFIG = ("APPRANK_CONFIG", "APPRANK_DATABASE_URL")
