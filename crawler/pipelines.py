"""Item pipelines: normalise → match 监测方案 → canonical-URL dedup → store in batches."""

from __future__ import annotations

import hashlib
import logging
import re
import time
import unicodedata
from dataclasses import asdict
from datetime import UTC, datetime

from scrapy.exceptions import CloseSpider, DropItem

from analysis.plans import match_plans
from config.loader import ConfigError
from crawler.items import ArticleItem
from crawler.urls import canonical_url
from store.db import StoreError, open_store
from store.queries import upsert_documents

logger = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")

MIN_ARTICLE_BODY = 30  # characters; shorter article bodies are dropped as empty
MAX_TITLE = 500
MAX_BODY = 200_000


def clean_text(text: str | None) -> str:
    """Normalise crawled text: NFC, no control or zero-width characters, collapsed spaces and blank lines."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", str(text))
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    lines = [ln.strip() for ln in text.split("\n")]
    return _BLANK_LINES.sub("\n", "\n".join(ln for ln in lines if ln)).strip()


def _drop(crawler, pipeline: str, reason: str, url: str) -> DropItem:
    crawler.stats.inc_value(f"monitor/dropped/{reason}")
    return DropItem(f"{pipeline}: {reason}: {url}")


class NormalizePipeline:
    """Canonical URL, clean title and body, content hash; drops items with no title or no body."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item: ArticleItem):
        stats = self.crawler.stats
        for problem in item.problems:
            stats.inc_value(f"monitor/problems/{problem}")
        try:
            item.url = canonical_url(item.url)
        except ValueError:
            raise _drop(self.crawler, "NormalizePipeline", "bad_url", item.url) from None
        item.title = clean_text(item.title)[:MAX_TITLE]
        item.body = clean_text(item.body)[:MAX_BODY]
        if not item.title and item.platform in ("weibo", "wechat") and item.body:
            item.title = item.body[:60]
        if not item.title:
            raise _drop(self.crawler, "NormalizePipeline", "no_title", item.url)
        min_body = MIN_ARTICLE_BODY if item.platform not in ("weibo", "hotlist") else 2
        if len(item.body) < min_body:
            raise _drop(self.crawler, "NormalizePipeline", "empty_body", item.url)
        if item.published_at is not None and item.published_at.tzinfo is None:
            raise _drop(self.crawler, "NormalizePipeline", "naive_date", item.url)
        if item.published_at is None:
            stats.inc_value("monitor/problems/no_date")
        item.fetched_at = item.fetched_at or datetime.now(UTC)
        norm = re.sub(r"\s+", "", f"{item.title}\n{item.body}")
        item.content_hash = hashlib.sha1(norm.encode("utf-8")).hexdigest()
        return item


class PlanFilterPipeline:
    """Keep items that at least one 监测方案 matches; drop the rest, counted by reason.

    The plans come loaded in the `MONITOR_PLANS` setting when the crawl job runs the crawl; under a bare
    `scrapy crawl` the pipeline reads the `MONITOR_PLANS_FILE` setting's file through `crawler.settings`."""

    def __init__(self, crawler, plans):
        self.crawler = crawler
        self.plans = plans

    @classmethod
    def from_crawler(cls, crawler):
        plans = crawler.settings.get("MONITOR_PLANS")
        if plans is None:
            from crawler.settings import standalone_plans

            try:
                plans = standalone_plans(crawler.settings.get("MONITOR_PLANS_FILE"))
            except ConfigError as exc:
                raise CloseSpider(f"invalid 监测方案: {exc}") from None
        return cls(crawler, list(plans))

    def process_item(self, item: ArticleItem):
        m = match_plans(self.plans, item.title, item.body)
        if not m.kept:
            reason = "plan_excluded" if m.excluded_by else "no_plan_match"
            raise _drop(self.crawler, "PlanFilterPipeline", reason, item.url)
        item.plans, item.terms = m.plans, m.terms
        return item


class DedupPipeline:
    """Drop a second item with the same canonical URL within one crawl (the store upserts across crawls)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item: ArticleItem):
        if item.url in self.seen:
            raise _drop(self.crawler, "DedupPipeline", "duplicate_url", item.url)
        self.seen.add(item.url)
        return item


ROW_FIELDS = (
    "url", "source", "platform", "level", "region", "title", "body", "author", "media", "published_at",
    "fetched_at", "reposts", "comments", "likes", "reads", "plans", "terms", "content_hash",
)  # fmt: skip


def item_to_row(item: ArticleItem) -> dict:
    d = asdict(item)
    row = {k: d[k] for k in ROW_FIELDS}
    row["first_seen_at"] = row["fetched_at"]
    for k in ("author", "media"):
        if row[k]:
            row[k] = clean_text(row[k])[:200]
    return row


class StoragePipeline:
    """Upsert items by canonical URL in batches; flush on batch size, on age, and when the spider closes."""

    MAX_BUFFER_SECONDS = 2.0

    def __init__(self, crawler, db_url: str, batch_size: int):
        self.crawler = crawler
        self.db_url = db_url
        self.batch_size = batch_size
        self.engine = None
        self.buffer: list[dict] = []
        self.oldest = 0.0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(
            crawler,
            crawler.settings.get("MONITOR_DB_URL"),
            crawler.settings.getint("MONITOR_STORE_BATCH_SIZE", 100),
        )

    def open_spider(self):
        try:
            self.engine = open_store(self.db_url, upgrade=False)
        except StoreError as exc:
            raise CloseSpider(f"db unavailable: {exc}") from None

    def process_item(self, item: ArticleItem):
        if not self.buffer:
            self.oldest = time.monotonic()
        self.buffer.append(item_to_row(item))
        if len(self.buffer) >= self.batch_size or time.monotonic() - self.oldest > self.MAX_BUFFER_SECONDS:
            self.flush()
        return item

    def flush(self) -> None:
        if not self.buffer or self.engine is None:
            return
        rows, self.buffer = self.buffer, []
        with self.engine.begin() as conn:
            inserted, updated = upsert_documents(conn, rows)
        self.crawler.stats.inc_value("monitor/stored", inserted)
        self.crawler.stats.inc_value("monitor/updated", updated)
        logger.debug("stored %d new and %d refreshed documents", inserted, updated)

    def close_spider(self):
        self.flush()
        if self.engine is not None:
            self.engine.dispose()
