"""The crawl job: run configured sources through their spiders in one Scrapy process, then report what each
run did (the `crawl_runs` rows it wrote).

Progress: each spider run writes its own `crawl_runs` row (crawler.extensions), and every document is
upserted by canonical URL, so a crawl killed at any point and run again stores each page once; runs a killed
process left `running` are marked `interrupted` when the next crawl starts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from config.loader import Plan, Settings, Source
from crawler.scrapy_settings import scrapy_settings
from store.db import open_store
from store.queries import crawl_runs_since, interrupt_open_crawl_runs, sync_sources

logger = logging.getLogger(__name__)


def spider_classes() -> dict[str, type]:
    from crawler.spiders.hot_list import HotListSpider
    from crawler.spiders.news_listing import NewsListingSpider
    from crawler.spiders.rss import RssSpider
    from crawler.spiders.search_results import SearchResultsSpider
    from crawler.spiders.social_posts import SocialPostsSpider

    return {
        cls.name: cls
        for cls in (RssSpider, NewsListingSpider, SearchResultsSpider, SocialPostsSpider, HotListSpider)
    }


def spider_for(source: Source) -> type:
    for cls in spider_classes().values():
        if source.kind in cls.kinds:
            return cls
    raise ValueError(f"no spider crawls sources of kind {source.kind!r} yet (source {source.name!r})")


def select_sources(
    sources: Iterable[Source], spiders: Sequence[str] = (), names: Sequence[str] = ()
) -> list[Source]:
    """Enabled sources, narrowed to the given spider names and/or source names."""
    known = spider_classes()
    unknown = [s for s in spiders if s not in known]
    if unknown:
        raise ValueError(f"unknown spider(s) {unknown}; known: {sorted(known)}")
    chosen = []
    for src in sources:
        if names and src.name not in names:
            continue
        if not names and not src.enabled:
            continue
        try:
            cls = spider_for(src)
        except ValueError as exc:
            logger.warning("%s", exc)
            continue
        if spiders and cls.name not in spiders:
            continue
        chosen.append(src)
    return chosen


def prepare_store(settings: Settings, sources: Sequence[Source]) -> None:
    """Create or upgrade the schema, mirror the configured sources, and close runs a killed process left open."""
    engine = open_store(settings.resolved_db_url, upgrade=True)
    with engine.begin() as conn:
        sync_sources(conn, [s.as_row() for s in sources])
        interrupt_open_crawl_runs(conn)
    engine.dispose()


def run_crawl(
    settings: Settings,
    batches: Sequence[Sequence[Source]],
    *,
    plans: Sequence[Plan] | None = None,
    overrides: dict[str, Any] | None = None,
    spider_overrides: dict[str, type] | None = None,
) -> list[dict]:
    """Crawl: sources within a batch run concurrently, batches one after another. Blocks until done.

    `plans`: the 监测方案 the caller loaded from `settings.plans_file`, handed to the plan filter (without
    them the filter reads the file itself). Returns the crawl_runs rows written by this call. One call per
    process (Twisted's reactor cannot restart).
    """
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.reactor import install_reactor, is_reactor_installed
    from twisted.internet import defer
    from twisted.internet.error import ReactorNotRunning

    started = datetime.now(UTC)
    all_sources = [s for batch in batches for s in batch]
    prepare_store(settings, all_sources)
    scrapy_cfg = scrapy_settings(settings, plans)
    scrapy_cfg.update(overrides or {})
    if not is_reactor_installed():
        install_reactor(scrapy_cfg["TWISTED_REACTOR"])
    scrapy_cfg["LOG_INSTALL_ROOT_HANDLER"] = False  # entry points configure logging
    process = CrawlerProcess(scrapy_cfg)
    failures: list[str] = []

    @defer.inlineCallbacks
    def crawl_all():
        try:
            for batch in batches:
                crawlers, ds = [], []
                for src in batch:
                    cls = (spider_overrides or {}).get(src.name) or spider_for(src)
                    crawler = process.create_crawler(cls)
                    crawlers.append(crawler)
                    ds.append(process.crawl(crawler, source=src))
                results = yield defer.DeferredList(ds, consumeErrors=True)
                for (ok, value), src in zip(results, batch, strict=True):
                    if not ok:
                        failures.append(f"{src.name}: {value.getErrorMessage()}")
                        logger.error("crawl of %s failed: %s", src.name, value.getTraceback())
                if any(c.stats.get_value("finish_reason") == "shutdown" for c in crawlers):
                    logger.warning("crawl interrupted (Ctrl-C / SIGTERM): later batches skipped")
                    break
        finally:
            try:
                reactor.stop()
            except ReactorNotRunning:  # Scrapy's own SIGTERM handler stopped it already
                pass

    from twisted.internet import reactor

    reactor.callWhenRunning(crawl_all)
    process.start(stop_after_crawl=False)
    if failures:
        logger.error("%d crawl(s) failed to run: %s", len(failures), "; ".join(failures))
    engine = open_store(settings.resolved_db_url, upgrade=False)
    with engine.connect() as conn:
        runs = crawl_runs_since(conn, started)
    engine.dispose()
    logger.info(
        "crawl: %d run(s), %d stored, %d updated, %d failed to run",
        len(runs), sum(r["stored"] or 0 for r in runs), sum(r["updated"] or 0 for r in runs), len(failures),
    )  # fmt: skip
    return runs
