"""`apprank db copy`: a history merged into another database by natural keys, verified."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from tests.conftest import run_apprank
from tracker.config.selection import ChartSelection
from tracker.errors import StoreError
from tracker.models import ChartEntry, ChartKey, ChartRequest, ChartSnapshot
from tracker.query.history import history
from tracker.store.copy import TABLES, copy_history
from tracker.store.engine import open_engine
from tracker.store.migrate import target_metadata
from tracker.store.reads import latest_chart
from tracker.store.writer import Attempt, SnapshotWriter

T0 = datetime(2025, 1, 20, tzinfo=UTC)
EARLIER = T0 - timedelta(days=10)  # the destination's own history, before the source's
IDS = ("id", "chart_id", "ranking_id", "snapshot_id", "app_id", "alert_id")


def key(country: str) -> ChartKey:
    return ChartKey("apple", country, "top-free")


def build_history(url: str, countries: tuple[str, ...], start: datetime, hours: int, base: int):
    """Hourly snapshots of 25 apps drawn from 40 (store ids base..base+39) per country."""
    writer = SnapshotWriter(open_engine(url))
    for hour in range(hours):
        at = start + timedelta(hours=hour)
        for n, country in enumerate(countries):
            ids = [str(base + (hour // 3 + i * 7 + n) % 40) for i in range(25)]
            entries = tuple(
                ChartEntry(r, a, f'App, "{a}"\n=名前', "Dev") for r, a in enumerate(ids, 1)
            )
            snap = ChartSnapshot(ChartRequest(key(country), 25), entries, at - timedelta(minutes=3))
            writer.save(snap, at, Attempt(at, 40, "ok", 200, None, "u"), slot=int(at.timestamp()))
        writer.record_failure(key(countries[0]), Attempt(at, 9, "timeout", None, "timed out", "u"))
    return writer


def counts(url: str) -> dict[str, int]:
    with open_engine(url).connect() as conn:
        return {
            name: conn.execute(
                select(func.count()).select_from(target_metadata().tables[name])
            ).scalar_one()
            for name in TABLES
        }


def natural(url: str) -> dict[tuple, list[tuple]]:
    """Per chart key: every snapshot (all its columns but ids, its ranks as store ids) and
    every attempt, in time order: what a copy must carry, whatever the ids."""
    tables = target_metadata().tables
    snap_cols = [c.name for c in tables["snapshot"].c if c.name not in IDS]
    try_cols = [c.name for c in tables["fetch_attempt"].c if c.name not in IDS]
    out: dict[tuple, list[tuple]] = {}
    with open_engine(url).connect() as conn:
        charts = conn.execute(text("SELECT id, source, country, kind, category, device FROM chart"))
        for chart_id, *chart in charts.all():
            snaps = conn.execute(
                text(
                    f"SELECT id, {', '.join(snap_cols)}, ranking_id FROM snapshot "
                    "WHERE chart_id = :c ORDER BY captured_at, id"
                ),
                {"c": chart_id},
            ).all()
            rows: list[tuple] = []
            for snap_id, *values, ranking_id in snaps:
                ranks = conn.execute(
                    text(
                        "SELECT e.rank, a.store_id, a.name FROM ranking_entry e JOIN app a "
                        "ON a.id = e.app_id WHERE e.ranking_id = :r ORDER BY e.rank"
                    ),
                    {"r": ranking_id},
                ).all()
                attempts = conn.execute(
                    text(f"SELECT {', '.join(try_cols)} FROM fetch_attempt WHERE snapshot_id = :s"),
                    {"s": snap_id},
                ).all()
                rows.append((tuple(values), tuple(map(tuple, ranks)), tuple(map(tuple, attempts))))
            lone = conn.execute(
                text(
                    f"SELECT {', '.join(try_cols)} FROM fetch_attempt "
                    "WHERE chart_id = :c AND snapshot_id IS NULL ORDER BY started_at, id"
                ),
                {"c": chart_id},
            ).all()
            rows.append(("lone attempts", tuple(map(tuple, lone))))
            out[tuple(chart)] = rows
    return out


def top_and_history(engine: Engine, country: str, since: datetime, until: datetime):
    """What `apprank top` and `apprank history` show of a chart."""
    latest = latest_chart(engine, key(country))
    assert latest is not None
    series = history(
        engine,
        [e.app_id for e in latest.entries],
        ChartSelection.of(countries=[country]),
        since=since,
        until=until,
    )
    return (
        latest.captured_at,
        [(e.rank, e.app_id, e.name, e.change) for e in latest.entries],
        [(s.app_id, s.app_name, s.ranks.tolist()) for s in series],
    )


def mark_some_simulated(url: str) -> None:
    """Snapshots carry every column: a `simulated` flag, where the schema has one, too."""
    if "simulated" in target_metadata().tables["snapshot"].c:
        with open_engine(url).begin() as conn:
            conn.execute(text("UPDATE snapshot SET simulated = (id % 2 = 0)"))


@pytest.fixture
def source(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'source.db'}"
    # us and gb also exist in the destination; jp does not. Apps 6000000010.. overlap.
    build_history(url, ("us", "gb", "jp"), T0, 30, 6000000000)
    mark_some_simulated(url)
    return url


def destination_with_data(url: str) -> dict[str, object]:
    """A destination holding more of its own than the source (higher ids everywhere)."""
    build_history(url, ("gb", "fr", "us", "de"), EARLIER, 40, 6000000010)
    engine = open_engine(url)
    until = EARLIER + timedelta(hours=39)
    return {c: top_and_history(engine, c, EARLIER, until) for c in ("us", "gb", "fr", "de")}


def test_copy_into_a_non_empty_destination_merges_by_natural_keys(source: str, db_url: str) -> None:
    before = destination_with_data(db_url)
    own = natural(db_url)
    report = copy_history(open_engine(source), open_engine(db_url), batch=7)
    assert_merged(source, db_url, own)
    assert report.verified.charts == 3 and report.verified.snapshots == 90
    engine, src = open_engine(db_url), open_engine(source)
    until = T0 + timedelta(hours=29)
    for country in ("us", "gb", "jp"):
        # through the real reads: latest ranks, names and moves, and each app's hourly ranks
        assert top_and_history(engine, country, T0, until) == top_and_history(
            src, country, T0, until
        )
    for country in ("fr", "de"):
        assert (
            top_and_history(engine, country, EARLIER, EARLIER + timedelta(hours=39))
            == (before[country])
        )
    assert_merged(source, db_url, own)


def assert_merged(source: str, destination: str, own: dict[tuple, list[tuple]]) -> None:
    """The destination holds its own history (all earlier) followed by the source's, per chart."""
    mine, merged = natural(source), natural(destination)
    for chart, rows in mine.items():
        theirs = own.get(chart, [("lone attempts", ())])
        assert merged[chart][:-1] == theirs[:-1] + rows[:-1], chart
        assert sorted(merged[chart][-1][1]) == sorted(theirs[-1][1] + rows[-1][1]), chart
    for chart in own.keys() - mine.keys():
        assert merged[chart] == own[chart], chart


def test_repeated_copy_adds_exactly_the_new_snapshots(
    source: str, db_url: str, tmp_path: Path
) -> None:
    destination_with_data(db_url)
    own = natural(db_url)
    config = tmp_path / "c.toml"
    config.write_text(f'[database]\nurl = "{source}"\n')
    first = run_apprank("db", "copy", "-c", config, "--to", db_url, "--json")
    assert first.code == 0, first.stderr
    again = run_apprank("db", "copy", "-c", config, "--to", db_url, "--json")
    assert again.code == 0, again.stderr
    assert {r["table"]: r["copied"] for r in json.loads(again.stdout)} == dict.fromkeys(TABLES, 0)
    # the source's daemon goes on: two more hours, new apps, new charts
    before = counts(db_url)
    build_history(source, ("us", "kr"), T0 + timedelta(hours=30), 2, 6000000030)
    third = run_apprank("db", "copy", "-c", config, "--to", db_url, "--json")
    assert third.code == 0, third.stderr
    copied = {r["table"]: r["copied"] for r in json.loads(third.stdout)}
    assert copied["snapshot"] == 4 and copied["chart"] == 1
    assert copied["fetch_attempt"] == 6  # 4 ok + 2 failures
    assert counts(db_url)["snapshot"] == before["snapshot"] + 4
    assert_merged(source, db_url, own)


# A real database refusal of one source row midway (a trigger, as a constraint would).
REFUSE = {
    "sqlite": [
        "CREATE TRIGGER refuse BEFORE INSERT ON snapshot WHEN NEW.captured_at = {at} "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.captured_at = {at} THEN RAISE EXCEPTION 'refused by the test'; END IF; "
        "RETURN NEW; END $$",
        "CREATE TRIGGER refuse BEFORE INSERT ON snapshot FOR EACH ROW EXECUTE FUNCTION refuse()",
    ],
}
ALLOW = {"sqlite": "DROP TRIGGER refuse", "postgresql": "DROP TRIGGER refuse ON snapshot"}


def test_a_copy_failing_midway_leaves_whole_snapshots_and_completes_when_run_again(
    source: str, db_url: str
) -> None:
    destination_with_data(db_url)
    engine = open_engine(db_url)
    at = int((T0 + timedelta(hours=20)).timestamp())  # the us chart's 21st snapshot
    with engine.begin() as conn:
        for statement in REFUSE[engine.dialect.name]:
            conn.exec_driver_sql(statement.replace("{at}", str(at)))
    with pytest.raises(StoreError, match="refused by the test"):
        copy_history(open_engine(source), engine, batch=4)
    with engine.connect() as conn:
        # no snapshot without every rank row of its ranking, none without its attempt
        half = conn.execute(
            text(
                "SELECT count(*) FROM snapshot s JOIN ranking r ON r.id = s.ranking_id "
                "WHERE s.depth_returned <> r.size OR r.size <> (SELECT count(*) FROM "
                "ranking_entry e WHERE e.ranking_id = r.id) OR NOT EXISTS (SELECT 1 FROM "
                "fetch_attempt a WHERE a.snapshot_id = s.id)"
            )
        ).scalar_one()
        copied = conn.execute(
            text("SELECT count(*) FROM snapshot WHERE captured_at >= :t"),
            {"t": int(T0.timestamp())},
        ).scalar_one()
    assert half == 0
    assert 0 < copied < 90 and copied % 4 == 0  # whole batches: a consistent prefix
    with engine.begin() as conn:
        conn.exec_driver_sql(ALLOW[engine.dialect.name])
    report = copy_history(open_engine(source), engine, batch=4)
    assert report.verified.snapshots == 90
    assert {t.table: t.copied for t in report.tables}["snapshot"] == 90 - copied
    assert counts(db_url)["snapshot"] == 4 * 40 + 90


def test_a_conflicting_destination_refuses_the_whole_copy(source: str, tmp_path: Path) -> None:
    target = f"sqlite:///{tmp_path / 'b.db'}"
    destination_with_data(target)
    at = T0 + timedelta(hours=5)
    other = ChartSnapshot(ChartRequest(key("gb"), 2), (ChartEntry(1, "42", "Other"),), None)
    SnapshotWriter(open_engine(target)).save(other, at, Attempt(at, 1, "ok", 200))
    before = natural(target)
    config = tmp_path / "c.toml"
    config.write_text(f'[database]\nurl = "{source}"\n')
    result = run_apprank("db", "copy", "-c", config, "--to", target)
    assert result.code == 1
    assert result.stderr == (
        "Error: copy refused, nothing was copied: the destination holds 1 conflicting "
        "snapshot(s): apple/gb/top-free/all/iphone at 2025-01-20T05:00:00Z (the destination's "
        "snapshot has other ranks)\n"
    )
    assert natural(target) == before


def test_into_an_empty_postgresql_database_new_writes_follow(source: str, pg_url: str) -> None:
    copy_history(open_engine(source), open_engine(pg_url), batch=50)
    assert natural(pg_url) == natural(source)
    assert counts(pg_url) == counts(source)
    writer = SnapshotWriter(open_engine(pg_url))
    at = T0 + timedelta(days=5)
    snap = ChartSnapshot(ChartRequest(key("us"), 2), (ChartEntry(1, "99", "New"),), None)
    writer.save(snap, at, Attempt(at, 1, "ok", 200))
    assert latest_chart(writer.engine, key("us")).entries[0].name == "New"


def copy_to(tmp_path: Path, url: str) -> tuple[int, str, str]:
    config = tmp_path / "c.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "a.db"}"\n')
    build_history(f"sqlite:///{tmp_path / 'a.db'}", ("us",), T0, 1, 6000000000)
    result = run_apprank("db", "copy", "-c", config, "--to", url)
    return result.code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("url", "code", "message"),
    [
        (
            "postgresql+psycopg://me:s3cret@127.0.0.1:port/x",
            2,
            "Error: --to 'postgresql+psycopg://me:***@127.0.0.1:port/x' is not a database URL\n",
        ),
        ("not a url", 2, "Error: --to 'not a url' is not a database URL\n"),
        (
            "mysql://me:s3cret@db/x",
            2,
            "Error: --to 'mysql://me:***@db/x': apprank stores into sqlite:/// or "
            "postgresql+psycopg:// databases\n",
        ),
    ],
)
def test_a_bad_destination_url_is_one_line_exit_2(
    tmp_path: Path, url: str, code: int, message: str
) -> None:
    assert copy_to(tmp_path, url) == (code, "", message)


def test_an_unreachable_destination_is_one_line_without_its_password(tmp_path: Path) -> None:
    code, out, err = copy_to(tmp_path, "postgresql+psycopg://me:s3cret@127.0.0.1:1/x")
    assert code == 1 and out == ""
    assert err.startswith("Error: database error: ") and len(err.splitlines()) == 1
    assert "s3cret" not in err


def test_an_unwritable_destination_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, out, err = copy_to(tmp_path, f"sqlite:///{blocker}/sub/b.db")
    assert (code, out) == (1, "")
    assert err.startswith(f"Error: cannot create the folder {blocker}/sub for database")
    assert len(err.splitlines()) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_destination_folder_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        code, out, err = copy_to(tmp_path, f"sqlite:///{folder}/b.db")
    finally:
        folder.chmod(0o755)
    assert (code, out) == (1, "")
    assert err.startswith("Error: ") and len(err.splitlines()) == 1


def test_copying_a_database_onto_itself_is_refused(tmp_path: Path) -> None:
    code, out, err = copy_to(tmp_path, f"sqlite:///{tmp_path / 'x' / '..' / 'a.db'}")
    assert (code, out) == (2, "")
    assert err.startswith("Error: --to names the source database itself")
