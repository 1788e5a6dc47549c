"""`yuqing serve`: decides *when* each job runs — nothing else. The jobs are the same functions the CLI runs
(jobs.tasks adapts them), each in a child process (jobs.runner) with a timeout.

The job table (`build_jobs`) is a list of `ScheduledJob(name, trigger, func)`: one crawl per enabled source on
its `cadence`, analysis (also requested at once after a crawl that stored something), impersonation checks
and own-site watch, alerts (requested after analysis, checks and watch too), and the 日报 digest (checked
often, sent once a day when due). Adding a job is one line.

Scheduling is APScheduler 3 (BackgroundScheduler, memory job store: the table is rebuilt at every start from
the config and the store): `coalesce` (runs missed while the process was busy or suspended become one run),
`max_instances=1` (a job never overlaps itself), and `misfire_grace_time=None` (a late run is run late rather
than dropped — like anacron, so a machine that slept still crawls once when it wakes). Scrapy jobs (crawls,
checks, watch) share one lane and run one at a time; analysis and alerts run beside them.

When a job is due: when its trigger's period has passed since its last start (or, for a crawl, since the
last success recorded by the crawler, if later). A job that never ran is due at once. `--once` applies the
same rule with one minute of slack, so that `*/10` cron lines meet a 10-minute cadence.

Stored progress: `scheduler_jobs` (per job: last start and finish, result, consecutive and total failures,
next run) and `scheduler_state` (the heartbeat). A failing job is logged, counted and run again at its next
time; it never stops the scheduler.

Config edits while running (jobs.config_watch): the sources, 方案 and alerts files are checked every few
seconds; a valid edit is used by the next job run (a sources edit also adds, drops or reschedules crawl
jobs); an invalid one is logged in one line and the previous version stays. settings.yaml needs a restart.

One scheduler per database (store.scheduler.acquire_scheduler_lock). SIGTERM / SIGINT: no new runs start,
every child gets SIGTERM (a crawl then closes and records itself interrupted) and SIGKILL after
`serve.stop_grace_seconds`; runs left open are marked interrupted; the process exits.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from config.loader import Settings, Source
from jobs import tasks
from jobs.config_watch import CHECK_SECONDS as CONFIG_CHECK_SECONDS
from jobs.config_watch import ConfigWatch
from jobs.runner import ChildRunner, JobResult
from store import scheduler as sched_store
from store.queries import interrupt_open_crawl_runs, sync_sources
from store.scheduler import job_label  # noqa: F401 - re-exported for the CLI

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger

logger = logging.getLogger(__name__)

CRAWL_PREFIX = "crawl:"
SLACK = timedelta(minutes=1)  # --once: a job due within this long is run now (cron lines are not exact)
THREADS = 4  # the default lane: analysis, alerts and the Redis pushes may run side by side


@dataclass(frozen=True)
class ScheduledJob:
    """One row of the job table.

    `lane`: "crawl" for jobs that run Scrapy (one at a time), "default" for the rest. `in_child`: run
    `func(settings, **kwargs)` in a child process (False only for quick jobs that start no Scrapy and hold
    no model, e.g. pushing start requests to Redis). `then`: jobs requested at once when a run changed
    something (analysis after a crawl that stored documents, alerts after analysis)."""

    name: str
    trigger: BaseTrigger
    func: Callable[..., JobResult]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    lane: str = "default"
    in_child: bool = True
    timeout_minutes: int = 30
    then: tuple[str, ...] = ()

    @property
    def source(self) -> str | None:
        """The source a crawl job crawls (None for other jobs)."""
        return self.name[len(CRAWL_PREFIX) :] if self.name.startswith(CRAWL_PREFIX) else None


def every(minutes: int) -> BaseTrigger:
    from apscheduler.triggers.interval import IntervalTrigger

    return IntervalTrigger(minutes=minutes, timezone=UTC)


def crawlable(sources: Iterable[Source]) -> list[Source]:
    """The enabled sources a spider can crawl."""
    from jobs.crawl import select_sources

    return select_sources(list(sources))


def build_jobs(settings: Settings, sources: Sequence[Source]) -> list[ScheduledJob]:
    """The job table, in the order `--once` runs it. With `redis_url` set, a crawl job pushes the source's
    start requests to Redis for `yuqing worker` instead of crawling here."""
    s = settings.serve
    crawl_timeout, job_timeout = s.crawl_timeout_minutes, s.job_timeout_minutes
    after_crawl = ("analysis",) if s.analysis_after_crawl else ()
    jobs: list[ScheduledJob] = []
    for src in crawlable(sources):
        name, trigger, names = f"{CRAWL_PREFIX}{src.name}", every(src.cadence_minutes), {"names": [src.name]}
        if settings.redis_url:
            jobs.append(ScheduledJob(name, trigger, tasks.push_crawl_rounds, names, in_child=False))
        else:
            jobs.append(ScheduledJob(name, trigger, tasks.crawl_sources, names, lane="crawl",
                                     timeout_minutes=crawl_timeout, then=after_crawl))  # fmt: skip
    jobs.append(ScheduledJob("analysis", every(s.analysis_minutes), tasks.analyse, timeout_minutes=job_timeout,
                             then=("alerts",)))  # fmt: skip
    if s.site_check_minutes:
        jobs.append(ScheduledJob("site_check", every(s.site_check_minutes), tasks.check_sites, lane="crawl",
                                 timeout_minutes=crawl_timeout, then=("alerts",)))  # fmt: skip
    if s.site_watch_minutes:
        jobs.append(ScheduledJob("site_watch", every(s.site_watch_minutes), tasks.watch_sites, lane="crawl",
                                 timeout_minutes=crawl_timeout, then=("alerts",)))  # fmt: skip
    if s.alerts_minutes:
        jobs.append(
            ScheduledJob("alerts", every(s.alerts_minutes), tasks.send_alerts, timeout_minutes=job_timeout)
        )
    if (
        s.digest_minutes
    ):  # checked often; sends only once the 日报 is due (report.daily_time) and not yet sent
        jobs.append(
            ScheduledJob("digest", every(s.digest_minutes), tasks.send_digest, timeout_minutes=job_timeout)
        )
    return jobs


# --------------------------------------------------------------------------- what is due
def last_activity(job: ScheduledJob, rows: Mapping[str, Mapping[str, Any]],
                  source_success: Mapping[str, datetime | None]) -> datetime | None:  # fmt: skip
    """The latest start (or, for a crawl, the crawler's latest recorded success) the period counts from."""
    row = rows.get(job.name) or {}
    times = [row.get("last_started_at"), row.get("last_ok_at")]
    if job.source is not None:
        times.append(source_success.get(job.source))
    times = [t for t in times if t is not None]
    return max(times) if times else None


def due_at(job: ScheduledJob, last: datetime | None) -> datetime | None:
    """When the job is next due after a run at `last` (None: never ran, so due now)."""
    if last is None:
        return None
    interval = getattr(job.trigger, "interval", None)
    if isinstance(interval, timedelta):
        return last + interval
    return job.trigger.get_next_fire_time(None, last)


def is_due(job: ScheduledJob, last: datetime | None, now: datetime, slack: timedelta = SLACK) -> bool:
    at = due_at(job, last)
    return at is None or at - slack <= now


def first_run_time(job: ScheduledJob, last: datetime | None, now: datetime) -> datetime:
    at = due_at(job, last)
    return now if at is None or at <= now else at


def _read_state(engine: Engine) -> tuple[dict[str, dict[str, Any]], dict[str, datetime | None]]:
    with engine.connect() as conn:
        rows = {r["name"]: r for r in sched_store.job_rows(conn)}
        return rows, sched_store.source_last_success(conn)


def due_jobs(jobs: Sequence[ScheduledJob], rows: Mapping[str, Mapping[str, Any]],
             source_success: Mapping[str, datetime | None], now: datetime) -> list[ScheduledJob]:  # fmt: skip
    """The jobs due at `now`, in table order."""
    return [j for j in jobs if is_due(j, last_activity(j, rows, source_success), now)]


# --------------------------------------------------------------------------- running one job
def _status(result: JobResult) -> str:
    if result.ok:
        return sched_store.OK
    if result.timed_out:
        return sched_store.TIMEOUT
    if result.interrupted:
        return sched_store.INTERRUPTED
    return sched_store.FAILED


class JobExecutor:
    """Runs one job (in a child or inline), records its start and result, logs one line; never raises."""

    def __init__(self, settings: Settings, engine: Engine, runner: ChildRunner,
                 clock: Callable[[], datetime] | None = None):  # fmt: skip
        self.settings, self.engine, self.runner = settings, engine, runner
        self.clock = clock or (lambda: datetime.now(UTC))

    def store(self, write: Callable[[Any], None]) -> None:
        try:
            with self.engine.begin() as conn:
                write(conn)
        except Exception as exc:  # noqa: BLE001 - a store hiccup must not stop the scheduler
            logger.error("scheduler state not written: %s", exc)

    def execute(self, job: ScheduledJob, *, parts: Sequence[str] = ()) -> JobResult:
        """Run `job`; `parts`: record the result under these job names (a crawl batch: one per source)."""
        names = list(parts) or [job.name]
        started = self.clock()
        self.store(lambda conn: [sched_store.record_job_start(conn, n, started) for n in names])
        t0 = time.monotonic()
        try:
            if job.in_child:
                result = self.runner.run(
                    job.func, self.settings, job.kwargs, timeout=job.timeout_minutes * 60,
                    grace=self.settings.serve.stop_grace_seconds,
                )  # fmt: skip
            else:
                result = job.func(self.settings, **job.kwargs)
        except Exception as exc:  # noqa: BLE001 - a failing job is recorded, never fatal
            logger.exception("job %s failed", job.name)
            result = JobResult(ok=False, error=f"{type(exc).__name__}: {exc}"[:2000])
        finished = self.clock()
        status = _status(result)

        def write(conn) -> None:
            for n in names:
                part = result.parts.get(n[len(CRAWL_PREFIX) :]) if parts else None
                st, err, summary = status, result.error, result.summary
                if part is not None and status in (sched_store.OK, sched_store.FAILED):
                    st = sched_store.OK if part.get("ok") else sched_store.FAILED
                    err, summary = part.get("error"), part.get("summary")
                sched_store.record_job_end(conn, n, started_at=started, finished_at=finished, status=st,
                                           error=err, summary=summary)  # fmt: skip

        self.store(write)
        line = (result.summary if result.ok else result.error or result.summary) or ""
        log = logger.info if result.ok else logger.warning
        log("job %s: %s in %.1f s: %s", job.name, status, time.monotonic() - t0, line)
        return result


# --------------------------------------------------------------------------- heartbeat
class Heartbeat(threading.Thread):
    """Writes the heartbeat (and whatever `extra` writes) every `interval` s until stopped."""

    def __init__(self, executor: JobExecutor, *, mode: str, interval: int,
                 extra: Callable[[Any, datetime], None] | None = None,
                 check: Callable[[], bool] | None = None, on_lost: Callable[[], None] | None = None):  # fmt: skip
        super().__init__(name="yuqing-heartbeat", daemon=True)
        self.executor, self.mode, self.interval = executor, mode, interval
        self.extra, self.check, self.on_lost = extra, check, on_lost
        self.started_at = datetime.now(UTC)
        self.host, self.pid = socket.gethostname(), os.getpid()
        self._halt = threading.Event()

    def beat(self) -> None:
        now = datetime.now(UTC)

        def write(conn) -> None:
            sched_store.beat(conn, mode=self.mode, host=self.host, pid=self.pid, started_at=self.started_at,
                             when=now, interval=self.interval)  # fmt: skip
            if self.extra is not None:
                self.extra(conn, now)

        self.executor.store(write)

    def run(self) -> None:
        while not self._halt.is_set():
            if self.check is not None and not self.check():
                logger.error("the scheduler lock was lost: stopping")
                if self.on_lost is not None:
                    self.on_lost()
                return
            self.beat()
            self._halt.wait(self.interval)

    def stop(self) -> None:
        """Stop beating; returns once no beat can be written any more (so a later 'stopped' mark stays)."""
        self._halt.set()
        if self.is_alive() and self is not threading.current_thread():
            self.join(timeout=10)


# --------------------------------------------------------------------------- the long-running scheduler
class Service:
    """The APScheduler-driven loop around the job table; `start()`, then `stop()` from the main thread."""

    def __init__(self, settings: Settings, engine: Engine, jobs: Sequence[ScheduledJob], *, runner: ChildRunner,
                 lock: sched_store.SchedulerLock | None = None, stop_event: threading.Event | None = None):  # fmt: skip
        self.settings, self.engine, self.runner, self.lock = settings, engine, runner, lock
        self.jobs = {j.name: j for j in jobs}
        self.executor = JobExecutor(settings, engine, runner)
        self.stop_event = stop_event or threading.Event()
        self.mode = "distributed" if settings.redis_url else "local"
        self.stopping = False
        self.lost_lock = False
        self._active: set[str] = set()
        self._pending: set[str] = set()
        self._guard = threading.Lock()
        self.scheduler = None
        self.heartbeat: Heartbeat | None = None

    def start(self, now: datetime | None = None) -> None:
        from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        now = now or datetime.now(UTC)
        rows, success = _read_state(self.engine)
        self.executor.store(lambda conn: (sched_store.forget_jobs(conn, self.jobs),
                                          sched_store.interrupt_running_jobs(conn, now)))  # fmt: skip
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(THREADS), "crawl": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self.scheduler.add_listener(
            self._on_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES
        )
        for job in self.jobs.values():
            first = first_run_time(job, last_activity(job, rows, success), now)
            self.scheduler.add_job(self._run, trigger=job.trigger, args=(job.name,), id=job.name, name=job.name,
                                   executor=job.lane, next_run_time=first)  # fmt: skip
        self.scheduler.start()
        self.heartbeat = Heartbeat(
            self.executor, mode=self.mode, interval=self.settings.serve.heartbeat_seconds,
            extra=self._write_next_runs, check=self.lock.alive if self.lock else None, on_lost=self._lock_lost,
        )  # fmt: skip
        self.heartbeat.beat()
        self.heartbeat.start()
        logger.info("yuqing serve (%s): %d jobs: %s", self.mode, len(self.jobs), ", ".join(self.jobs))

    def _lock_lost(self) -> None:
        self.lost_lock = True
        self.stop_event.set()

    def _on_event(self, event) -> None:
        # _run never raises, so these are the scheduler's own notices: a run skipped or missed
        logger.info("scheduler event %s for job %s", event.code, getattr(event, "job_id", "?"))

    def next_runs(self) -> dict[str, datetime | None]:
        if self.scheduler is None:
            return {}
        return {j.id: j.next_run_time for j in self.scheduler.get_jobs()}

    def _write_next_runs(self, conn, now: datetime) -> None:
        sched_store.set_next_runs(conn, self.next_runs(), now)

    def apply_config(self, settings: Settings, sources: Sequence[Source] | None) -> None:
        """Jobs started from now on get `settings` (reloaded config snapshots); new `sources` (a sources file
        edited while running) rebuild the crawl jobs: added ones are scheduled, removed ones dropped, a
        changed cadence rescheduled. Other jobs keep their schedule (settings.yaml needs a restart)."""
        self.settings = self.executor.settings = settings
        if sources is None or self.scheduler is None or self.stopping:
            return
        now = datetime.now(UTC)
        new = {j.name: j for j in build_jobs(settings, sources)}
        rows, success = _read_state(self.engine)
        prepare(settings, sources, self.engine)
        added, removed, changed = [], [], []
        for name in self.jobs.keys() - new.keys():
            try:
                self.scheduler.remove_job(name)
            except Exception:  # noqa: BLE001 - JobLookupError: already gone
                pass
            removed.append(name)
        for name, job in new.items():
            old = self.jobs.get(name)
            if old is None:
                first = first_run_time(job, last_activity(job, rows, success), now)
                self.scheduler.add_job(self._run, trigger=job.trigger, args=(name,), id=name, name=name,
                                       executor=job.lane, next_run_time=first)  # fmt: skip
                added.append(name)
            elif getattr(old.trigger, "interval", None) != getattr(job.trigger, "interval", None):
                self.scheduler.reschedule_job(name, trigger=job.trigger)
                changed.append(name)
        self.jobs = new
        self.executor.store(lambda conn: sched_store.forget_jobs(conn, new))
        if added or removed or changed:
            logger.info("sources reloaded: %d job(s) added, %d removed, %d rescheduled",
                        len(added), len(removed), len(changed))  # fmt: skip

    def _run(self, name: str) -> None:
        job = self.jobs.get(name)
        if self.stopping or job is None:
            return
        with self._guard:
            self._active.add(name)
        try:
            result = self.executor.execute(job)
        finally:
            with self._guard:
                self._active.discard(name)
                again = name in self._pending
                self._pending.discard(name)
        if self.stopping:
            return
        self.executor.store(
            lambda conn: sched_store.set_next_runs(conn, {name: self._next_run(name)}, datetime.now(UTC))
        )
        if result.changed:
            for follow in job.then:
                self.request(follow)
        if again:
            self.request(name)

    def _next_run(self, name: str) -> datetime | None:
        job = self.scheduler.get_job(name) if self.scheduler is not None else None
        return job.next_run_time if job is not None else None

    def request(self, name: str) -> None:
        """Run a job as soon as possible (now, or right after its current run)."""
        if name not in self.jobs or self.stopping or self.scheduler is None:
            return
        with self._guard:
            if name in self._active:
                self._pending.add(name)
                return
        try:
            self.scheduler.modify_job(name, next_run_time=datetime.now(UTC))
        except Exception as exc:  # noqa: BLE001 - the scheduler is shutting down
            logger.debug("could not request %s: %s", name, exc)

    def active(self) -> set[str]:
        with self._guard:
            return set(self._active)

    def stop(self) -> None:
        """Stop scheduling, stop the children (SIGTERM, then SIGKILL after the grace), mark what was cut short."""
        self.stopping = True
        self.runner.request_stop()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        grace = self.settings.serve.stop_grace_seconds
        killed = self.runner.stop_all(grace)
        deadline = time.monotonic() + 2.0
        while self.active() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.heartbeat is not None:
            self.heartbeat.stop()
        now = datetime.now(UTC)

        def write(conn) -> None:
            if (killed or self.runner.signalled) and self.mode == "local":  # a crawl cut short
                interrupt_open_crawl_runs(conn)
            sched_store.interrupt_running_jobs(conn, now)
            sched_store.mark_stopped(conn, now)

        self.executor.store(write)
        logger.info("yuqing serve stopped (%d child(ren) killed after %.1f s)", killed, grace)


# --------------------------------------------------------------------------- entry points
@dataclass
class OnceRun:
    """What `serve --once` ran: the due jobs and each job's result (crawl results per source)."""

    due: list[str]
    results: dict[str, JobResult]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results.values())


def prepare(settings: Settings, sources: Sequence[Source], engine: Engine) -> None:
    """Mirror the configured sources in the store (信源健康 lists them before their first crawl)."""
    with engine.begin() as conn:
        sync_sources(conn, [s.as_row() for s in sources])


def run_once(settings: Settings, sources: Sequence[Source], engine: Engine, *, runner: ChildRunner,
             now: datetime | None = None) -> OnceRun:  # fmt: skip
    """Run every job due at `now` once, in table order: the due crawls (one child, sources side by side),
    then analysis, checks, watch and alerts when due or requested by a run before them."""
    now = now or datetime.now(UTC)
    t0 = time.monotonic()

    def clock() -> datetime:  # times recorded relative to `now` (tests inject it)
        return now + timedelta(seconds=time.monotonic() - t0)

    jobs = build_jobs(settings, sources)
    rows, success = _read_state(engine)
    due = due_jobs(jobs, rows, success, now)
    executor = JobExecutor(settings, engine, runner, clock=clock)
    heartbeat = Heartbeat(executor, mode="once", interval=settings.serve.heartbeat_seconds)
    heartbeat.beat()
    heartbeat.start()
    results: dict[str, JobResult] = {}
    requested: set[str] = set()
    try:
        crawls = [j for j in due if j.source is not None]
        if crawls and not settings.redis_url:
            batch = ScheduledJob("crawl", crawls[0].trigger, tasks.crawl_sources,
                                 {"names": [j.source for j in crawls]}, lane="crawl",
                                 timeout_minutes=settings.serve.crawl_timeout_minutes, then=crawls[0].then)  # fmt: skip
            res = executor.execute(batch, parts=[j.name for j in crawls])
            results["crawl"] = res
            if res.changed:
                requested.update(batch.then)
        else:
            for job in crawls:
                results[job.name] = executor.execute(job)
        due_names = {j.name for j in due}
        for job in jobs:
            if job.source is not None or runner.stopping:
                continue
            if job.name in due_names or job.name in requested:
                res = results[job.name] = executor.execute(job)
                if res.changed:
                    requested.update(job.then)
    finally:
        heartbeat.stop()
        rows, success = _read_state(engine)
        end = clock()

        def write(conn) -> None:
            nxt = {}
            for job in jobs:
                at = due_at(job, last_activity(job, rows, success))
                nxt[job.name] = at if at is not None else end
            sched_store.set_next_runs(conn, nxt, end)
            sched_store.forget_jobs(conn, [j.name for j in jobs])
            if (runner.killed or runner.signalled) and not settings.redis_url:
                interrupt_open_crawl_runs(conn)
            sched_store.interrupt_running_jobs(conn, end)
            sched_store.mark_stopped(conn, end)

        executor.store(write)
    return OnceRun(due=[j.name for j in due], results=results)


def stop_once(runner: ChildRunner, grace: float) -> None:
    """`--once` on SIGTERM / SIGINT: SIGTERM to the running child now, SIGKILL after `grace` s; the run then
    ends after the current job (its result recorded as interrupted)."""
    runner.request_stop()
    timer = threading.Timer(grace, runner.stop_all, args=(0.0,))
    timer.daemon = True
    timer.start()


def install_stop_handlers(on_stop: Callable[[], None]) -> None:
    """SIGTERM and SIGINT call `on_stop` (main thread only; elsewhere nothing is installed)."""
    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum, _frame) -> None:
        logger.warning("received %s: stopping", signal.Signals(signum).name)
        on_stop()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def serve_forever(settings: Settings, sources: Sequence[Source], engine: Engine, *, runner: ChildRunner,
                  lock: sched_store.SchedulerLock | None = None,
                  stop_event: threading.Event | None = None) -> Service:  # fmt: skip
    """Run the scheduler until SIGTERM / SIGINT (or `stop_event`), then stop cleanly; returns the service."""
    stop_event = stop_event or threading.Event()

    def on_stop() -> None:
        stop_event.set()
        runner.request_stop()  # the children start stopping at once

    install_stop_handlers(on_stop)
    watch = ConfigWatch(settings)
    try:
        settings = watch.start()  # the jobs read validated snapshots of sources, 方案 and alerts files
        service = Service(settings, engine, build_jobs(settings, watch.sources), runner=runner, lock=lock,
                          stop_event=stop_event)  # fmt: skip
        service.start()
    except BaseException:
        watch.close()
        raise
    next_check = time.monotonic() + CONFIG_CHECK_SECONDS
    try:
        while not stop_event.wait(0.5):
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + CONFIG_CHECK_SECONDS
                try:
                    service.apply_config(watch.settings, watch.poll())
                except Exception:  # noqa: BLE001 - a reload problem must not stop the scheduler
                    logger.exception("config reload failed; the previous configuration stays")
    finally:
        service.stop()
        watch.close()
    return service
