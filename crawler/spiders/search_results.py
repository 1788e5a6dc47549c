"""Search-results spider (news search, WeChat article search): fills queries into a URL template, reads the
result blocks, and follows each result to its article page (kind `search`) or keeps the result itself (kind
`wechat`, whose article pages are usually not fetchable)."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from urllib.parse import quote

import scrapy
from scrapy.http import Response

from crawler.extract import parse_datetime
from crawler.items import ArticleItem
from crawler.spiders._base import BaseMonitorSpider

logger = logging.getLogger(__name__)

RESULT_TITLE_CSS = "h3 a, h4 a, .result-title a, .txt-box h3 a"
_MEDIA_DATE = re.compile(r"^\s*(?P<media>[^\d\s][^\s]{1,30})?\s*(?P<date>\d.*|\S*前|昨天.*|前天.*)?$")


def parse_results(response: Response, now: datetime) -> list[dict]:
    """Result blocks on a search page: url, title, media, published_at, snippet."""
    results = []
    for a in response.css(RESULT_TITLE_CSS):
        href = a.attrib.get("href")
        if not href or href.startswith("javascript"):
            continue
        title = " ".join(t.strip() for t in a.css("::text").getall()).strip()
        container = a.xpath("ancestor::*[self::div or self::li][1]")
        meta_text = " ".join(
            container.css(".c-author ::text, .s-p ::text, .news-source ::text").getall()
        ).strip()
        snippet = " ".join(
            container.css(
                ".c-summary ::text, .c-abstract ::text, p.txt-info ::text, .content ::text"
            ).getall()
        ).strip()
        media, published = None, None
        if meta_text:
            published = parse_datetime(meta_text, now)
            m = _MEDIA_DATE.match(meta_text)
            if m and m.group("media"):
                media = m.group("media").strip()
        results.append(
            {
                "url": response.urljoin(href),
                "title": title,
                "media": media,
                "published_at": published,
                "snippet": snippet,
            }
        )
    return results


class SearchResultsSpider(BaseMonitorSpider):
    name = "search_results"
    kinds = ("search", "wechat")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow = [re.compile(p) for p in self.source.link_allow]
        self.deny = [re.compile(p) for p in self.source.link_deny]
        self.pages: dict[str, int] = {}

    async def start(self):
        queries = self.source.queries or [""]
        for q in queries:
            url = self.source.url.replace("{query}", quote(q))
            self.pages[q] = 1
            yield scrapy.Request(url, callback=self.parse, errback=self.errback, cb_kwargs={"query": q})

    def _wanted(self, url: str) -> bool:
        if self.allow and not any(p.search(url) for p in self.allow):
            return False
        return not any(p.search(url) for p in self.deny)

    def parse(self, response: Response, query: str):
        now = datetime.now(UTC)
        if self.binary(response):
            return
        results = parse_results(response, now)
        self.crawler.stats.inc_value("monitor/search_results", len(results))
        for r in results:
            if not self._wanted(r["url"]):
                continue
            if self.source.kind == "wechat":
                yield self.result_item(r, now)
            else:
                yield scrapy.Request(
                    r["url"], callback=self.parse_article, errback=self.errback, cb_kwargs={"result": r}
                )
        if self.pages[query] >= self.source.max_pages:
            return
        css = self.source.next_page or "a.n, a#sogou_next, a.np"
        if "::" not in css:
            css += "::attr(href)"
        candidates = response.css(css).getall()
        if not self.source.next_page:
            candidates = [
                a.attrib.get("href")
                for a in response.css("a")
                if re.search(r"下一页", "".join(a.css("::text").getall()))
            ] or candidates
        for href in candidates[:1]:
            if href:
                self.pages[query] += 1
                yield response.follow(
                    href, callback=self.parse, errback=self.errback, cb_kwargs={"query": query}
                )

    def result_item(self, r: dict, now: datetime) -> ArticleItem:
        return ArticleItem(
            url=r["url"], source=self.source.name, platform=self.source.platform, level=self.source.level,
            region=self.source.region, title=r["title"], body=r["snippet"], media=r["media"],
            published_at=r["published_at"], fetched_at=now,
        )  # fmt: skip

    def parse_article(self, response: Response, result: dict):
        item = self.article_item(
            response, title=result["title"], published_at=result["published_at"], media=result["media"]
        )
        if item is None:
            return
        if len(item.body) < len(result["snippet"]):
            item.body = result["snippet"]
        yield item
