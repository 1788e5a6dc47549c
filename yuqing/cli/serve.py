"""`yuqing serve`, `yuqing worker`, `yuqing status`: the long-running scheduler (or one pass of it for cron),
the distributed crawl worker, and what the scheduler did and will do next.

    yuqing serve [--once]
    yuqing worker [--source NAME ...] [--exit-when-idle SECONDS]
    yuqing status
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from config.loader import load_plans, load_sources
from yuqing.cli.common import _settings
from yuqing.console import print_table

EXIT_LOCKED = 3  # another scheduler runs on this database


def _fmt(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def _redis_reachable(settings) -> str | None:
    """None when Redis answers, else the message to print."""
    from jobs.worker import WorkerError, connect_redis

    try:
        connect_redis(settings).close()
    except WorkerError as exc:
        return str(exc)
    return None


# --------------------------------------------------------------------------- serve
def cmd_serve(args) -> int:
    from jobs.runner import ChildRunner
    from jobs.scheduler import (
        build_jobs,
        install_stop_handlers,
        prepare,
        run_once,
        serve_forever,
        stop_once,
    )
    from store.db import open_store
    from store.scheduler import SchedulerLockBusy, acquire_scheduler_lock

    settings = _settings(args)
    sources = load_sources(settings.path(settings.sources_file))
    load_plans(settings.path(settings.plans_file))  # a broken 方案 file stops us here, not in every crawl
    if settings.redis_url and (problem := _redis_reachable(settings)):
        print(problem, file=sys.stderr)
        return 2
    engine = open_store(settings.resolved_db_url, upgrade=True)
    try:
        lock = acquire_scheduler_lock(engine)
    except SchedulerLockBusy as exc:
        engine.dispose()
        print(str(exc), file=sys.stderr)
        return EXIT_LOCKED
    runner = ChildRunner(verbose=args.verbose)
    try:
        prepare(settings, sources, engine)
        jobs = build_jobs(settings, sources)
        if not any(j.source for j in jobs):
            print("提示：没有启用的信源（config/sources.yaml 中 enabled: true），只运行分析等其他任务。")
        if args.once:
            install_stop_handlers(lambda: stop_once(runner, settings.serve.stop_grace_seconds))
            run = run_once(settings, sources, engine, runner=runner)
            _print_once(run)
            return 0 if run.ok else 1
        if args.verbose == 0:
            logging.getLogger("jobs").setLevel(logging.INFO)  # a daemon says what it runs
        mode = "分布式（采集由 yuqing worker 完成）" if settings.redis_url else "单机"
        print(f"调度器已启动（{mode}）：{len(jobs)} 个任务。`yuqing status` 查看运行情况，Ctrl-C 或 SIGTERM 停止。",
              flush=True)  # fmt: skip
        service = serve_forever(settings, sources, engine, runner=runner, lock=lock)
    finally:
        lock.release()
        engine.dispose()
    rc = 0
    if service.lost_lock:
        print("调度器失去了数据库锁（数据库连接中断），已停止。", file=sys.stderr)
        rc = 1
    else:
        print("调度器已停止。")
    if service.active():  # a job thread still waits on something (a hung network call): do not wait for it
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(rc)
    return rc


def _print_once(run) -> None:
    from store.scheduler import RESULT_LABELS, job_label

    if not run.results:
        print("没有到期的任务。")
        return
    print(f"本次运行 {len(run.results)} 项（到期任务 {len(run.due)} 个）：")
    table = []
    for name, res in run.results.items():
        items = [(f"crawl:{k}", p) for k, p in res.parts.items()] if name == "crawl" else [(name, None)]
        for job_name, part in items:
            if part is not None:
                ok, text = part.get("ok"), part.get("summary") if part.get("ok") else part.get("error")
            else:
                ok, text = res.ok, res.summary if res.ok else res.error
            status = "成功" if ok else RESULT_LABELS["timeout"] if res.timed_out else "失败"
            if res.interrupted:
                status = RESULT_LABELS["interrupted"]
            table.append([job_label(job_name), status, text or ""])
    print_table(["任务", "结果", "说明"], table, indent="  ")


# --------------------------------------------------------------------------- worker
def cmd_worker(args) -> int:
    from jobs.scheduler import crawlable
    from jobs.worker import WorkerError, run_worker

    settings = _settings(args)
    load_plans(settings.path(settings.plans_file))
    sources = crawlable(load_sources(settings.path(settings.sources_file)))
    if args.source:
        unknown = sorted(set(args.source) - {s.name for s in sources})
        if unknown:
            print(f"没有这些启用的信源：{'、'.join(unknown)}", file=sys.stderr)
            return 2
        sources = [s for s in sources if s.name in args.source]
    if not sources:
        print("没有可采集的信源：请在 config/sources.yaml 中启用信源（enabled: true）。", file=sys.stderr)
        return 1
    try:
        run = run_worker(settings, sources, exit_when_idle=args.exit_when_idle)
    except WorkerError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(
        f"worker 已退出：参与采集 {run.crawls} 次，页面 {run.pages}，新增 {run.stored}，更新 {run.updated}。"
    )
    return 0


# --------------------------------------------------------------------------- status
def cmd_status(args) -> int:
    from store.db import open_store
    from store.scheduler import RESULT_LABELS, job_label, scheduler_status

    settings = _settings(args)
    tz = ZoneInfo(settings.dashboard.timezone)
    engine = open_store(settings.resolved_db_url, upgrade=False)
    try:
        with engine.connect() as conn:
            st = scheduler_status(conn, datetime.now(UTC))
    finally:
        engine.dispose()
    s = st.state
    if s is None:
        print("调度器：从未运行（启动：yuqing serve，或用 cron 定时运行 yuqing serve --once）")
    elif st.alive:
        print(f"调度器：运行中（心跳 {_fmt(s['heartbeat_at'], tz)}，每 {s['heartbeat_seconds']} 秒；"
              f"模式 {s['mode']}；主机 {s['host']}，进程 {s['pid']}；启动于 {_fmt(s['started_at'], tz)}）")  # fmt: skip
    else:
        ended = f"已于 {_fmt(s['stopped_at'], tz)} 停止" if s["stopped_at"] else "心跳已超时，进程可能已退出"
        print(f"调度器：未运行（{ended}；最后心跳 {_fmt(s['heartbeat_at'], tz)}，模式 {s['mode']}）")
    if not st.jobs:
        print("还没有任务记录。")
        return 0
    errors, table = [], []
    for r in st.jobs:
        result = RESULT_LABELS.get(r["last_status"], r["last_status"] or "未运行")
        table.append([job_label(r["name"]), _fmt(r["last_started_at"], tz), result, _fmt(r["next_run_at"], tz),
                      int(r["consecutive_failures"])])  # fmt: skip
        if r["consecutive_failures"] and r["last_error"]:
            errors.append(f"  {job_label(r['name'])}（共失败 {r['failures']} 次）：{r['last_error'][:200]}")
    print_table(["任务", "上次运行", "结果", "下次运行", "连续失败"], table)
    if errors:
        print("最近的错误：")
        print("\n".join(errors))
    return 0


def register(subparsers) -> None:
    s = subparsers.add_parser(
        "serve", help="run everything on its cadence: crawls, analysis, alerts, site checks and watch"
    )
    s.add_argument("--once", action="store_true",
                   help="run every job that is due now, then exit (for cron)")  # fmt: skip
    s.set_defaults(func=cmd_serve)

    w = subparsers.add_parser("worker", help="crawl from the shared Redis queue (needs redis_url)")
    w.add_argument("--source", action="append", help="only this source (by name; repeatable)")
    w.add_argument("--exit-when-idle", type=float, metavar="SECONDS",
                   help="exit after this many seconds without anything to crawl (default: run until stopped)")  # fmt: skip
    w.set_defaults(func=cmd_worker)

    t = subparsers.add_parser("status", help="the scheduler's heartbeat and each job's last and next run")
    t.set_defaults(func=cmd_status)
