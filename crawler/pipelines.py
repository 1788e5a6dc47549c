"""Item pipelines: normalise → match 监测方案 → canonical-URL dedup → store in batches."""

from __future__ import annotations

import hashlib
import logging
import re
import time
import unicodedata
from dataclasses import asdict
from datetime import UTC, datetime

from scrapy import signals
from scrapy.exceptions import CloseSpider, DropItem

from analysis.numerals import parse_engagement
from analysis.plans import match_plans
from config.loader import ConfigError
from crawler.extract.dates import date_problem
from crawler.items import ArticleItem
from crawler.sanitize import (
    MAX_ID,
    MAX_URL,
    clamp_count,
    needs_repair,
    repair_text,
    unstorable_identity,
)
from crawler.urls import canonical_url
from store.db import StoreError, open_store
from store.quarantine import ROW_ERRORS, add_quarantined
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


COUNT_FIELDS = ("reposts", "comments", "likes", "reads")
# text fields of an item and the column width each is bounded to (None: the title/body limits below)
BOUNDED_FIELDS = {"source": 200, "platform": 32, "level": 32, "region": 100, "author": 200, "media": 200,
                  "encoding": 32}  # fmt: skip


class QuarantineItem(DropItem):
    """An item that cannot be stored as it is: dropped, counted, and kept in the quarantine table."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def _drop(crawler, pipeline: str, reason: str, url: str) -> DropItem:
    crawler.stats.inc_value(f"monitor/dropped/{reason}")
    return DropItem(f"{pipeline}: {reason}: {url}")


def _raw(item) -> dict:
    try:
        return asdict(item)
    except TypeError:
        return dict(item) if isinstance(item, dict) else {"repr": repr(item)}


class NormalizePipeline:
    """Canonical URL, clean title and body, content hash; drops items with no title or no body. A publication
    time that cannot be true (crawler.extract.dates.date_problem: before 1995 or more than a day ahead) is
    dropped from the item, counted by reason, and the item kept."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item: ArticleItem):
        stats = self.crawler.stats
        for problem in item.problems:
            stats.inc_value(f"monitor/problems/{repair_text(problem, 64)}")
        url, post_id = str(item.url or ""), str(getattr(item, "post_id", "") or "")
        reason = unstorable_identity(post_id, MAX_ID, "id") or unstorable_identity(url, MAX_URL, "url")
        if reason:
            stats.inc_value(f"monitor/dropped/{reason}")
            raise QuarantineItem(
                f"NormalizePipeline: {reason}: {url.encode('ascii', 'backslashreplace')!r}", reason
            )
        try:
            item.url = canonical_url(url)
        except ValueError:
            raise _drop(self.crawler, "NormalizePipeline", "bad_url", url) from None
        if len(item.url) > MAX_URL:
            stats.inc_value("monitor/dropped/url_too_long")
            raise QuarantineItem(f"NormalizePipeline: url_too_long: {item.url[:200]}", "url_too_long")
        self._repair_text(item)
        self._bound_counts(item)
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
        item.fetched_at = item.fetched_at or datetime.now(UTC)
        if item.published_at is not None:
            problem = date_problem(item.published_at, item.fetched_at)
            if problem:  # impossible (2099, 1970): the field is dropped, the document dated by first_seen_at
                stats.inc_value(f"monitor/problems/{problem}")
                logger.info("implausible date %s dropped (%s): %s", item.published_at.isoformat(), problem,
                            item.url[:200])  # fmt: skip
                item.published_at = None
        if item.published_at is None:
            stats.inc_value("monitor/problems/no_date")
        norm = re.sub(r"\s+", "", f"{item.title}\n{item.body}")
        item.content_hash = hashlib.sha1(norm.encode("utf-8")).hexdigest()
        return item

    def _repair_text(self, item: ArticleItem) -> None:
        """Every text field storable: lone surrogates replaced, NULs removed, lengths bounded (counted)."""
        repaired = False
        for name in ("title", "body", *BOUNDED_FIELDS):
            value = getattr(item, name, None)
            if value is None:
                continue
            if not isinstance(value, str):
                value = str(value)
            repaired = repaired or needs_repair(value)
            setattr(item, name, repair_text(value, BOUNDED_FIELDS.get(name)))
        for name in ("author", "media"):
            value = getattr(item, name)
            if value is not None:
                setattr(item, name, clean_text(value)[:200] or None)
        if repaired:
            self.crawler.stats.inc_value("monitor/problems/unencodable_text")

    def _bound_counts(self, item: ArticleItem) -> None:
        """Counts as ints in 0..MAX_COUNT: a malformed one becomes 0, an absurd one is bounded (counted)."""
        for name in COUNT_FIELDS:
            raw = getattr(item, name, 0)
            value = (
                None if raw is None else parse_engagement(raw)
            )  # spiders hand over None for a malformed count
            if value is None:
                self.crawler.stats.inc_value("monitor/problems/bad_count")
                value = 0
            value, problem = clamp_count(value)
            if problem:
                self.crawler.stats.inc_value(f"monitor/problems/{problem}")
            setattr(item, name, value)


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
    return row


class StoragePipeline:
    """Upsert items by canonical URL in batches; flush on batch size, on age, and when the spider closes.

    A batch the store refuses is written again item by item, so that only the item at fault is lost: it is
    counted (`monitor/dropped/store_rejected`) and kept in the quarantine table with the error, as are the
    items the normaliser refused (QuarantineItem)."""

    MAX_BUFFER_SECONDS = 2.0

    def __init__(self, crawler, db_url: str, batch_size: int):
        self.crawler = crawler
        self.db_url = db_url
        self.batch_size = batch_size
        self.engine = None
        self.buffer: list[tuple[ArticleItem, dict]] = []
        self.quarantined: list[dict] = []
        self.oldest = 0.0

    @classmethod
    def from_crawler(cls, crawler):
        pipe = cls(
            crawler,
            crawler.settings.get("MONITOR_DB_URL"),
            crawler.settings.getint("MONITOR_STORE_BATCH_SIZE", 100),
        )
        crawler.signals.connect(pipe.item_dropped, signal=signals.item_dropped)
        return pipe

    def item_dropped(self, item, response, exception, spider):
        if isinstance(exception, QuarantineItem):
            self._quarantine(item, exception.reason, str(exception))

    def _quarantine(self, item, reason: str, error: str) -> None:
        spider = self.crawler.spider
        self.quarantined.append({
            "spider": getattr(spider, "name", "?"), "source": getattr(spider, "source_name", None),
            "reason": reason, "error": error, "item": _raw(item), "at": datetime.now(UTC),
        })  # fmt: skip
        self.crawler.stats.inc_value("monitor/quarantined")

    def open_spider(self):
        try:
            self.engine = open_store(self.db_url, upgrade=False)
        except StoreError as exc:
            raise CloseSpider(f"db unavailable: {exc}") from None

    def process_item(self, item: ArticleItem):
        if not self.buffer:
            self.oldest = time.monotonic()
        self.buffer.append((item, item_to_row(item)))
        if len(self.buffer) >= self.batch_size or time.monotonic() - self.oldest > self.MAX_BUFFER_SECONDS:
            self.flush()
        return item

    def flush(self) -> None:
        if self.engine is None:
            return
        pending, self.buffer = self.buffer, []
        if pending:
            try:
                self._write([row for _, row in pending])
            except ROW_ERRORS as exc:
                logger.warning("batch of %d documents refused (%s); writing them one by one",
                               len(pending), type(exc).__name__)  # fmt: skip
                for item, row in pending:
                    try:
                        self._write([row])
                    except ROW_ERRORS as one:
                        self.crawler.stats.inc_value("monitor/dropped/store_rejected")
                        logger.warning("document refused by the store, quarantined: %s: %s",
                                       row.get("url", "?")[:200], type(one).__name__)  # fmt: skip
                        self._quarantine(item, "store_rejected", f"{type(one).__name__}: {one}")
        self._write_quarantine()

    def _write(self, rows: list[dict]) -> None:
        with self.engine.begin() as conn:
            inserted, updated = upsert_documents(conn, rows)
        self.crawler.stats.inc_value("monitor/stored", inserted)
        self.crawler.stats.inc_value("monitor/updated", updated)
        logger.debug("stored %d new and %d refreshed documents", inserted, updated)

    def _write_quarantine(self) -> None:
        entries, self.quarantined = self.quarantined, []
        for q in entries:
            try:
                with self.engine.begin() as conn:
                    add_quarantined(conn, spider=q["spider"], source=q["source"], reason=q["reason"],
                                    error=q["error"], item=q["item"], at=q["at"])  # fmt: skip
            except ROW_ERRORS as exc:
                self.crawler.stats.inc_value("monitor/errors/store")
                logger.error("quarantine not written (%s): %s", type(exc).__name__, q["reason"])

    def close_spider(self):
        self.flush()
        if self.engine is not None:
            self.engine.dispose()
