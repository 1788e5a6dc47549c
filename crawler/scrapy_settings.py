"""Scrapy settings, derived from the one typed settings object in `config.loader` (one source of truth).

`scrapy_settings(settings, plans)` translates what an entry point loaded; it reads no file. The crawl job
uses it directly; `crawler.settings` (what a bare `scrapy crawl` reads) applies it to the loaded files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from config.loader import Plan, Settings

BOT_NAME = "crawler"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"


def scrapy_settings(settings: Settings, plans: Sequence[Plan] | None = None) -> dict[str, Any]:
    """Translate application settings into Scrapy settings (pipelines, middlewares, politeness, Redis).

    `plans`: the 监测方案 already loaded from `settings.plans_file`, handed to the plan filter as
    `MONITOR_PLANS`; without them the filter reads `MONITOR_PLANS_FILE` itself (through `crawler.settings`).
    """
    c = settings.crawl
    out: dict[str, Any] = {
        "BOT_NAME": BOT_NAME,
        "SPIDER_MODULES": SPIDER_MODULES,
        "NEWSPIDER_MODULE": NEWSPIDER_MODULE,
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "USER_AGENT": c.user_agent,
        "ROBOTSTXT_OBEY": c.robots_txt_obey,
        "DOWNLOAD_DELAY": c.download_delay,
        "CONCURRENT_REQUESTS": c.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": c.concurrent_requests_per_domain,
        "AUTOTHROTTLE_ENABLED": c.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(c.download_delay, 0.01),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(c.concurrent_requests_per_domain),
        "DOWNLOAD_TIMEOUT": c.download_timeout,
        "DOWNLOAD_MAXSIZE": c.max_page_bytes,
        "DOWNLOAD_WARNSIZE": c.max_page_bytes // 2,
        "RETRY_TIMES": 2,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "FEED_EXPORT_ENCODING": "utf-8",
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "DEPTH_LIMIT": 0,  # spiders enforce per-source depth themselves
        "HTTPERROR_ALLOW_ALL": False,
        "MONITOR_DB_URL": settings.resolved_db_url,
        "MONITOR_PLANS_FILE": str(settings.path(settings.plans_file)),
        "MONITOR_STORE_BATCH_SIZE": c.store_batch_size,
        "MONITOR_ALLOW_PRIVATE_NETWORKS": list(c.allow_private_networks),
        "MONITOR_DEFAULT_DEPTH": c.default_depth,
        "ITEM_PIPELINES": {
            "crawler.pipelines.NormalizePipeline": 100,
            "crawler.pipelines.PlanFilterPipeline": 200,
            "crawler.pipelines.DedupPipeline": 300,
            "crawler.pipelines.StoragePipeline": 900,
        },
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.middlewares.PrivateAddressGuardMiddleware": 50,
            # the demo's and tests' named hosts served locally; NotConfigured unless MONITOR_HOST_MAP is given
            "crawler.hostmap.HostMapMiddleware": 60,
            # Scrapy's own lets requests through unchecked while robots.txt loads (crawler/robots.py)
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "crawler.robots.RobotsTxtMiddleware": 100,
            "crawler.middlewares.RefusedLookupMiddleware": 580,  # before RetryMiddleware (550) sees the error
        },
        # the only lookup connections use: refuses names that resolve to non-global addresses
        "TWISTED_DNS_RESOLVER": "crawler.resolver.GuardedResolver",
        # only the web is crawled: no handler for file://, data:, ftp:// or s3:// links found in pages
        "DOWNLOAD_HANDLERS": {"file": None, "data": None, "ftp": None, "s3": None},
        "EXTENSIONS": {
            "crawler.extensions.CrawlRunRecorder": 500,
        },
        "LOG_LEVEL": "INFO",
        "LOG_FORMATTER": "crawler.logformatter.MonitorLogFormatter",
    }
    if plans is not None:
        out["MONITOR_PLANS"] = list(plans)
    if settings.redis_url:
        out.update(
            {
                # queue and fingerprints shared by every process crawling the same source; cleared when the
                # crawl ends so that the next scheduled crawl re-reads list pages
                "SCHEDULER": "crawler.scheduler.SourceScheduler",
                "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
                "SCHEDULER_PERSIST": False,
                "REDIS_URL": settings.redis_url,
            }
        )
    return out
