"""The daemon: one APScheduler job per track, a heartbeat, reloads and a bounded shutdown.

Threads: APScheduler's own thread decides what is due; its worker threads each run one cycle on
a private event loop; a heartbeat thread writes the heartbeat row; the main thread only waits for
signals (whose handlers merely set flags), reloads the configuration and pings systemd's watchdog.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

from scheduler.cycle import Canceller, CycleReport, run_cycle
from scheduler.delivery import DeliveryWorker
from scheduler.digests import schedule as schedule_digests
from scheduler.heartbeat import Beater
from scheduler.metrics import count_cycle
from scheduler.notify import sd_notify, watchdog_period
from scheduler.plan import TrackPlan, build_plans
from scheduler.settings import DaemonSettings
from tracker.config.load import Config, load_config
from tracker.errors import ApprankError, StoreError
from tracker.fetch.pauses import HostGate
from tracker.store.daemon_state import record_cycle
from tracker.store.engine import checkpoint
from tracker.store.snapshots import last_snapshot_at
from tracker.store.writer import SnapshotWriter
from tracker.timeutil import isoformat_z, utcnow

log = logging.getLogger("apprank.daemon")

UTC_NAME = "UTC"


@dataclass
class _Flags:
    stop: bool = False
    stop_reason: str = ""
    reload: bool = False


class Daemon:
    """Schedules every track of `config` against `engine` until asked to stop."""

    def __init__(
        self,
        config: Config,
        engine: Engine,
        settings: DaemonSettings,
        *,
        config_path: Path | None = None,
    ) -> None:
        self.config = config
        self.config_path = config_path
        self.settings = settings
        self.engine = engine
        self.writer = SnapshotWriter(engine)
        # One gate for the daemon's lifetime, so a host's pause outlives the cycle that caused it.
        self.gate = HostGate(settings.http_settings())
        self.beater = Beater(engine, settings.heartbeat, timedelta(seconds=settings.keep_cycles))
        self.delivery = DeliveryWorker(engine, lambda: self.config)
        self.plans: dict[str, TrackPlan] = {p.job_id: p for p in build_plans(config)}
        # SQLite has one daemon (scheduler.lock); a server database may have several, which
        # split each slot's charts between them by claims.
        self.shared = engine.dialect.name != "sqlite"
        self.flags = _Flags()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._running: dict[str, Canceller] = {}
        self._catch_up: set[str] = set()
        self._stopping = False
        self.crashed = False
        self.scheduler = BackgroundScheduler(
            timezone=UTC_NAME,
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(max(settings.workers, len(self.plans)))},
            job_defaults={"coalesce": True, "max_instances": 1},
        )

    # -- requests from signal handlers (or tests): set a flag and wake the main thread ----------

    def request_stop(self, reason: str = "stop requested") -> None:
        self.flags.stop_reason = reason
        self.flags.stop = True
        self._wake.set()

    def request_reload(self) -> None:
        self.flags.reload = True
        self._wake.set()

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> None:
        """Schedule every track (stale ones at once), start the heartbeat and tell systemd."""
        self.scheduler.start()
        self._schedule(self.plans)
        # [[digest]] jobs, and once now the latest slot missed while no daemon ran.
        schedule_digests(
            self.scheduler, self.engine, self._config, self.beater.instance, start=True
        )
        self.beater.beat()
        self.beater.start()
        self.delivery.start()
        self.delivery.wake()  # what a previous run left undelivered
        charts = sum(len(p.requests) for p in self.plans.values())
        log.info(
            "daemon started: %d tracks, %d charts, database %s",
            len(self.plans),
            charts,
            self.engine.url.render_as_string(hide_password=True),
        )
        sd_notify(f"READY=1\nSTATUS=scheduling {len(self.plans)} tracks, {charts} charts")

    def run_forever(self) -> int:
        """Serve until a stop is requested; returns how many cycles outlived the shutdown grace.

        `self.crashed` tells whether it stopped because the scheduler itself died.
        """
        watchdog = watchdog_period()
        pinged = 0.0
        while True:
            self._wake.wait(1.0)
            self._wake.clear()
            if self.flags.stop:
                log.info("%s: stopping", self.flags.stop_reason)
                break
            if self.flags.reload:
                self.flags.reload = False
                self.reload()
            if not self._scheduler_alive():
                log.critical("the scheduler stopped; exiting for the service manager to restart")
                self.crashed = True
                break
            if watchdog and time.monotonic() - pinged >= watchdog:
                # Only a live scheduler thread earns the ping: systemd restarts a unit whose
                # pings stop for WatchdogSec= (systemd.service(5), sd_notify(3)), so a hung
                # scheduler is restarted as a dead one would be.
                sd_notify("WATCHDOG=1")
                pinged = time.monotonic()
        return self.shutdown()

    def _config(self) -> Config:
        return self.config  # read when a digest runs: a reload's configuration

    def _scheduler_alive(self) -> bool:
        # BackgroundScheduler keeps its thread private; its state alone would miss a dead thread.
        thread = getattr(self.scheduler, "_thread", None)
        return self.scheduler.running and (thread is None or thread.is_alive())

    def shutdown(self) -> int:
        """Stop scheduling, cancel running cycles, wait (bounded) for their writes, mark stopped."""
        grace = self.settings.shutdown_grace
        sd_notify("STOPPING=1")
        with self._lock:
            self._stopping = True
            running = list(self._running.values())
        log.info("stopping: no new cycles; %d running, waiting up to %.0f s", len(running), grace)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for canceller in running:
            canceller.cancel()
        deadline = time.monotonic() + grace
        with self._idle:
            while self._running and (remaining := deadline - time.monotonic()) > 0:
                self._idle.wait(remaining)
            leftover = len(self._running)
        if not self.delivery.stop():
            log.warning("an alert send is still in flight; its deliveries will go again later")
        self.beater.stop()
        if leftover:
            log.warning("%d cycles still running after %.0f s; leaving them", leftover, grace)
        else:
            self.beater.beat("stopped")
        log.info("daemon stopped")
        return leftover

    def reload(self) -> None:
        """Re-read the configuration; on any error keep the current one and say why."""
        source = self.config_path or self.config.path
        try:
            config = load_config(self.config_path)
            if config.database.url != self.config.database.url:
                raise ApprankError("database.url changed; restart the daemon to switch databases")
            plans = {p.job_id: p for p in build_plans(config)}
        except ApprankError as exc:
            log.error("reload of %s failed, keeping the current configuration: %s", source, exc)
            return
        with self._lock:
            removed = set(self.plans) - set(plans)
            self.config = config
            self.plans = plans
        for job_id in removed:
            self.scheduler.remove_job(job_id)
        self._schedule(plans)
        schedule_digests(self.scheduler, self.engine, self._config, self.beater.instance)
        log.info(
            "configuration reloaded from %s: %d tracks, %d charts",
            source,
            len(plans),
            sum(len(p.requests) for p in plans.values()),
        )

    # -- scheduling -------------------------------------------------------------------------------

    def _schedule(self, plans: dict[str, TrackPlan]) -> None:
        now = utcnow()
        stale = self._stale(plans.values(), now)
        for plan in plans.values():
            extra = {}
            if plan.job_id in stale:
                # Catch up now rather than at the next slot, up to a whole interval after a
                # restart (docs/service.md, "Catch-up at start").
                extra["next_run_time"] = now
                with self._lock:
                    self._catch_up.add(plan.job_id)
            self.scheduler.add_job(
                self._run_track,
                trigger=plan.trigger(),
                args=[plan.job_id],
                id=plan.job_id,
                name=plan.label,
                replace_existing=True,
                misfire_grace_time=max(1, int(plan.misfire_grace)),  # APScheduler wants whole s
                **extra,
            )
            log.info(
                "scheduled %s: %d charts, slots every %s, jitter up to %.1f s, grace %.0f s%s",
                plan.label,
                len(plan.requests),
                _seconds_text(plan.gap),
                plan.jitter,
                plan.misfire_grace,
                "; catching up now" if plan.job_id in stale else "",
            )

    def _stale(self, plans: Iterable[TrackPlan], now: datetime) -> set[str]:
        """Tracks with a chart whose last snapshot is older than one slot (or that has none)."""
        stale: set[str] = set()
        plan_list = list(plans)
        try:
            last = last_snapshot_at(self.engine, [r.key for p in plan_list for r in p.requests])
        except StoreError as exc:
            log.warning("could not read the last snapshots; catching up every track: %s", exc)
            return {p.job_id for p in plan_list}
        for plan in plan_list:
            cutoff = now - timedelta(seconds=plan.gap)
            if any(last.get(r.key) is None or last[r.key] < cutoff for r in plan.requests):
                stale.add(plan.job_id)
        return stale

    def _run_track(self, job_id: str) -> None:
        """The job: one cycle of one track. Never raises (a crash must not stop the schedule)."""
        with self._lock:
            plan = self.plans.get(job_id)
            if self._stopping or plan is None or job_id in self._running:
                return
            config = self.config
            canceller = Canceller()
            self._running[job_id] = canceller
            catch_up = job_id in self._catch_up
            self._catch_up.discard(job_id)
        try:
            self._cycle(config, plan, canceller, catch_up)
        except Exception:
            log.exception("cycle of %s failed unexpectedly; the schedule goes on", plan.label)
        finally:
            with self._idle:
                self._running.pop(job_id, None)
                self._idle.notify_all()

    def _cycle(self, config: Config, plan: TrackPlan, canceller: Canceller, catch_up: bool) -> None:
        now = utcnow()
        slot = plan.slot_at(now)
        report = run_cycle(
            config,
            plan.requests,
            self.writer,
            instance=self.beater.instance,
            track=plan.label,
            slot=slot,
            deadline=plan.deadline(slot, now),
            gate=self.gate,
            canceller=canceller,
            catch_up=catch_up,
            shared=self.shared,
        )
        summary = report.summary
        log.info(
            "cycle %s slot %s: %d ok, %d failed, %d already stored%s in %.1f s",
            plan.label,
            isoformat_z(slot),
            summary.ok,
            summary.failed,
            summary.skipped,
            f" ({summary.note})" if summary.note else "",
            (summary.finished_at - summary.started_at).total_seconds(),
            extra={
                "track": plan.label,
                "slot": summary.slot,
                "ok": summary.ok,
                "failed": summary.failed,
                "skipped": summary.skipped,
            },
        )
        count_cycle(summary)
        try:
            record_cycle(self.engine, summary)
        except StoreError as exc:
            log.error("cycle summary not recorded: %s", exc)
        if report.store_failures:
            # Fresh connections next time: a file made writable again, or replaced, is seen anew.
            self.engine.dispose()
        else:
            try:
                checkpoint(self.engine)
            except StoreError as exc:
                log.warning("WAL checkpoint skipped: %s", exc)
        try:
            self._after_cycle(config, report)
        except Exception:
            log.exception("after-cycle work of %s failed; the schedule goes on", plan.label)
        self.beater.cycles += 1
        self.beater.beat()

    def _after_cycle(self, config: Config, report: CycleReport) -> None:
        """Alert rules on what was stored (sent by the delivery thread), configured charts,
        and the raw archive's retention (`[archive] keep`).

        None of these may stop the schedule: each logs its own failures.
        """
        if config.alert:
            from tracker.alerts.cycle import process_cycle

            process_cycle(self.engine, config, list(report.stored), deliver=False)
            self.delivery.wake()
        if config.chart and report.stored:
            from tracker.files.charts import render_configured_charts

            for rendered in render_configured_charts(self.engine, config):
                if rendered.error:
                    log.warning("chart %s not rendered: %s", rendered.spec.kind, rendered.error)
        cutoff = config.archive.cutoff(utcnow())
        if cutoff is not None and report.stored:
            from tracker.store.archive_prune import prune_archive

            try:
                removed = prune_archive(self.engine, cutoff)
            except StoreError as exc:
                log.warning("archive not pruned: %s", exc)
                return
            if removed:
                log.info("archive: pruned %d bodies older than %s", removed, isoformat_z(cutoff))


def _seconds_text(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"
