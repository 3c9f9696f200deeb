"""ingest: one full-world cycle (174 x 3 charts x 100 ranks) into an existing history.

Floor: raw sqlite3 executemany of the same (snapshot, rank, app) integer tuples into a narrow
WITHOUT ROWID table with an (app, snapshot) index, in one transaction. Both sides are timed up
to a passive WAL checkpoint, as the daemon runs one after each cycle: otherwise the floor's
copy into the database file happens when its connection closes, untimed, while apprank's
runs inside its commits (SQLite's automatic checkpoint), timed. The floor's table holds
the same history as apprank's before each timed cycle (the same rows, untimed), so both insert
into indexes of the same size: most of a cycle's cost is index pages it dirties.
Each snapshot comes with a body of a real one's size (bench/archive.py `feed_body`), archived
by the writer as a fetch's are: hashed and compressed on worker threads as it arrives
(`SnapshotWriter.begin`, CPU reported on its own line), and stored inside the timed
transaction; the floor stores rank rows only.
Baseline: one SQLModel object per rank with a commit each (measured on a slice, extrapolated).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench.archive import feed_body
from bench.world import World
from tracker.models import ChartSnapshot
from tracker.store.engine import checkpoint, dispose_all, open_engine
from tracker.store.writer import Attempt, SnapshotWriter


def _attempt(snapshot: ChartSnapshot, hour: int) -> Attempt:
    """The attempt a fetch hands the writer: with the body the snapshot was parsed from, which
    the writer archives (tracker/store/archive.py) in the same transaction."""
    return Attempt(World.time(hour), 100, "ok", 200, body=feed_body(snapshot, hour))


def _arrive(writer: SnapshotWriter, items: list[tuple[ChartSnapshot, datetime, Attempt]]) -> float:
    """Hand each body to the writer as a fetch does when it arrives (`SnapshotWriter.begin`),
    and give the workers time to finish, as the spread of a cycle's responses over its
    seconds on the network does. Returns the CPU seconds that work took, measured alone."""
    started = time.process_time()
    for snapshot, _, attempt in items:
        assert attempt.body is not None
        writer.begin(snapshot.request.key, attempt.body)
    time.sleep(1.0)  # about 25 times what 2 workers need for a cycle's bodies
    return time.process_time() - started


def floor(path: Path, tuples: list[tuple[int, int, int]]) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS r (s INTEGER, rank INTEGER, app INTEGER, "
        "PRIMARY KEY (s, rank)) WITHOUT ROWID"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS r_app ON r (app, s)")
    offset = conn.execute("SELECT coalesce(max(s), 0) FROM r").fetchone()[0]
    rows = [(s + offset, rank, app) for s, rank, app in tuples]
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO r VALUES (?, ?, ?)", rows)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")  # as the daemon does after each cycle
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def orm_rate(path: Path, tuples: list[tuple[int, int, int]]) -> float:
    """Rows per second when adding one ORM object per rank and committing each."""
    from sqlmodel import Field, Session, SQLModel, create_engine

    class NaiveRank(SQLModel, table=True):
        __tablename__ = "naive_rank"
        id: int | None = Field(default=None, primary_key=True)
        snapshot: int
        rank: int
        app: int

    engine = create_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine, tables=[NaiveRank.__table__])
    started = time.perf_counter()
    with Session(engine) as session:
        for s, rank, app in tuples:
            session.add(NaiveRank(snapshot=s, rank=rank, app=app))
            session.commit()
    elapsed = time.perf_counter() - started
    engine.dispose()
    return len(tuples) / elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench ingest")
    parser.add_argument("--history-hours", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else args.repeats
    world = World()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "apprank.db"
        writer = SnapshotWriter(open_engine(f"sqlite:///{db}"))
        for hour in range(args.history_hours):
            batch = list(world.snapshots(hour))
            writer.save_many([(s, World.time(hour), _attempt(s, hour)) for s in batch])
            history = [
                (i, e.rank, int(e.app_id)) for i, s in enumerate(batch, 1) for e in s.entries
            ]
            floor(Path(tmp) / "floor.db", history)  # the same history, untimed
            world.step()
        ours, floors, early, rows = [], [], [], 0
        for repeat in range(repeats):
            hour = args.history_hours + repeat
            batch = list(world.snapshots(hour))
            tuples = [(i, e.rank, int(e.app_id)) for i, s in enumerate(batch, 1) for e in s.entries]
            rows = len(tuples)
            items = [(s, World.time(hour), _attempt(s, hour)) for s in batch]  # bodies untimed
            early.append(_arrive(writer, items))
            started = time.perf_counter()
            writer.save_many(items)
            checkpoint(writer.engine)  # as the daemon does after each cycle, and the floor
            ours.append(time.perf_counter() - started)
            floors.append(floor(Path(tmp) / "floor.db", tuples))
            world.step()
        sample = tuples[: 1500 if args.quick else 3000]
        naive = orm_rate(Path(tmp) / "naive.db", sample)
        dispose_all()
    pg = postgres_rate(args.history_hours, repeats)
    ours_s, floor_s = statistics.median(ours), statistics.median(floors)
    print(f"rank rows per cycle      {rows}")
    print(f"apprank ingest           {ours_s * 1000:8.1f} ms  ({rows / ours_s:,.0f} rows/s)")
    print(f"floor (raw executemany)  {floor_s * 1000:8.1f} ms  ({rows / floor_s:,.0f} rows/s)")
    print(f"ratio to floor           {ours_s / floor_s:8.2f}x  (target <= 1.5x)")
    print(
        f"archive work on arrival  {statistics.median(early) * 1000:8.1f} ms CPU per cycle "
        "(hash + zstd of each body, on 2 worker threads while the fetch goes on; not above)"
    )
    print(f"ORM row-per-commit       {naive:,.0f} rows/s -> {rows / naive:.1f} s per cycle")
    print(f"speed-up over ORM        {rows / ours_s / naive:8.1f}x  (target >= 20x)")
    if pg is not None:
        print(
            f"PostgreSQL ingest        {pg * 1000:8.1f} ms  ({rows / pg:,.0f} rows/s, same cycle)"
        )
        print(f"SQLite ingest            {ours_s * 1000:8.1f} ms  ({rows / ours_s:,.0f} rows/s)")


def postgres_rate(history_hours: int, repeats: int) -> float | None:
    """Median seconds to store the same full-world cycles into a fresh PostgreSQL database."""
    import os
    import uuid

    try:
        import psycopg
        from sqlalchemy.engine import make_url
    except ImportError:
        return None
    url = os.environ.get("APPRANK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parsed = make_url(url)
    name = f"apprank_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(
            host=parsed.host, port=parsed.port or 5432, user=parsed.username,
            dbname=parsed.database, autocommit=True, connect_timeout=3,
        )  # fmt: skip
    except psycopg.Error:
        return None
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        world = World()
        writer = SnapshotWriter(open_engine(parsed.set(database=name).render_as_string(False)))
        for hour in range(history_hours):
            at = World.time(hour)
            writer.save_many([(s, at, _attempt(s, hour)) for s in world.snapshots(hour)])
            world.step()
        times = []
        for repeat in range(repeats):
            at = World.time(history_hours + repeat)
            items = [(s, at, _attempt(s, history_hours + repeat)) for s in world.snapshots(0)]
            started = time.perf_counter()
            writer.save_many(items)
            times.append(time.perf_counter() - started)
            world.step()
        return statistics.median(times)
    finally:
        dispose_all()
        with psycopg.connect(
            host=parsed.host, port=parsed.port or 5432, user=parsed.username,
            dbname=parsed.database, autocommit=True,
        ) as admin:  # fmt: skip
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
