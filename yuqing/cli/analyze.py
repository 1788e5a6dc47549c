"""`yuqing analyze`: analyse the documents not analysed yet and print what was found."""

from __future__ import annotations

from config.vocabulary import SENTIMENT_LABELS, TARGET_LABELS
from yuqing.cli.common import _settings
from yuqing.console import stage2_line


def cmd_analyze(args) -> int:
    from analysis import text
    from config.resources import load_text_resources
    from jobs.analysis import analyze
    from store.db import open_store

    settings = _settings(args)
    text.configure(load_text_resources())
    engine = open_store(settings.resolved_db_url, upgrade=True)
    try:
        if args.rebuild_counts:
            from store.aggregates import rebuild

            n = rebuild(engine, settings.dashboard.timezone)
            print(f"已按 {settings.dashboard.timezone} 重建每日统计：{n} 篇文档。")
            from jobs import announcement_links

            links = announcement_links.rebuild(engine)
            print(f"已重建审计结果公告的报道关联：{links} 条。")
        stats = analyze(
            engine, sentiment_model=args.model or settings.analysis.sentiment_model,
            batch_size=settings.analysis.batch_size, keywords_k=settings.analysis.keywords_per_document,
            timezone=settings.dashboard.timezone,
        )  # fmt: skip
        if stats.counts_rebuilt:
            print(f"已按 {settings.dashboard.timezone} 重建每日统计。")
    finally:
        engine.dispose()
    if stats.documents == 0:
        print("没有需要分析的新文档。")
    else:
        print(f"已分析 {stats.documents} 篇文档，用时 {stats.seconds:.1f} 秒")
        print(
            "  情感："
            + "，".join(f"{SENTIMENT_LABELS.get(k, k)} {v}" for k, v in sorted(stats.by_sentiment.items()))
        )
        print(
            "  指向："
            + "，".join(f"{TARGET_LABELS.get(k, k)} {v}" for k, v in sorted(stats.by_target.items()))
        )
    if stats.stage2 is not None and stats.stage2.documents:
        print(stage2_line(stats.stage2))
    return 0


def register(subparsers) -> None:
    s = subparsers.add_parser(
        "analyze", help="analyse documents not analysed yet (keywords, sentiment, target)"
    )
    s.add_argument("--model", help="sentiment model: project or snownlp (default from settings)")
    s.add_argument("--rebuild-counts", action="store_true",
                   help="recount the daily counts and the 审计结果公告 links behind the dashboard from every document first")  # fmt: skip
    s.set_defaults(func=cmd_analyze)
