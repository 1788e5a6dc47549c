"""Generic RSS 2.0 / Atom spider: reads a feed, then fetches each entry's article page for the full text."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import scrapy
from scrapy.http import Response

from crawler.extract import parse_datetime
from crawler.extract.dates import date_problem
from crawler.spiders._base import BaseMonitorSpider

logger = logging.getLogger(__name__)


def parse_feed_date(text: str | None, now: datetime) -> datetime | None:
    """RFC 822 (RSS pubDate) or ISO 8601 (Atom), falling back to the general date parser."""
    if not text:
        return None
    text = text.strip()
    try:
        dt = parsedate_to_datetime(text)
        if dt is not None and dt.tzinfo is not None:
            return dt
    except (TypeError, ValueError, IndexError):
        pass
    return parse_datetime(text, now)


def feed_entries(response: Response) -> list[dict]:
    """Entries of an RSS or Atom feed as dicts: link, title, published, summary."""
    sel = response.selector
    sel.remove_namespaces()
    entries = []
    for node in sel.xpath("//item"):
        entries.append(
            {
                "link": (node.xpath("link/text()").get() or node.xpath("guid/text()").get() or "").strip(),
                "title": node.xpath("title/text()").get(""),
                "published": node.xpath("pubDate/text()").get() or node.xpath("date/text()").get(),
                "summary": node.xpath("description/text()").get(""),
            }
        )
    for node in sel.xpath("//entry"):
        link = node.xpath("link[@rel='alternate']/@href").get() or node.xpath("link/@href").get() or ""
        entries.append(
            {
                "link": link.strip(),
                "title": node.xpath("title/text()").get(""),
                "published": node.xpath("published/text()").get() or node.xpath("updated/text()").get(),
                "summary": node.xpath("summary/text()").get() or node.xpath("content/text()").get(""),
            }
        )
    return entries


class RssSpider(BaseMonitorSpider):
    name = "rss"
    kinds = ("rss",)

    async def start(self):
        yield scrapy.Request(self.source.url, callback=self.parse_feed, errback=self.errback)

    def parse_feed(self, response: Response):
        now = datetime.now(UTC)
        if self.binary(response):
            return
        entries = feed_entries(response)
        self.crawler.stats.inc_value("monitor/feed_entries", len(entries))
        if not entries:
            self.crawler.stats.inc_value("monitor/problems/empty_feed")
            logger.warning("feed %s has no entries", response.url)
        for entry in entries:
            if not entry["link"]:
                self.crawler.stats.inc_value("monitor/problems/entry_without_link")
                continue
            published = parse_feed_date(entry["published"], now)
            problem = date_problem(published, now) if published is not None else None
            if problem:  # an impossible feed date must not override the page's own
                self.crawler.stats.inc_value(f"monitor/problems/{problem}")
                published = None
            hints = {
                "title": entry["title"].strip(),
                "published_at": published,
                "summary": scrapy.Selector(text=f"<div>{entry['summary']}</div>")
                .xpath("string()")
                .get("")
                .strip()
                if entry["summary"]
                else "",
            }
            yield response.follow(
                entry["link"], callback=self.parse_article, errback=self.errback, cb_kwargs={"hints": hints}
            )

    def parse_article(self, response: Response, hints: dict):
        summary = hints.pop("summary", "")
        item = self.article_item(response, **hints)
        if item is None:
            return
        if len(item.body) < len(summary):
            item.body = summary
        # the feed's own date is authoritative when the page has none or disagrees by more than a day
        if hints.get("published_at") and (
            item.published_at is None
            or abs((item.published_at - hints["published_at"]).total_seconds()) > 86400
        ):
            item.published_at = hints["published_at"]
        yield item
