"""`yuqing sites …`: find impersonation candidates, check them, move them through the workflow, export
referral sheets, and watch the office's own pages (防篡改).

    yuqing sites discover [--no-dns] [--no-documents] [--search] [--write-sources FILE]
    yuqing sites check [--all] [--id N ...] [URL ...]
    yuqing sites add URL --by NAME [--note TEXT]
    yuqing sites list [--status 待核实]
    yuqing sites status ID 已报送 --by NAME [--note TEXT]
    yuqing sites export ID --format csv|html [-o FILE]
    yuqing sites watch
    yuqing sites rebaseline [URL ...] --by NAME
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

import yaml

from config.vocabulary import (
    CANDIDATE_STATUSES,
    FINDING_LABELS,
    SEVERITY_LABELS,
    SIGNAL_LABELS,
    SNAPSHOT_LABELS,
    TIER_LABELS,
)
from yuqing.cli.common import _settings
from yuqing.console import print_table

logger = logging.getLogger(__name__)


def _sitewatch(args):
    from config.sitewatch import load_sitewatch_config

    return load_sitewatch_config(args.sites_file)


def _impersonation():
    from config.impersonation import load_impersonation_config

    return load_impersonation_config()


def _engine(settings):
    from store.db import open_store

    return open_store(settings.resolved_db_url, upgrade=True)


def _score(v) -> int | str:
    return "-" if v is None else int(v)


def _tier(code: str | None) -> str:
    return TIER_LABELS.get(code, code) if code else "未核查"


# --------------------------------------------------------------------------- discover
def cmd_discover(args) -> int:
    from crawler.discovery import search_sources
    from jobs.sitewatch import discover

    settings, sw, icfg = _settings(args), _sitewatch(args), _impersonation()
    now = datetime.now(UTC)
    print(f"配置中人工添加的候选：{len(sw.candidates)} 个")
    if args.search:
        from config.loader import Source, load_plans
        from jobs.crawl import run_crawl

        sources = [Source(**s) for s in search_sources(sw)]
        plans = load_plans(settings.path(settings.plans_file))
        print(f"运行 {len(sources)} 个搜索信源（{len(sources[0].queries) if sources else 0} 个查询词）…")
        run_crawl(settings, [sources], plans=plans)
    engine = _engine(settings)
    try:
        run = discover(
            engine, sw, documents=not args.no_documents, lookalikes=not args.no_dns, now=now, icfg=icfg
        )
    finally:
        engine.dispose()
    print(f"搜索结果中的网站：{run.from_search} 个")
    if not args.no_documents:
        print(
            f"采集文档中涉及审计机关声称或可疑名称的网站：{run.from_documents} 个；可疑机构名称 {len(run.orgs)} 个"
        )
    if not args.no_dns:
        print(
            f"可解析的相似域名：{run.lookalikes} 个（解析服务器 {', '.join(sw.discovery.resolver.nameservers)}）"
        )
    print(f"候选网站：新增 {run.new} 个，已有 {run.known} 个。运行 `yuqing sites check` 核查新候选。")
    for o in run.orgs[:20]:
        print(f"  可疑名称 {o.name}（{o.score} 分）见 {o.url}")
    if args.write_sources:
        out = Path(args.write_sources)
        data = {"sources": search_sources(sw, [o.name for o in run.orgs[:20]])}
        out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        print(f"搜索信源已写入 {out}（可合并到 sources.yaml，由 search_results 爬虫采集）")
    return 0


# --------------------------------------------------------------------------- check
def cmd_check(args) -> int:
    from jobs.sitewatch import check_candidates

    settings, sw = _settings(args), _sitewatch(args)
    run = check_candidates(
        settings,
        sw,
        icfg=_impersonation(),
        urls=list(args.urls),
        ids=list(args.id or ()),
        recheck_all=args.all,
    )
    rows = run.checked
    print(f"本次核查 {len(rows)} 个网站：")
    table = []
    for r in rows:
        fired = [s for s in r["signals"] or [] if s.get("weight")] or list(r["signals"] or [])
        why = "、".join(SIGNAL_LABELS.get(s["code"], s.get("label") or s["code"]) for s in fired)
        if r["check_error"]:
            why = f"核查异常：{r['check_error']}" + (f"；{why}" if why else "")
        table.append([_score(r["score"]), _tier(r["tier"]), r["host"], why])
    print_table(["评分", "等级", "主机", "依据"], table, align=">" + "<<<", indent="  ")
    return 0 if run.runs else 1


# --------------------------------------------------------------------------- workflow
def cmd_add(args) -> int:
    from jobs.workflows import add_candidate
    from store.users import console_user

    settings = _settings(args)
    engine = _engine(settings)
    try:
        cid, created = add_candidate(
            engine, args.url, console_user(args.by), detail=args.note or "命令行添加"
        )
    except ValueError as exc:
        print(f"无法添加：{exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(
        f"{'已添加' if created else '已存在'}候选网站 #{cid}：{args.url}（下次 `yuqing sites check` 时核查）"
    )
    return 0


def cmd_list(args) -> int:
    from store.sitewatch import list_candidates

    engine = _engine(_settings(args))
    with engine.connect() as conn:
        rows = list_candidates(conn, statuses=args.status or ())
    engine.dispose()
    table = [[r["id"], _score(r["score"]), _tier(r["tier"]), r["status"], r["host"]] for r in rows]
    print_table(["编号", "评分", "等级", "状态", "主机"], table, align=">><<<")
    return 0


def cmd_status(args) -> int:
    from jobs.workflows import WorkflowError, change_candidate_status
    from store.users import console_user

    engine = _engine(_settings(args))
    try:
        change_candidate_status(engine, args.id, args.status, console_user(args.by), note=args.note)
    except WorkflowError as exc:
        print(f"无法更改状态：{exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"候选网站 #{args.id} 状态已改为“{args.status}”（{args.by}）")
    return 0


REVIEW_CHOICES = {"confirm": "acknowledged", "false": "false_positive", "reopen": None}


def cmd_review(args) -> int:
    """Mark an own-site integrity finding 已确认 (confirm) or 误报 (false), or reopen it."""
    from jobs.workflows import WorkflowError, finding_review_label, review_finding
    from store.users import console_user

    engine = _engine(_settings(args))
    review = REVIEW_CHOICES[args.review]
    try:
        review_finding(engine, args.id, review, console_user(args.by), note=args.note)
    except WorkflowError as exc:
        print(f"无法标记：{exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"网站安全问题 #{args.id} 已标记为“{finding_review_label(review)}”（{args.by}）")
    return 0


def cmd_export(args) -> int:
    from analysis.sitewatch.referral import referral_csv, referral_html
    from store.sitewatch import ENTITY_CANDIDATE, get_candidate, history

    settings, sw = _settings(args), _sitewatch(args)
    engine = _engine(settings)
    with engine.connect() as conn:
        cand = get_candidate(conn, args.id)
        hist = history(conn, ENTITY_CANDIDATE, args.id) if cand else []
    engine.dispose()
    if cand is None:
        print(f"没有编号为 {args.id} 的候选网站", file=sys.stderr)
        return 2
    render = referral_html if args.format == "html" else referral_csv
    text = render(cand, hist, office=sw.official.name, now=datetime.now(UTC), tz=settings.dashboard.timezone)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8-sig" if args.format == "csv" else "utf-8")
        print(f"已导出 {args.output}")
    else:
        sys.stdout.write(text)
    return 0


# --------------------------------------------------------------------------- own site
def print_watch_summary(run, out=sys.stdout) -> None:
    """Every watched page with its state, then the open findings (of a `jobs.sitewatch.WatchRun`)."""
    pages = []
    for s in run.snapshots:
        latest = s["latest"] or {}
        base = "（本次建立基线）" if latest.get("baseline_created") else ""
        pages.append([SNAPSHOT_LABELS.get(s["status"], s["status"]), f"{s['url']}{base}"])
    print_table(["状态", "页面"], pages, out=out, indent="  ")
    print(f"未处理的问题 {len(run.findings)} 个：", file=out)
    findings = [
        [SEVERITY_LABELS.get(f["severity"], f["severity"]), FINDING_LABELS.get(f.get("kind"), f.get("kind") or ""),
         f["url"], f["summary"]]
        for f in run.findings
    ]  # fmt: skip
    if findings:
        print_table(["严重程度", "问题", "页面", "说明"], findings, out=out, indent="  ")


def cmd_watch(args) -> int:
    from jobs.sitewatch import watch

    settings, sw = _settings(args), _sitewatch(args)
    if not sw.watch:
        print("配置中没有要监测的页面（official_sites.yaml 的 watch:）")
        return 1
    run = watch(settings, sw)
    print_watch_summary(run)
    return 0 if run.runs else 1


def cmd_rebaseline(args) -> int:
    from jobs.sitewatch import rebaseline, watch
    from jobs.workflows import WorkflowError
    from store.users import console_user

    settings, sw = _settings(args), _sitewatch(args)
    engine = _engine(settings)
    try:
        n = rebaseline(engine, args.urls, by=console_user(args.by))
    except WorkflowError as exc:
        print(f"无法重建基线：{exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"已清除 {n} 个页面的基线。")
    if args.no_crawl:
        print("下次 `yuqing sites watch` 时以当时的页面建立新基线。")
        return 0
    print_watch_summary(watch(settings, sw))
    return 0


# --------------------------------------------------------------------------- parser
def register(subparsers) -> None:
    p = subparsers.add_parser(
        "sites", help="impersonating sites (仿冒网站) and own-site integrity (网站安全)"
    )
    p.add_argument(
        "--sites-file",
        help="site-watch config (default config/official_sites.yaml or $MONITOR_SITEWATCH_FILE)",
    )
    sub = p.add_subparsers(dest="sites_command", required=True, metavar="SITES_COMMAND")

    s = sub.add_parser(
        "discover", help="find candidates: hand-added, look-alike domains, crawled documents, search"
    )
    s.add_argument("--no-dns", action="store_true", help="skip look-alike domains (no DNS queries)")
    s.add_argument("--no-documents", action="store_true", help="skip scanning crawled documents")
    s.add_argument(
        "--search", action="store_true", help="first crawl the discovery search sources (internet)"
    )
    s.add_argument("--write-sources", metavar="FILE", help="write the discovery search sources as YAML")
    s.set_defaults(func=cmd_discover)

    s = sub.add_parser("check", help="check candidates that are due (or the given URLs / ids)")
    s.add_argument("urls", nargs="*", metavar="URL", help="check these URLs (stored as candidates)")
    s.add_argument("--id", type=int, action="append", help="check this candidate id (repeatable)")
    s.add_argument("--all", action="store_true", help="re-check every candidate not marked 误报")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("add", help="add a candidate site by hand")
    s.add_argument("url")
    s.add_argument("--by", required=True, help="who adds it (kept in the audit log)")
    s.add_argument("--note", help="why")
    s.set_defaults(func=cmd_add)

    s = sub.add_parser("list", help="list candidates ranked by score")
    s.add_argument(
        "--status", action="append", choices=CANDIDATE_STATUSES, help="only this status (repeatable)"
    )
    s.set_defaults(func=cmd_list)

    s = sub.add_parser("status", help="change a candidate's status (待核实 → 已报送 → 已处置, or 误报)")
    s.add_argument("id", type=int)
    s.add_argument("status", choices=CANDIDATE_STATUSES)
    s.add_argument("--by", required=True, help="who changes it (kept in the audit log)")
    s.add_argument("--note", help="e.g. the referral number")
    s.set_defaults(func=cmd_status)

    s = sub.add_parser("export", help="referral sheet of one candidate (CSV or printable HTML)")
    s.add_argument("id", type=int)
    s.add_argument("--format", choices=("csv", "html"), default="html")
    s.add_argument("-o", "--output", help="file to write (default: stdout)")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser(
        "watch", help="check the office's own pages (defacement, 暗链, cloaking, columns, links)"
    )
    s.set_defaults(func=cmd_watch)

    s = sub.add_parser(
        "review", help="mark an own-site integrity finding 已确认 (confirm) or 误报 (false), or reopen it"
    )
    s.add_argument("id", type=int, help="the finding's number (网站安全 page)")
    s.add_argument("review", choices=tuple(REVIEW_CHOICES))
    s.add_argument("--by", required=True, help="who decides (kept in the audit log)")
    s.add_argument("--note", help="why (kept in the audit log)")
    s.set_defaults(func=cmd_review)

    s = sub.add_parser("rebaseline", help="after a legitimate redesign: drop baselines and take new ones")
    s.add_argument("urls", nargs="*", metavar="URL", help="only these pages (default: all)")
    s.add_argument("--by", required=True, help="who approves the new baseline (kept in the audit log)")
    s.add_argument("--no-crawl", action="store_true", help="only drop the baselines")
    s.set_defaults(func=cmd_rebaseline)
