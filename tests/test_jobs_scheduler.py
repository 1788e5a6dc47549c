"""The scheduler (jobs.scheduler) without child processes: the job table, what is due at an injected `now`,
`--once` running the due jobs in order and recording them, a failing job that never stops the others, and
the long-running service on real APScheduler with quick inline jobs."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from config.loader import Source, load_settings
from jobs import scheduler as sch
from jobs import tasks
from jobs.runner import JobResult
from store import scheduler as sched_store
from store.db import open_store
from store.queries import record_source_health, sync_sources

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _src(name: str, cadence: str = "30m", kind: str = "list", enabled: bool = True) -> Source:
    return Source(
        name=name, kind=kind, url=f"http://{name}.test/", level="county", cadence=cadence, enabled=enabled
    )


SOURCES = [_src("fast", "30m"), _src("daily", "1d", kind="rss"), _src("off", enabled=False),
           _src("check", kind="site_check")]  # fmt: skip


def _settings(tmp_path, **serve):
    base = load_settings()
    return base.model_copy(
        update={
            "db_url": f"sqlite:///{tmp_path}/s.db",
            "redis_url": None,
            "serve": base.serve.model_copy(
                update={
                    "site_check_minutes": 0,
                    "site_watch_minutes": 0,
                    "alerts_minutes": 0,
                    "digest_minutes": 0,
                    **serve,
                }
            ),
        }
    )


class InlineRunner:
    """Runs job functions in this process (the ChildRunner interface, for unit tests)."""

    def __init__(self):
        self.stopping = False
        self.killed = 0
        self.signalled: set[int] = set()
        self.calls: list[tuple[str, dict]] = []

    def run(self, func, settings, kwargs=None, *, timeout, grace=5.0):
        self.calls.append((func.__name__, dict(kwargs or {})))
        try:
            return func(settings, **(kwargs or {}))
        except Exception as exc:  # noqa: BLE001 - as the child would report it
            return JobResult(ok=False, error=f"{type(exc).__name__}: {exc}")

    def request_stop(self):
        self.stopping = True

    def stop_all(self, grace):
        self.stopping = True
        return 0


# --------------------------------------------------------------------------- the job table
def test_job_table_has_a_crawl_per_enabled_source_and_the_periodic_jobs(tmp_path):
    jobs = sch.build_jobs(
        _settings(tmp_path, site_watch_minutes=60, alerts_minutes=0, digest_minutes=0), SOURCES
    )
    assert [j.name for j in jobs] == ["crawl:fast", "crawl:daily", "analysis", "site_watch"]
    fast = jobs[0]
    assert fast.trigger.interval == timedelta(minutes=30) and jobs[1].trigger.interval == timedelta(days=1)
    assert fast.func is tasks.crawl_sources and fast.kwargs == {"names": ["fast"]} and fast.lane == "crawl"
    assert fast.then == ("analysis",) and fast.source == "fast" and jobs[2].source is None
    assert jobs[3].lane == "crawl" and jobs[2].lane == "default"


def test_alerts_and_digest_jobs_follow_their_settings(tmp_path):
    jobs = {
        j.name: j for j in sch.build_jobs(_settings(tmp_path, alerts_minutes=3, digest_minutes=7), SOURCES)
    }
    assert jobs["alerts"].func is tasks.send_alerts and jobs["alerts"].trigger.interval == timedelta(
        minutes=3
    )
    assert jobs["digest"].func is tasks.send_digest and jobs["digest"].trigger.interval == timedelta(
        minutes=7
    )
    off = [j.name for j in sch.build_jobs(_settings(tmp_path, alerts_minutes=0, digest_minutes=0), SOURCES)]
    assert "alerts" not in off and "digest" not in off


def test_distributed_crawl_jobs_push_to_redis_in_the_scheduler_process(tmp_path):
    settings = _settings(tmp_path).model_copy(update={"redis_url": "redis://127.0.0.1:6379/15"})
    crawl = sch.build_jobs(settings, SOURCES)[0]
    assert crawl.func is tasks.push_crawl_rounds and crawl.in_child is False and crawl.then == ()


def test_no_analysis_request_after_crawls_when_switched_off(tmp_path):
    jobs = sch.build_jobs(_settings(tmp_path, analysis_after_crawl=False), SOURCES)
    assert jobs[0].then == ()


# --------------------------------------------------------------------------- what is due
def _job(cadence="30m"):
    return sch.build_jobs(_settings_stub(), [_src("fast", cadence)])[0]


def _settings_stub():
    return load_settings().model_copy(update={"redis_url": None})


@pytest.mark.parametrize(
    ("row", "success", "due"),
    [
        ({}, None, True),  # never ran
        ({"last_started_at": NOW - timedelta(minutes=31)}, None, True),
        ({"last_started_at": NOW - timedelta(minutes=29, seconds=30)}, None, True),  # within the slack
        ({"last_started_at": NOW - timedelta(minutes=28)}, None, False),
        # a manual `yuqing crawl` recorded a success more recently than the scheduler's last start
        ({"last_started_at": NOW - timedelta(hours=5)}, NOW - timedelta(minutes=10), False),
        # a failing source is tried again a cadence after its last attempt, not at every tick
        (
            {"last_started_at": NOW - timedelta(minutes=10), "last_ok_at": NOW - timedelta(days=2)},
            None,
            False,
        ),
    ],
)
def test_crawl_is_due_a_cadence_after_its_last_start_or_success(row, success, due):
    job = _job()
    last = sch.last_activity(job, {job.name: row}, {"fast": success})
    assert sch.is_due(job, last, NOW) is due


def test_first_run_time_waits_for_the_cadence_or_runs_now():
    job = _job("2h")
    assert sch.first_run_time(job, None, NOW) == NOW
    assert sch.first_run_time(job, NOW - timedelta(hours=3), NOW) == NOW
    assert sch.first_run_time(job, NOW - timedelta(minutes=30), NOW) == NOW + timedelta(minutes=90)


# --------------------------------------------------------------------------- --once
@pytest.fixture
def store(tmp_path):
    settings = _settings(tmp_path)
    engine = open_store(settings.resolved_db_url)
    with engine.begin() as conn:
        sync_sources(conn, [s.as_row() for s in SOURCES])
    yield settings, engine
    engine.dispose()


def _fake_tasks(monkeypatch, log: list[str], *, fail: set[str] = frozenset(), stored: int = 3):
    def crawl_sources(settings, *, names):
        log.append(f"crawl {','.join(names)}")
        parts = {n: {"ok": n not in fail, "error": "HTTP 503" if n in fail else None, "changed": stored,
                     "summary": f"新增 {stored}"} for n in names}  # fmt: skip
        ok = not (fail & set(names))
        return JobResult(
            ok=ok, summary="crawled", error=None if ok else "HTTP 503", changed=stored, parts=parts
        )

    def analyse(settings):
        log.append("analysis")
        if "analysis" in fail:
            raise RuntimeError("model file missing")
        return JobResult(ok=True, summary="分析 3 篇", changed=3)

    monkeypatch.setattr(tasks, "crawl_sources", crawl_sources)
    monkeypatch.setattr(tasks, "analyse", analyse)


def _rows(engine):
    with engine.connect() as conn:
        return {r["name"]: r for r in sched_store.job_rows(conn)}


def test_once_crawls_due_sources_in_one_batch_then_analyses(store, monkeypatch):
    settings, engine = store
    log: list[str] = []
    _fake_tasks(monkeypatch, log)
    with engine.begin() as conn:  # `daily` succeeded an hour ago: not due
        record_source_health(conn, "daily", ok=True, when=NOW - timedelta(hours=1))
    run = sch.run_once(settings, SOURCES, engine, runner=InlineRunner(), now=NOW)
    assert run.ok and run.due == ["crawl:fast", "analysis"]
    assert log == ["crawl fast", "analysis"]
    rows = _rows(engine)
    assert rows["crawl:fast"]["last_status"] == "ok" and rows["crawl:fast"]["last_summary"] == "新增 3"
    assert rows["analysis"]["runs"] == 1 and "crawl:daily" in rows and rows["crawl:daily"]["runs"] == 0
    # next runs: a cadence after this run's start; daily's a day after its last success
    assert rows["crawl:fast"]["next_run_at"] - rows["crawl:fast"]["last_started_at"] == timedelta(minutes=30)
    assert rows["crawl:daily"]["next_run_at"] == NOW - timedelta(hours=1) + timedelta(days=1)
    with engine.connect() as conn:
        state = sched_store.scheduler_status(conn).state
    assert state["mode"] == "once" and state["stopped_at"] is not None


def test_once_again_right_away_runs_nothing(store, monkeypatch):
    settings, engine = store
    log: list[str] = []
    _fake_tasks(monkeypatch, log)
    sch.run_once(settings, SOURCES, engine, runner=InlineRunner(), now=NOW)
    log.clear()
    run = sch.run_once(settings, SOURCES, engine, runner=InlineRunner(), now=NOW + timedelta(minutes=2))
    assert run.results == {} and log == []


def test_failing_job_is_counted_and_the_rest_still_run(store, monkeypatch):
    settings, engine = store
    log: list[str] = []
    _fake_tasks(monkeypatch, log, fail={"fast", "analysis"})
    run = sch.run_once(settings, SOURCES, engine, runner=InlineRunner(), now=NOW)
    assert not run.ok
    assert log == ["crawl fast,daily", "analysis"]
    rows = _rows(engine)
    assert rows["crawl:fast"]["last_status"] == "failed" and rows["crawl:fast"]["last_error"] == "HTTP 503"
    assert rows["crawl:daily"]["last_status"] == "ok" and rows["crawl:daily"]["consecutive_failures"] == 0
    assert (
        rows["analysis"]["last_status"] == "failed" and "model file missing" in rows["analysis"]["last_error"]
    )
    # a day later both fail again: consecutive failures 2; then analysis recovers and resets its count
    later = NOW + timedelta(days=1, minutes=5)
    sch.run_once(settings, SOURCES, engine, runner=InlineRunner(), now=later)
    assert _rows(engine)["crawl:fast"]["consecutive_failures"] == 2
    assert _rows(engine)["analysis"]["failures"] == 2
    _fake_tasks(monkeypatch, log)
    sch.run_once(settings, SOURCES, engine, runner=InlineRunner(), now=later + timedelta(days=1))
    rows = _rows(engine)
    assert rows["analysis"]["consecutive_failures"] == 0 and rows["analysis"]["failures"] == 2
    assert rows["analysis"]["last_error"] is None and rows["analysis"]["runs"] == 3


def test_analysis_runs_after_a_crawl_that_stored_even_when_not_due(store, monkeypatch):
    settings, engine = store
    log: list[str] = []
    _fake_tasks(monkeypatch, log)
    with engine.begin() as conn:
        sched_store.record_job_start(conn, "analysis", NOW - timedelta(minutes=1))
        sched_store.record_job_end(conn, "analysis", started_at=NOW - timedelta(minutes=1), finished_at=NOW,
                                   status="ok")  # fmt: skip
    sch.run_once(settings, SOURCES, engine, runner=InlineRunner(), now=NOW)
    assert log[-1] == "analysis"
    log.clear()
    _fake_tasks(monkeypatch, log, stored=0)  # nothing new: analysis waits for its own cadence
    sch.run_once(settings, SOURCES, engine, runner=InlineRunner(), now=NOW + timedelta(days=1, minutes=2))
    assert log[0].startswith("crawl") and "analysis" in log  # due again after its 10 minutes
    log.clear()
    with engine.begin() as conn:
        sched_store.record_job_start(conn, "analysis", NOW + timedelta(days=2))
    sch.run_once(settings, SOURCES, engine, runner=InlineRunner(), now=NOW + timedelta(days=2, minutes=2))
    assert log == ["crawl fast,daily"]


# --------------------------------------------------------------------------- the long-running service
def test_service_keeps_running_jobs_when_one_keeps_failing(store):
    from apscheduler.triggers.interval import IntervalTrigger

    settings, engine = store
    calls = {"good": 0, "bad": 0}

    def good(settings):
        calls["good"] += 1
        return JobResult(ok=True, summary="ok")

    def bad(settings):
        calls["bad"] += 1
        raise RuntimeError("boom")

    every_half_second = IntervalTrigger(seconds=0.5, timezone=UTC)
    jobs = [sch.ScheduledJob("good", every_half_second, good, in_child=False),
            sch.ScheduledJob("bad", every_half_second, bad, in_child=False)]  # fmt: skip
    service = sch.Service(settings, engine, jobs, runner=InlineRunner())
    service.start()
    try:
        deadline = time.monotonic() + 10
        while (calls["bad"] < 3 or calls["good"] < 3) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        service.stop()
    assert calls["bad"] >= 3 and calls["good"] >= 3
    rows = _rows(engine)
    assert rows["bad"]["last_status"] == "failed" and rows["bad"]["consecutive_failures"] >= 3
    assert "RuntimeError: boom" in rows["bad"]["last_error"]
    assert rows["good"]["last_status"] == "ok" and rows["good"]["failures"] == 0
    with engine.connect() as conn:
        status = sched_store.scheduler_status(conn)
    assert status.state["mode"] == "local" and status.state["stopped_at"] is not None and not status.alive


def test_service_runs_the_requested_follow_up_job_at_once(store):
    from apscheduler.triggers.interval import IntervalTrigger

    settings, engine = store
    ran = threading.Event()

    def crawl(settings):
        return JobResult(ok=True, changed=5)

    def follow(settings):
        ran.set()
        return JobResult(ok=True)

    jobs = [sch.ScheduledJob("crawl:x", IntervalTrigger(hours=1, timezone=UTC), crawl, in_child=False,
                             then=("analysis",)),
            sch.ScheduledJob("analysis", IntervalTrigger(hours=1, timezone=UTC), follow, in_child=False)]  # fmt: skip
    with engine.begin() as conn:  # analysis ran a minute ago: only the request makes it run now
        sched_store.record_job_start(conn, "analysis", datetime.now(UTC) - timedelta(minutes=1))
    service = sch.Service(settings, engine, jobs, runner=InlineRunner())
    service.start()
    try:
        assert service.next_runs()["analysis"] > datetime.now(UTC) + timedelta(minutes=50)
        assert ran.wait(10), "analysis was not run after the crawl"
    finally:
        service.stop()


def test_job_labels_are_chinese():
    assert sch.job_label("crawl:审计署网站") == "采集：审计署网站"
    assert [sch.job_label(n) for n in ("analysis", "alerts", "site_check", "site_watch")] == [
        "分析", "预警", "仿冒网站核查", "网站监测"]  # fmt: skip


def test_alerts_adapter_calls_run_alerts_with_an_engine_and_now(tmp_path, monkeypatch):
    import sys
    import types
    from dataclasses import dataclass

    @dataclass
    class AlertRun:
        sent: int
        failed: int
        escalated: int

    seen = {}

    def run_alerts(settings, engine, *, now):
        seen.update(url=str(engine.url), now=now)
        return AlertRun(sent=2, failed=0, escalated=1)

    monkeypatch.setitem(sys.modules, "jobs.alerts", types.SimpleNamespace(run_alerts=run_alerts))
    res = tasks.send_alerts(_settings(tmp_path))
    assert res.ok and res.summary == "sent=2, failed=0, escalated=1"
    assert seen["url"].endswith("s.db") and seen["now"].tzinfo is not None
