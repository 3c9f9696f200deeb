"""Several daemons on one PostgreSQL database: each (chart, slot) fetched and stored exactly once,
and when one daemon dies the others keep every chart covered from the next slot on."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.scheduler.conftest import config_text

pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # slow: see .ci/run

COUNTRIES = ["us", "gb", "jp", "de", "fr", "br"]
SLOTS = 32  # one-second slots


def rows(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def test_three_daemons_share_the_charts_exactly_once(tmp_path: Path, sim, daemons, pg_url) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        config_text(tmp_path / "unused.db", sim.base_url,
                    [{"countries": COUNTRIES, "charts": ["top-free", "top-paid"], "depth": 10,
                      "every": "1s"}]).replace(f'sqlite:///{tmp_path / "unused.db"}', pg_url)
    )  # fmt: skip
    crew = [daemons(config) for _ in range(3)]
    for daemon in crew:
        daemon.wait_started()
    started = time.time()
    time.sleep(SLOTS / 2)
    crew[0].kill()  # dies without a word; the others carry on
    killed_at = time.time()
    time.sleep(SLOTS / 2)
    for daemon in crew[1:]:
        assert daemon.stop() == 0

    per_slot = rows(
        pg_url,
        "SELECT chart_id, slot, count(*) FROM snapshot WHERE slot IS NOT NULL "
        "GROUP BY chart_id, slot",
    )
    assert per_slot, "no snapshot stored"
    assert max(n for *_, n in per_slot) == 1  # never twice for one (chart, slot)
    slots = sorted({slot for _, slot, _ in per_slot})
    assert len(slots) >= SLOTS - 4
    charts = len(COUNTRIES) * 2
    # Every slot after the first second is covered for every chart, even after the kill
    # (the killed daemon's claims of its last slot may leave that one slot short).
    full = [s for s in slots if sum(1 for _, slot, _ in per_slot if slot == s) == charts]
    steady = [s for s in slots if started + 2 <= s <= time.time() - 2 and abs(s - killed_at) > 2]
    assert set(steady) <= set(full), sorted(set(steady) - set(full))
    owners = rows(pg_url, "SELECT count(DISTINCT owner) FROM chart_claim")
    assert owners == [(3,)]  # the work was shared, not done by one
    stored = rows(pg_url, "SELECT count(*) FROM snapshot")[0][0]
    claimed_ok = rows(pg_url, "SELECT count(*) FROM fetch_attempt WHERE outcome = 'ok'")[0][0]
    assert stored == claimed_ok
