"""`yuqing crawl`: crawl the enabled sources, or only some spiders or sources, and print the summary."""

from __future__ import annotations

from config.loader import load_plans, load_sources
from yuqing.cli.common import _settings
from yuqing.console import print_crawl_summary


def cmd_crawl(args) -> int:
    from jobs.crawl import run_crawl, select_sources

    settings = _settings(args)
    sources = load_sources(settings.path(settings.sources_file))
    plans = load_plans(settings.path(settings.plans_file))
    chosen = select_sources(sources, spiders=args.spiders, names=args.source or ())
    if not chosen:
        print("没有可采集的信源：请在 config/sources.yaml 中启用信源（enabled: true），或用 --source 指定。")
        return 1
    runs = run_crawl(settings, [chosen], plans=plans)
    print_crawl_summary(runs)
    return 0 if runs else 1


def register(subparsers) -> None:
    s = subparsers.add_parser(
        "crawl", help="crawl the enabled sources (optionally only some spiders or sources)"
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
