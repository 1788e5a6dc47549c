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
from urllib.parse import urlsplit, urlunsplit

from config.loader import Plan, Settings, Source
from config.vocabulary import FETCH_ERROR_LABELS
from crawler.scrapy_settings import scrapy_settings
from store.db import open_store
from store.queries import crawl_runs_since, interrupt_open_crawl_runs, sync_sources

logger = logging.getLogger(__name__)


class CrawlError(Exception):
    """A crawl that cannot start (an unreachable Redis): the message is the one line the operator reads."""


def masked_url(url: str) -> str:
    """`url` with its password replaced by ***, for messages (redis://:***@host:6379/0)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def check_redis(url: str, timeout: float = 5.0) -> None:
    """Fail fast, in one line, when the Redis of a distributed crawl does not answer (scrapy-redis would
    otherwise fail inside the engine, once per spider, with a page of tracebacks that never name Redis)."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    except ValueError as exc:
        raise CrawlError(f"Redis 地址无效（{masked_url(url)}）：{exc}") from None
    try:
        client.ping()
    except redis.RedisError as exc:
        raise CrawlError(f"无法连接 Redis（{masked_url(url)}）：{' '.join(str(exc).split())}") from None
    finally:
        client.close()


def _fetch_error_label(key: str) -> str:
    """Chinese for one error stats key (monitor/errors/http/503, monitor/errors/download/DNSLookupError ...)."""
    kind, _, code = key.removeprefix("monitor/").partition("/")
    if kind == "errors" and code.startswith("http/"):
        return f"服务器返回 HTTP {code.removeprefix('http/')}"
    name = code.rsplit("/", 1)[-1]
    return FETCH_ERROR_LABELS.get(name, name)


def fetch_failure(run: dict) -> str | None:
    """Why a source got nothing at all (a short Chinese reason), or None when at least one of its pages was
    fetched (robots.txt aside). A run stopped by Ctrl-C / SIGTERM is not a failure of the source."""
    status = run.get("status")
    if status == "interrupted":
        return None
    stats = run.get("stats") or {}
    if status == "failed":
        return f"采集异常结束（{run.get('finish_reason') or '未知原因'}）"

    def count(prefix: str) -> int:
        return sum(int(v) for k, v in stats.items() if k.startswith(prefix) and k[len(prefix) :][:1] == "2")

    fetched = count("downloader/response_status_count/") - count("robotstxt/response_status_count/")
    if fetched > 0:
        return None
    causes = {k: int(v) for k, v in stats.items()
              if k.startswith(("monitor/errors/http/", "monitor/errors/download/", "monitor/blocked/"))}  # fmt: skip
    if not causes:
        return "没有取得任何页面"
    main = max(causes, key=causes.get)
    return f"没有取得任何页面（{_fetch_error_label(main)}，{causes[main]} 个请求）"


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


# Scrapy settings a parent hands every crawl of this process: `yuqing demo --serve` gives its scheduler's job
# children the demo's MONITOR_HOST_MAP this way (jobs.runner), never a configuration file or the environment.
PROCESS_OVERRIDES: dict[str, Any] = {}


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
    process (Twisted's reactor cannot restart). With `redis_url` set, an unreachable Redis raises CrawlError
    before anything starts.
    """
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.reactor import install_reactor, is_reactor_installed
    from twisted.internet import defer
    from twisted.internet.error import ReactorNotRunning

    if settings.redis_url:
        check_redis(settings.redis_url)
    started = datetime.now(UTC)
    all_sources = [s for batch in batches for s in batch]
    prepare_store(settings, all_sources)
    scrapy_cfg = scrapy_settings(settings, plans)
    # Scrapy logs at the level the entry point gave the root logger (yuqing: warnings by default, -v INFO,
    # -vv DEBUG), unless the caller names one
    scrapy_cfg["LOG_LEVEL"] = logging.getLevelName(logging.getLogger().getEffectiveLevel())
    scrapy_cfg.update(PROCESS_OVERRIDES)
    scrapy_cfg.update(overrides or {})
    if not is_reactor_installed():
        install_reactor(scrapy_cfg["TWISTED_REACTOR"])
    scrapy_cfg["LOG_INSTALL_ROOT_HANDLER"] = False  # entry points configure logging
    level = logging.getLevelName(scrapy_cfg["LOG_LEVEL"])
    previous = logging.root.manager.disable
    if isinstance(level, int) and level > logging.DEBUG:
        logging.disable(level - 1)  # CrawlerProcess announces itself and its versions at INFO and DEBUG
    try:
        process = CrawlerProcess(scrapy_cfg)
    finally:
        logging.disable(previous)
    # CrawlerProcess's configure_logging() has just set the `scrapy` logger to DEBUG (its DEFAULT_LOGGING):
    # without this every request and item would reach the entry point's handler
    logging.getLogger("scrapy").setLevel(scrapy_cfg["LOG_LEVEL"])
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
