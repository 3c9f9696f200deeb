"""The daemon's `[[digest]]` jobs: one APScheduler cron job per digest, and a catch-up at start.

A slot is a cron fire time (epoch seconds). `digest_sent` (tracker/store/digests.py) holds the
last slot of each digest taken for sending, so:

- the job sends its slot once, even with several daemons on one database (a claim);
- a daemon that was down over one or more slots sends the latest missed one once when it starts,
  if that slot is within `grace` and newer than the last sent (older ones are skipped: a digest
  covers the window before it is sent, so the latest says what the missed ones would have);
- while running, APScheduler's `coalesce` makes several missed runs of one job (a suspended
  machine, a busy pool) one run, and `misfire_grace_time` = `grace` drops a run later than that.

A send that fails on every target gives the slot back, so the next start tries it again; one that
reached some target keeps it (no duplicates for the others). Nothing here raises into the
scheduler: every failure is logged.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from tracker.config.digest import DigestSpec
from tracker.config.load import Config
from tracker.errors import ApprankError
from tracker.timeutil import from_epoch, isoformat_z, to_epoch, utcnow

log = logging.getLogger("apprank.digest")

JOB_PREFIX = "digest:"
MAX_STEPS = 100_000  # fire times walked back over the grace (a per-minute cron over 69 days)


@dataclass(frozen=True, slots=True)
class Sent:
    """How one digest slot went: the targets reached and those that failed (with errors)."""

    name: str
    slot: datetime
    ok: list[str]
    failed: list[tuple[str, str]]


def latest_slot(spec: DigestSpec, now: datetime) -> datetime | None:
    """The digest's latest fire time at or before `now` and within `grace` of it (None: none)."""
    trigger = spec.trigger()
    start = now - spec.grace
    found: datetime | None = None
    fire = trigger.get_next_fire_time(None, start)
    for _ in range(MAX_STEPS):
        if fire is None or fire > now:
            break
        found = fire
        fire = trigger.get_next_fire_time(fire, fire)
        if fire is not None and found is not None and fire <= found:  # a trigger's own guard
            break
    return found


def send_digest(
    engine: Engine, config: Config, spec: DigestSpec, slot: datetime, now: datetime, owner: str
) -> Sent | None:
    """Build digest `spec` for the window ending `now` and send it to each target, once per
    slot: None when the slot was already taken (sent, by this daemon or another)."""
    from tracker.alerts.deliver import send_text
    from tracker.store.digests import claim_slot, release

    won, previous = claim_slot(engine, spec.name, to_epoch(slot), owner, now)
    if not won:
        return None
    title = f"apprank digest: {spec.name}"
    try:
        body, app_ids = _body(engine, config, spec, now)
    except ApprankError as exc:  # no apps stored yet, no data: said, and the slot is done
        body, app_ids = f"{title}: nothing to report ({exc})", []
    ok: list[str] = []
    failed: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="apprank-digest-") as folder:
        picture = spec.picture
        attachments = _chart(engine, config, spec, app_ids, now, Path(folder)) if picture else []
        for target in spec.notify:
            result = send_text(config.notify, config.http, target, title, body, attachments)
            if result.ok:
                ok.append(target)
            else:
                failed.append((target, result.error or "failed"))
                log.warning("digest %s not sent to %s: %s", spec.name, target, result.error)
    if not ok:
        release(engine, spec.name, to_epoch(slot), previous)
    log.info(
        "digest %s slot %s: sent to %d of %d targets",
        spec.name,
        isoformat_z(slot),
        len(ok),
        len(spec.notify),
        extra={"digest": spec.name, "slot": to_epoch(slot)},
    )
    return Sent(spec.name, slot, ok, failed)


def _body(engine: Engine, config: Config, spec: DigestSpec, now: datetime) -> tuple[str, list[str]]:
    from tracker.query.digest import from_options

    result = from_options(
        engine,
        config.apps,
        spec.apps,
        country=spec.countries or None,
        since=isoformat_z(now - spec.since),
        chart=spec.chart,
        source=spec.source,
        now=now,
    )
    return "\n".join(result.lines()), [r.app_id for r in result.apps]


def _chart(
    engine: Engine,
    config: Config,
    spec: DigestSpec,
    app_ids: list[str],
    now: datetime,
    folder: Path,
) -> list[Path]:
    """The apps' rank over the window as a PNG in `folder` ([] when it cannot be drawn)."""
    if not app_ids:
        return []
    try:
        from charts.save import save_figure
        from tracker.config.charts import ChartSpec
        from tracker.files.charts import build_chart

        chart = ChartSpec(
            kind="rank",
            apps=app_ids[:8],
            countries=spec.countries[:1],
            chart=spec.chart,
            source=spec.source,
            since=isoformat_z(now - spec.since),
            until=isoformat_z(now),
            tz=spec.tz,
        )
        path = folder / f"digest-{spec.name}.png"
        save_figure(build_chart(engine, config, chart, now=now).result.figure, path)
    except Exception as exc:  # a picture is optional: the text goes without it
        log.warning("digest %s: chart not drawn: %s", spec.name, exc)
        return []
    return [path]


def catch_up(engine: Engine, config: Config, owner: str, now: datetime | None = None) -> list[Sent]:
    """At start: each digest's latest slot within its grace, if newer than the last sent, sent
    once (the one job a restart owes, however many slots it slept through)."""
    from tracker.store.digests import last_sent

    now = now or utcnow()
    out: list[Sent] = []
    for spec in config.digest:
        try:
            slot = latest_slot(spec, now)
            last = last_sent(engine, spec.name)
            if slot is None or (last is not None and last >= to_epoch(slot)):
                continue
            missed = "never sent" if last is None else f"last sent {isoformat_z(from_epoch(last))}"
            log.info("digest %s: catching up slot %s (%s)", spec.name, isoformat_z(slot), missed)
            sent = send_digest(engine, config, spec, slot, now, owner)
        except Exception:
            log.exception("digest %s: catch-up failed", spec.name)
            continue
        if sent is not None:
            out.append(sent)
    return out


def run_job(engine: Engine, config: Callable[[], Config], name: str, owner: str) -> None:
    """The cron job of digest `name`: its current slot, sent once. Never raises."""
    now = utcnow()
    spec = next((d for d in config().digest if d.name == name), None)
    try:
        slot = latest_slot(spec, now) if spec is not None else None
        if spec is not None and slot is not None:
            send_digest(engine, config(), spec, slot, now, owner)
    except Exception:
        log.exception("digest %s failed; the schedule goes on", name)


def schedule(
    scheduler: Any,
    engine: Engine,
    config: Callable[[], Config],
    owner: str,
    *,
    start: bool = False,
) -> None:
    """Add (or replace) a cron job per `[[digest]]`, remove those no longer configured, and
    with `start`, run the catch-up once now in the scheduler's pool."""
    specs = {f"{JOB_PREFIX}{d.name}": d for d in config().digest}
    for job in scheduler.get_jobs():
        if job.id.startswith(JOB_PREFIX) and job.id not in specs:
            scheduler.remove_job(job.id)
    for job_id, spec in specs.items():
        scheduler.add_job(
            run_job,
            trigger=spec.trigger(),
            args=[engine, config, spec.name, owner],
            id=job_id,
            name=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(1, int(spec.grace.total_seconds())),
        )
        log.info("scheduled digest %s: cron %r in %s", spec.name, spec.cron, spec.tz)
    if start and specs:
        scheduler.add_job(
            lambda: catch_up(engine, config(), owner),
            id=_CATCH_UP,
            name=_CATCH_UP,
            replace_existing=True,
        )


_CATCH_UP = "digests-catch-up"  # not under JOB_PREFIX: no digest name can take it
