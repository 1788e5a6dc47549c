"""The functions `yuqing serve` runs (each in a child process, see jobs.runner, except the Redis push): thin
adapters that load what a job needs, call the job (jobs.crawl, jobs.analysis, jobs.sitewatch, jobs.alerts) and
return a JobResult — ok, a one-line summary in Chinese, and how much it changed, so the scheduler knows
whether the next step has work. No business logic lives here; each job states its own progress marks.
"""

from __future__ import annotations

import logging
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from typing import Any

from config.loader import Settings, load_plans, load_sources
from jobs.runner import JobResult
from store.db import open_store

logger = logging.getLogger(__name__)


def crawl_sources(settings: Settings, *, names: list[str]) -> JobResult:
    """Crawl the named sources in this process (one Scrapy process, sources concurrently)."""
    from jobs.crawl import run_crawl, select_sources

    chosen = select_sources(load_sources(settings.path(settings.sources_file)), names=names)
    missing = sorted(set(names) - {s.name for s in chosen})
    parts: dict[str, dict[str, Any]] = {
        n: {"ok": False, "error": "信源不在配置中或没有对应的爬虫"} for n in missing
    }
    plans = load_plans(settings.path(settings.plans_file))
    runs = run_crawl(settings, [chosen], plans=plans) if chosen else []
    for src in chosen:
        mine = [r for r in runs if r.get("source") == src.name]
        ok = any(r["status"] == "finished" and (r["pages"] or 0) > 0 for r in mine)
        stored = sum(r["stored"] or 0 for r in mine)
        updated = sum(r["updated"] or 0 for r in mine)
        error = None
        if not ok:
            samples = [s for r in mine for s in (r.get("error_samples") or [])]
            statuses = ",".join(r["status"] for r in mine) or "没有运行记录"
            error = f"采集未成功（{statuses}，页面 {sum(r['pages'] or 0 for r in mine)}）" + (
                f"：{samples[0]}" if samples else ""
            )
        parts[src.name] = {
            "ok": ok, "error": error, "changed": stored + updated,
            "summary": f"页面 {sum(r['pages'] or 0 for r in mine)}，新增 {stored}，更新 {updated}",
        }  # fmt: skip
    ok = bool(parts) and all(p["ok"] for p in parts.values())
    changed = sum(p.get("changed", 0) for p in parts.values())
    failed = [n for n, p in parts.items() if not p["ok"]]
    summary = f"{len(parts)} 个信源，新增/更新 {changed} 篇" + (f"，失败 {len(failed)} 个" if failed else "")
    error = None if ok else "；".join(f"{n}: {parts[n]['error']}" for n in failed)[:2000]
    return JobResult(ok=ok, summary=summary, error=error, changed=changed, parts=parts)


def push_crawl_rounds(settings: Settings, *, names: list[str]) -> JobResult:
    """Distributed mode: push a new round of each named source into its Redis queue for `yuqing worker`."""
    import redis

    from crawler.distributed import push_round
    from jobs.crawl import select_sources, spider_for

    chosen = select_sources(load_sources(settings.path(settings.sources_file)), names=names)
    client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=5, socket_timeout=10)
    parts: dict[str, dict[str, Any]] = {}
    try:
        for src in chosen:
            n = push_round(client, spider_for(src), src)
            summary = f"已推送 {n} 个起始请求" if n else "上一轮仍在队列中，本轮跳过"
            parts[src.name] = {"ok": True, "error": None, "changed": 0, "summary": summary}
    finally:
        client.close()
    summary = "；".join(f"{k}: {v['summary']}" for k, v in parts.items()) or "没有可推送的信源"
    return JobResult(ok=bool(parts), summary=summary, parts=parts,
                     error=None if parts else "信源不在配置中或没有对应的爬虫")  # fmt: skip


def analyse(settings: Settings) -> JobResult:
    """Stage 1 and 2 over the documents not analysed yet (jobs.analysis.analyze: idempotent, incremental)."""
    from analysis import text
    from config.resources import load_text_resources
    from jobs.analysis import analyze

    text.configure(load_text_resources())
    engine = open_store(settings.resolved_db_url, upgrade=True)
    try:
        stats = analyze(
            engine, sentiment_model=settings.analysis.sentiment_model, batch_size=settings.analysis.batch_size,
            keywords_k=settings.analysis.keywords_per_document, timezone=settings.dashboard.timezone,
        )  # fmt: skip
    finally:
        engine.dispose()
    s2 = stats.stage2
    events = f"，新事件 {s2.events_new} 个，更新事件 {s2.events_touched} 个" if s2 is not None else ""
    changed = stats.documents + (s2.events_touched if s2 is not None else 0)
    return JobResult(ok=True, summary=f"分析 {stats.documents} 篇{events}", changed=changed)


def _sitewatch():
    from config.sitewatch import load_sitewatch_config

    return load_sitewatch_config()  # config/official_sites.yaml or $MONITOR_SITEWATCH_FILE


def check_sites(settings: Settings) -> JobResult:
    """Check the impersonation candidates that are due (jobs.sitewatch.check_candidates)."""
    from config.impersonation import load_impersonation_config
    from jobs.sitewatch import check_candidates

    run = check_candidates(settings, _sitewatch(), icfg=load_impersonation_config())
    return JobResult(ok=True, summary=f"核查 {len(run.checked)} 个候选网站", changed=len(run.checked))


def watch_sites(settings: Settings) -> JobResult:
    """Watch the office's own pages (jobs.sitewatch.watch)."""
    from jobs.sitewatch import watch

    run = watch(settings, _sitewatch())
    ok = any(r["status"] == "finished" for r in run.runs)
    return JobResult(
        ok=ok, summary=f"监测 {len(run.snapshots)} 个页面，未处理问题 {len(run.findings)} 个",
        error=None if ok else "网站监测未完成", changed=len(run.findings),
    )  # fmt: skip


def send_alerts(settings: Settings) -> JobResult:
    """Evaluate alert rules, write the outbox, deliver due messages, escalate (jobs.alerts.run_alerts)."""
    from jobs.alerts import run_alerts

    engine = open_store(settings.resolved_db_url, upgrade=True)
    try:
        run = run_alerts(settings, engine, now=datetime.now(UTC))
    finally:
        engine.dispose()
    return JobResult(ok=True, summary=describe(run))


def send_digest(settings: Settings) -> JobResult:
    """Send today's 日报 once it is due, once per recipient channel (jobs.digest.send_daily_digest)."""
    from config.errors import ConfigError
    from jobs.digest import DigestError, send_daily_digest

    engine = open_store(settings.resolved_db_url, upgrade=True)
    try:
        run = send_daily_digest(settings, engine, now=datetime.now(UTC))
    except (DigestError, ConfigError) as exc:
        return JobResult(ok=False, summary="日报未发送", error=str(exc))
    finally:
        engine.dispose()
    if run.day is None and not run.delivered:
        return JobResult(ok=True, summary="日报未到发送时间")
    return JobResult(ok=not run.failed, summary=f"日报 {run.day or ''}：{describe(run)}",
                     error="；".join(run.errors) or None if run.failed else None)  # fmt: skip


def describe(record: Any) -> str:
    """A result record as one short line: its numeric fields (`sent=2, failed=0`), or its text."""
    if is_dataclass(record):
        nums = [(f.name, getattr(record, f.name)) for f in fields(record)]
        nums = [(k, v) for k, v in nums if isinstance(v, int | float) and not isinstance(v, bool)]
        if nums:
            return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in nums)
    return str(record)[:500]
