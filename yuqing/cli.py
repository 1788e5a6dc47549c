"""The `yuqing` command: init-db, crawl, analyze, dashboard, demo, train-sentiment."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from config.loader import ROOT, ConfigError, Settings, load_plans, load_settings, load_sources

logger = logging.getLogger("yuqing")


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _settings(args) -> Settings:
    return load_settings(args.config) if args.config else load_settings()


# --------------------------------------------------------------------------- init-db
def cmd_init_db(args) -> int:
    from store.db import open_store
    from store.queries import sync_sources

    settings = _settings(args)
    sources = load_sources(settings.path(settings.sources_file))
    load_plans(settings.path(settings.plans_file))
    engine = open_store(settings.resolved_db_url, upgrade=True)
    with engine.begin() as conn:
        n = sync_sources(conn, [s.as_row() for s in sources])
    print(f"数据库已就绪：{_safe_url(settings.resolved_db_url)}（信源 {n} 个）")
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --------------------------------------------------------------------------- crawl
def print_crawl_summary(runs: list[dict], out=sys.stdout) -> None:
    """Stored per source, dropped by reason, errors: the crawl's report to the operator."""
    dropped: Counter[str] = Counter()
    print("\n采集结果（按信源）", file=out)
    print(f"  {'信源':<24}{'页面':>6}{'新增':>6}{'更新':>6}{'丢弃':>6}{'错误':>6}  状态", file=out)
    for r in runs:
        d = r.get("dropped") or {}
        dropped.update(d)
        print(
            f"  {str(r.get('source') or r['spider']):<24}{r['pages']:>6}{r['stored']:>6}{r['updated']:>6}"
            f"{sum(d.values()):>6}{r['errors']:>6}  {r['status']}",
            file=out,
        )
    total_new = sum(r["stored"] for r in runs)
    total_upd = sum(r["updated"] for r in runs)
    print(f"  合计：新增 {total_new} 篇，更新 {total_upd} 篇", file=out)
    if dropped:
        print("丢弃原因：", file=out)
        for reason, n in dropped.most_common():
            print(f"  {REASONS.get(reason, reason)}（{reason}）: {n}", file=out)
    problems: Counter[str] = Counter()
    encodings: Counter[str] = Counter()
    for r in runs:
        problems.update((r.get("stats") or {}).get("problems") or {})
        encodings.update((r.get("stats") or {}).get("encodings") or {})
    repaired = {k: v for k, v in encodings.items() if k not in ("utf-8", "declared", "meta", "bom", "xml")}
    if problems or repaired:
        print("问题页面（已入库或已计数，不影响采集）：", file=out)
        for name, n in problems.most_common():
            print(f"  {PROBLEMS.get(name, name)}（{name}）: {n}", file=out)
        for name, n in sorted(repaired.items()):
            print(f"  编码声明有误、已按内容识别（{name}）: {n}", file=out)
    samples = [s for r in runs for s in (r.get("error_samples") or [])]
    if samples:
        print(f"错误样例（共 {sum(r['errors'] for r in runs)} 个错误）：", file=out)
        for s in samples[:10]:
            print(f"  - {s}", file=out)


REASONS = {
    "no_plan_match": "未命中监测方案",
    "plan_excluded": "命中屏蔽词",
    "duplicate_url": "本轮重复链接",
    "no_title": "无标题",
    "empty_body": "正文为空",
    "empty_page": "空页面",
    "bad_url": "链接无效",
    "not_html": "非网页内容",
    "naive_date": "时间缺时区",
    "blocked_private_address": "拦截内网地址",
    "blocked_robots_txt": "robots.txt 禁止",
}

PROBLEMS = {
    "no_date": "缺少发布时间",
    "too_large": "页面过大，已截断处理",
    "unparsable": "HTML 无法解析",
    "empty": "空页面",
    "error": "抽取出错",
    "empty_feed": "RSS 无条目",
    "entry_without_link": "RSS 条目无链接",
    "bad_json": "接口返回非 JSON",
    "non_text_list_page": "列表页非文本",
}


def cmd_crawl(args) -> int:
    from jobs.crawl import run_crawl, select_sources

    settings = _settings(args)
    sources = load_sources(settings.path(settings.sources_file))
    load_plans(settings.path(settings.plans_file))
    chosen = select_sources(sources, spiders=args.spiders, names=args.source or ())
    if not chosen:
        print("没有可采集的信源：请在 config/sources.yaml 中启用信源（enabled: true），或用 --source 指定。")
        return 1
    runs = run_crawl(settings, [chosen])
    print_crawl_summary(runs)
    return 0 if runs else 1


# --------------------------------------------------------------------------- analyze
def cmd_analyze(args) -> int:
    from jobs.analysis import analyze
    from store.db import open_store

    settings = _settings(args)
    engine = open_store(settings.resolved_db_url, upgrade=True)
    stats = analyze(
        engine, sentiment_model=args.model or settings.analysis.sentiment_model,
        batch_size=settings.analysis.batch_size, keywords_k=settings.analysis.keywords_per_document,
    )  # fmt: skip
    if stats.documents == 0:
        print("没有需要分析的新文档。")
    else:
        print(f"已分析 {stats.documents} 篇文档，用时 {stats.seconds:.1f} 秒")
        print("  情感：" + "，".join(f"{_SENT.get(k, k)} {v}" for k, v in sorted(stats.by_sentiment.items())))
        print("  指向：" + "，".join(f"{_TARGET.get(k, k)} {v}" for k, v in sorted(stats.by_target.items())))
    if stats.stage2 is not None and stats.stage2.documents:
        print(stage2_line(stats.stage2))
    return 0


def stage2_line(s2) -> str:
    """One line on what stage 2 did: documents placed, events new/updated, response classes."""
    classes = "，".join(f"{k}类 {v}" for k, v in sorted(s2.by_class.items()) if k in ("A", "B"))
    return f"  热点：归并 {s2.documents} 篇，新事件 {s2.events_new} 个，更新 {s2.events_touched} 个" + (
        f"；需回应：{classes}" if classes else ""
    )


_SENT = {"neg": "负面", "neu": "中性", "pos": "正面"}
_TARGET = {"office": "批评审计机关", "audited": "审计发现（被审计单位）", "other": "其他"}


# --------------------------------------------------------------------------- dashboard
def dashboard_command(settings: Settings, port: int | None = None) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
        "--server.headless", "true", "--server.address", settings.dashboard.host,
        "--server.port", str(port or settings.dashboard.port), "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def cmd_dashboard(args) -> int:
    settings = _settings(args)
    env = dict(os.environ)
    if args.config:
        env["MONITOR_CONFIG"] = str(Path(args.config).resolve())
    cmd = dashboard_command(settings, args.port)
    print(
        f"看板地址：http://{settings.dashboard.host}:{args.port or settings.dashboard.port}/  （Ctrl-C 退出）"
    )
    return subprocess.call(cmd, cwd=str(ROOT), env=env)


# --------------------------------------------------------------------------- demo
def cmd_demo(args) -> int:
    from yuqing.demo_run import run_demo

    return run_demo(
        data_dir=Path(args.data_dir) if args.data_dir else None,
        dashboard=not args.no_dashboard,
        base_port=args.port_base or None,
        dashboard_port=args.port,
    )


def cmd_train_sentiment(args) -> int:
    from analysis.train_sentiment import main as train_main

    return train_main(args.rest)


# --------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="yuqing",
        description="审计舆情哨兵：审计机关网络舆情监测与回应系统（采集 → 分析 → 看板）",
    )
    p.add_argument("--config", help="settings file (default config/settings.yaml or $MONITOR_CONFIG)")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-v, -vv)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("init-db", help="create or upgrade the database and load the configured sources")
    s.set_defaults(func=cmd_init_db)

    s = sub.add_parser("crawl", help="crawl the enabled sources (optionally only some spiders or sources)")
    s.add_argument(
        "spiders",
        nargs="*",
        metavar="SPIDER",
        help="spider names: rss news_listing search_results social_posts hot_list",
    )
    s.add_argument(
        "--source", action="append", help="crawl only this source (by name; repeatable; also disabled ones)"
    )
    s.set_defaults(func=cmd_crawl)

    s = sub.add_parser("analyze", help="analyse documents not analysed yet (keywords, sentiment, target)")
    s.add_argument("--model", help="sentiment model: project or snownlp (default from settings)")
    s.set_defaults(func=cmd_analyze)

    s = sub.add_parser("dashboard", help="serve the Streamlit dashboard")
    s.add_argument("--port", type=int, help="port (default dashboard.port)")
    s.set_defaults(func=cmd_dashboard)

    s = sub.add_parser(
        "demo", help="start local demo sites, crawl them, analyse, print a summary and serve the dashboard"
    )
    s.add_argument("--no-dashboard", action="store_true", help="stop after the summary")
    s.add_argument("--data-dir", help="folder for the demo database (default data/demo)")
    s.add_argument(
        "--port-base",
        type=int,
        default=18700,
        help="first port tried for the local sites (0: any free ports)",
    )
    s.add_argument("--port", type=int, default=None, help="dashboard port (default dashboard.port)")
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("train-sentiment", help="rebuild the shipped sentiment model from ../shared/data",
                       add_help=False)  # fmt: skip
    s.add_argument("rest", nargs=argparse.REMAINDER, help="arguments for the trainer (see --help)")
    s.set_defaults(func=cmd_train_sentiment)

    # Feature modules add their own subcommands: each has `register(subparsers) -> None`.
    for module in EXTENSION_MODULES:
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module).register(sub)
    return p


EXTENSION_MODULES = ("yuqing.cli_hotspots", "yuqing.cli_sitewatch")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - entry point: one clear line, details with -v
        from store.db import StoreError

        if isinstance(exc, StoreError):
            print(f"数据库错误：{exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
