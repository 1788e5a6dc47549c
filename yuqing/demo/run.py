"""`yuqing demo`: local sites on 127.0.0.1 → real spiders and pipeline → SQLite → analysis → alerts to local
catchers (mail and webhooks, written under data/demo/outbox/) → dashboard."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from config.loader import ROOT, Source, load_plans, load_settings
from config.vocabulary import SENTIMENT_LABELS

logger = logging.getLogger(__name__)

DEMO_USER = "demo"


def demo_account(engine) -> str:
    """Make sure the demo database has the `demo` account (role handler, 处置人员) and give it a fresh random
    password, returned to be printed once. Idempotent: a second run resets the password instead of failing."""
    import secrets

    from jobs.auth import AuthError, create_user, set_password
    from store.users import ROLE_HANDLER

    password = secrets.token_urlsafe(9)
    try:
        create_user(engine, DEMO_USER, password, ROLE_HANDLER, display_name="演示用户", by="yuqing demo")
    except AuthError:  # the account exists from an earlier run
        set_password(engine, DEMO_USER, password, by="yuqing demo")
    return password


def demo_settings(data_dir: Path, sources_file: Path):
    """Settings for the demo: its own database, local sources, fast and loopback-only crawling."""
    settings = load_settings()
    crawl = settings.crawl.model_copy(
        update={
            "download_delay": 0.0,
            "autothrottle": False,
            "concurrent_requests_per_domain": 8,
            "allow_private_networks": ["127.0.0.0/8"],
        }
    )
    return settings.model_copy(
        update={
            "db_url": f"sqlite:///{data_dir / 'demo.db'}",
            "data_dir": str(data_dir),
            "sources_file": str(sources_file),
            "crawl": crawl,
        }
    )


def run_demo(*, data_dir: Path | None = None, dashboard: bool = True, base_port: int | None = 18700,
             dashboard_port: int | None = None, out=sys.stdout) -> int:  # fmt: skip
    from analysis import text
    from config.resources import load_text_resources
    from jobs.alerts import run_alerts
    from jobs.analysis import analyze
    from jobs.children import run_foreground
    from jobs.crawl import run_crawl
    from store.alerts import messages_sent_since
    from store.db import open_store
    from yuqing.console import dashboard_command, print_crawl_summary, stage2_line
    from yuqing.demo.alerts import DemoAlerts
    from yuqing.demo.corpus import build_corpus
    from yuqing.demo.sites import DemoSites, write_sources_yaml
    from yuqing.demo.sitewatch import SiteWatchDemo, print_summary

    data_dir = (data_dir or ROOT / "data" / "demo").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    text.configure(load_text_resources())
    t0 = time.perf_counter()
    corpus = build_corpus(datetime.now(UTC))
    with (
        DemoSites(corpus, base_port=base_port) as sites,
        SiteWatchDemo() as sitewatch,
        DemoAlerts(data_dir) as alerts,
    ):
        sources_file = data_dir / "sources.yaml"
        write_sources_yaml(sites.sources(), sources_file)
        settings = demo_settings(data_dir, sources_file)
        settings = settings.model_copy(update={"alerts_file": str(alerts.config_file)})
        sources = [Source(**s) for s in sites.sources()]
        print(f"演示站点已启动：{len(sites.urls())} 个站点，{len(sources)} 个信源", file=out)
        addresses = sites.addresses()
        for key, url in sites.urls().items():
            print(f"  {key:<18}{url:<42}（本机 {addresses[key].removeprefix('http://')}）", file=out)
        # one reactor run: the news crawl, then the site-watch batches (candidate checks, own-site baseline,
        # own-site check after the demo tampers with its homepage)
        plan = sitewatch.prepare(settings)
        plans = load_plans(settings.path(settings.plans_file))
        # stable host names in every stored URL; only this crawl knows they are served on 127.0.0.1:<port>
        runs = run_crawl(
            settings, [sources, *plan.batches], plans=plans, spider_overrides=plan.spider_overrides,
            overrides={"MONITOR_HOST_MAP": sites.host_map()},
        )  # fmt: skip
        news = {s.name for s in sources}
        print_crawl_summary([r for r in runs if r["source"] in news], out=out)
        engine = open_store(settings.resolved_db_url, upgrade=False)
        stats = analyze(engine, sentiment_model=settings.analysis.sentiment_model,
                        batch_size=settings.analysis.batch_size, timezone=settings.dashboard.timezone)  # fmt: skip
        password = demo_account(engine)
        engine.dispose()
        mix = "，".join(f"{SENTIMENT_LABELS.get(k, k)} {v}" for k, v in sorted(stats.by_sentiment.items()))
        print(f"分析：新分析 {stats.documents} 篇（{stats.seconds:.1f} 秒）；情感：{mix or '无'}", file=out)
        if stats.stage2 is not None and stats.stage2.documents:
            print(stage2_line(stats.stage2).strip(), file=out)
        print(
            f"仿冒网站发现：人工添加 {plan.found['manual']} 个，相似域名 {plan.found['lookalikes']} 个",
            file=out,
        )
        print_summary(sitewatch.summary(settings), out)
        engine = open_store(settings.resolved_db_url, upgrade=False)
        alerts_start = datetime.now(UTC)
        alert_run = run_alerts(settings, engine)
        with engine.connect() as conn:
            sent = messages_sent_since(conn, alerts_start)
        engine.dispose()
        alerts.print_summary(alert_run, sent, out)
        print(f"演示数据库：{settings.resolved_db_url}", file=out)
        print(
            f"看板登录：用户名 {DEMO_USER}，密码 {password}（处置人员；本次随机生成、仅供演示，"
            "再次运行 yuqing demo 会换新密码）",
            file=out,
        )
        print(f"总用时 {time.perf_counter() - t0:.1f} 秒", file=out)
        if not dashboard:
            return 0 if runs else 1
        env = dict(os.environ)
        env["MONITOR_DB_URL"] = settings.resolved_db_url
        env["MONITOR_SOURCES_FILE"] = str(sources_file)
        # the dashboard opens the stored demo host names on their local servers (display only: dashboard.links)
        env["MONITOR_DEMO_LINKS"] = json.dumps(sites.host_map())
        cmd = dashboard_command(settings, dashboard_port)
        port = dashboard_port or settings.dashboard.port
        print(
            f"看板：http://{settings.dashboard.host}:{port}/  （用上面的演示账号登录；Ctrl-C 退出；"
            "演示站点在看板运行期间保持在线）",
            file=out,
        )
        # Streamlit in its own process group; SIGTERM / SIGINT / SIGHUP are forwarded to it and waited for
        # (this also replaces the signal handlers Scrapy left behind after the crawl), then the sites and
        # catchers close with this block
        return run_foreground(cmd, cwd=str(ROOT), env=env, grace=settings.serve.stop_grace_seconds)


def serve_demo(*, data_dir: Path | None = None, base_port: int | None = 18700, verbose: int = 0,
               out=sys.stdout) -> int:  # fmt: skip
    """`yuqing demo --serve`: the demo sites and the local mail and webhook catchers, with the real scheduler
    (`yuqing serve`) running against them unattended until SIGTERM / SIGINT. The first pass crawls every demo
    source, analyses, and sends the alerts (the class-A one reaches each catcher once; `data/demo/outbox/`);
    later passes follow each job's cadence. Site checks and own-site watch are off (they need the one-shot
    demo's prepared site-watch fixtures). On a stop every child is stopped, then the sites and catchers."""
    from jobs.runner import ChildRunner
    from jobs.scheduler import build_jobs, prepare, serve_forever
    from store.db import open_store
    from store.scheduler import SchedulerLockBusy, acquire_scheduler_lock
    from yuqing.demo.alerts import DemoAlerts
    from yuqing.demo.corpus import build_corpus
    from yuqing.demo.sites import DemoSites, write_sources_yaml

    data_dir = (data_dir or ROOT / "data" / "demo").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    corpus = build_corpus(datetime.now(UTC))
    with DemoSites(corpus, base_port=base_port) as sites, DemoAlerts(data_dir) as alerts:
        sources_file = data_dir / "sources.yaml"
        write_sources_yaml(sites.sources(), sources_file)
        settings = demo_settings(data_dir, sources_file)
        serve = settings.serve.model_copy(update={"site_check_minutes": 0, "site_watch_minutes": 0})
        settings = settings.model_copy(update={"alerts_file": str(alerts.config_file), "serve": serve})
        sources = [Source(**s) for s in sites.sources()]
        engine = open_store(settings.resolved_db_url, upgrade=True)
        try:
            lock = acquire_scheduler_lock(engine)
        except SchedulerLockBusy as exc:
            engine.dispose()
            print(str(exc), file=sys.stderr)
            return 3
        # the stored URLs carry the demo's host names; only the crawls this scheduler starts map them to the sites
        runner = ChildRunner(verbose=verbose, crawl_overrides={"MONITOR_HOST_MAP": sites.host_map()})
        try:
            prepare(settings, sources, engine)
            password = demo_account(engine)
            jobs = build_jobs(settings, sources)
            print(f"演示站点已启动：{len(sites.urls())} 个站点，{len(sources)} 个信源；"
                  f"本地邮件和 Webhook 接收端已启动（收到的消息写入 {alerts.outbox}）", file=out)  # fmt: skip
            print(f"演示数据库：{settings.resolved_db_url}", file=out)
            print(f"看板：MONITOR_DB_URL={settings.resolved_db_url} yuqing dashboard"
                  f"（用户名 {DEMO_USER}，密码 {password}）", file=out)  # fmt: skip
            print(f"调度器已启动（演示）：{len(jobs)} 个任务，先采集全部演示信源、分析并发送预警；"
                  "`yuqing status` 查看运行情况（同样设置 MONITOR_DB_URL），Ctrl-C 或 SIGTERM 停止。",
                  file=out, flush=True)  # fmt: skip
            if verbose == 0:
                logging.getLogger("jobs").setLevel(logging.INFO)  # a daemon says what it runs
            service = serve_forever(settings, sources, engine, runner=runner, lock=lock)
        finally:
            lock.release()
            engine.dispose()
        got = len(alerts.received())
        print(f"调度器已停止；本地接收端共收到 {got} 条消息（{alerts.outbox}）。", file=out, flush=True)
    if service.active():  # a job thread still waits on a hung call: do not wait for it
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1 if service.lost_lock else 0)
    return 1 if service.lost_lock else 0
