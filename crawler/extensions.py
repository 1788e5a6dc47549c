"""Extension that records each crawl in `crawl_runs` and updates the source's health (last success/error)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from scrapy import signals
from scrapy.exceptions import NotConfigured

from store.db import StoreError, open_store
from store.queries import record_source_health, start_crawl_run, update_crawl_run

logger = logging.getLogger(__name__)

MAX_ERROR_SAMPLES = 20


def _jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def summarise_stats(stats: dict) -> dict:
    """Reduce Scrapy stats to the crawl_runs columns: pages, items, stored, updated, dropped by reason, errors."""
    dropped = {
        k.removeprefix("monitor/dropped/"): int(v)
        for k, v in stats.items()
        if k.startswith("monitor/dropped/")
    }
    for k, v in stats.items():  # private_address, scheme, redirect_scheme, robots_txt ...
        if k.startswith("monitor/blocked/") and v:
            dropped["blocked_" + k.removeprefix("monitor/blocked/")] = int(v)
    if stats.get("offsite/filtered"):
        dropped["offsite"] = int(stats["offsite/filtered"])
    spider_exceptions = sum(
        int(v) for k, v in stats.items() if k.startswith("spider_exceptions/") and k.count("/") == 1
    )
    quarantined = int(stats.get("monitor/quarantined", 0))
    errors = (
        sum(int(v) for k, v in stats.items() if k.startswith("monitor/errors/"))
        + spider_exceptions
        + quarantined
    )
    problems = {
        k.removeprefix("monitor/problems/"): int(v)
        for k, v in stats.items()
        if k.startswith("monitor/problems/")
    }
    encodings = {
        k.removeprefix("monitor/encoding/"): int(v)
        for k, v in stats.items()
        if k.startswith("monitor/encoding/")
    }
    return {
        "pages": int(stats.get("response_received_count", 0)),
        "items": int(stats.get("item_scraped_count", 0)),
        "stored": int(stats.get("monitor/stored", 0)),
        "updated": int(stats.get("monitor/updated", 0)),
        "dropped": dropped,
        "errors": errors,
        "stats": {
            **{k: _jsonable(v) for k, v in stats.items()},
            "problems": problems,
            "encodings": encodings,
        },
    }


class CrawlRunRecorder:
    """Writes a crawl_runs row when a spider opens and completes it when the spider closes."""

    def __init__(self, crawler, db_url: str):
        self.crawler = crawler
        self.db_url = db_url
        self.engine = None
        self.run_id: int | None = None
        self.error_samples: list[str] = []

    @classmethod
    def from_crawler(cls, crawler):
        db_url = crawler.settings.get("MONITOR_DB_URL")
        if not db_url:
            raise NotConfigured("MONITOR_DB_URL not set")
        ext = cls(crawler, db_url)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        crawler.signals.connect(ext.item_error, signal=signals.item_error)
        crawler.signals.connect(ext.request_dropped, signal=signals.request_dropped)
        return ext

    def _source(self) -> str | None:
        spider = self.crawler.spider
        return getattr(getattr(spider, "source", None), "name", None) or getattr(spider, "source_name", None)

    def spider_opened(self, spider):
        try:
            self.engine = open_store(self.db_url, upgrade=False)
        except StoreError as exc:
            logger.error("crawl run not recorded: %s", exc)
            return
        with self.engine.begin() as conn:
            self.run_id = start_crawl_run(conn, spider.name, self._source(), datetime.now(UTC))

    def _sample(self, text: str) -> None:
        if len(self.error_samples) < MAX_ERROR_SAMPLES:
            self.error_samples.append(text[:500])

    def spider_error(self, failure, response, spider):
        self._sample(f"{response.url}: {failure.getErrorMessage()}")

    def item_error(self, item, response, spider, failure):
        self.crawler.stats.inc_value("monitor/errors/item")
        self._sample(f"{getattr(item, 'url', '?')}: {failure.getErrorMessage()}")

    def request_dropped(self, request, spider):
        """The scheduler drops a request its dupefilter has seen: a redirect back to a URL of its own chain
        is a redirect loop, counted; other duplicates are ordinary and not counted as drops."""
        if request.url in (request.meta.get("redirect_urls") or ()):
            self.crawler.stats.inc_value("monitor/dropped/redirect_loop")
            self._sample(f"{request.url}: redirect loop")

    def note_error(self, text: str) -> None:
        """Spiders call this (via errbacks) to keep a sample of download errors."""
        self._sample(text)

    def spider_closed(self, spider, reason):
        if self.engine is None or self.run_id is None:
            return
        summary = summarise_stats(self.crawler.stats.get_stats())
        now = datetime.now(UTC)
        ok = reason == "finished" and summary["pages"] > 0
        status = {"finished": "finished", "shutdown": "interrupted"}.get(reason, "failed")
        stats = self.crawler.stats
        if status == "finished" and (
            stats.get_value("monitor/quarantined") or stats.get_value("monitor/errors/store")
        ):
            status = "partial"  # finished, but items were refused by the store or quarantined
        with self.engine.begin() as conn:
            update_crawl_run(
                conn, self.run_id, finished_at=now, status=status, finish_reason=reason,
                error_samples=self.error_samples, **summary,
            )  # fmt: skip
            source = self._source()
            # a worker that joined a shared round after the other workers drained it fetched nothing: that
            # says nothing about the source's health
            idle_worker = summary["pages"] == 0 and self.crawler.settings.getbool("MONITOR_SHARED_QUEUE")
            if source and not idle_worker:
                err = (
                    None
                    if ok
                    else (
                        self.error_samples[0]
                        if self.error_samples
                        else f"crawl ended: {reason}, {summary['pages']} pages"
                    )
                )
                record_source_health(conn, source, ok=ok, when=now, error=err)
        self.engine.dispose()
