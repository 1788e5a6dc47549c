"""`yuqing crawl`: crawl the enabled sources, or only some spiders or sources, and print the summary.

Exit status, for cron and monitoring: 0 when every source got at least one page; 1 when a source got
nothing at all (each such source is named on stderr with a one-line reason) or nothing could be crawled;
2 when the crawl cannot start (unknown spider name, unreachable Redis, invalid configuration).
"""

from __future__ import annotations

import sys

from config.loader import load_plans, load_sources
from yuqing.cli.common import _settings
from yuqing.console import print_crawl_summary


def cmd_crawl(args) -> int:
    from jobs.crawl import CrawlError, fetch_failure, run_crawl, select_sources, spider_classes

    known = spider_classes()
    unknown = [s for s in args.spiders if s not in known]
    if unknown:
        print(f"未知的采集器：{'、'.join(unknown)}（可用：{'、'.join(sorted(known))}）", file=sys.stderr)
        return 2
    settings = _settings(args)
    sources = load_sources(settings.path(settings.sources_file))
    plans = load_plans(settings.path(settings.plans_file))
    chosen = select_sources(sources, spiders=args.spiders, names=args.source or ())
    if not chosen:
        print("没有可采集的信源：请在 config/sources.yaml 中启用信源（enabled: true），或用 --source 指定。")
        return 1
    try:
        runs = run_crawl(settings, [chosen], plans=plans)
    except CrawlError as exc:
        print(f"采集未启动：{exc}", file=sys.stderr)
        return 2
    print_crawl_summary(runs)
    failed = []
    for src in chosen:
        mine = [r for r in runs if r.get("source") == src.name]
        reasons = [fetch_failure(r) for r in mine] or ["没有运行记录（采集器未能启动，详见日志）"]
        if all(reasons):
            failed.append(f"信源「{src.name}」采集失败：{reasons[0]}")
    for line in failed:
        print(line, file=sys.stderr)
    return 1 if failed or not runs else 0


def register(subparsers) -> None:
    s = subparsers.add_parser(
        "crawl",
        help="crawl the enabled sources (optionally only some spiders or sources); "
        "exit 1 when a source got no page at all",
    )
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
