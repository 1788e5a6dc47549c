"""Generic news-site spider: list pages (with pagination) → article pages, driven by a configured source."""

from __future__ import annotations

import logging
import re

import scrapy
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor

from crawler.spiders._base import BaseMonitorSpider

logger = logging.getLogger(__name__)


class NewsListingSpider(BaseMonitorSpider):
    """List page → article pages. `link_allow` regexes pick article links, `next_page` (CSS) or `list_allow`
    regexes pick further list pages, `max_pages` bounds pagination and `depth` bounds list-to-list hops."""

    name = "news_listing"
    kinds = ("list", "official")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.article_links = LinkExtractor(
            allow=self.source.link_allow or (), deny=self.source.link_deny or (), unique=True
        )
        self.list_links = (
            LinkExtractor(allow=self.source.list_allow, deny=self.source.link_deny or (), unique=True)
            if self.source.list_allow
            else None
        )
        self.list_pages_seen: set[str] = set()

    async def start(self):
        for request in self.start_list_requests():
            yield request

    def start_list_requests(self):
        self.list_pages_seen.add(self.source.url)
        yield scrapy.Request(
            self.source.url, callback=self.parse, errback=self.errback, cb_kwargs={"depth": 0}
        )

    def parse(self, response: Response, depth: int = 0):
        if not hasattr(response, "text"):
            self.crawler.stats.inc_value("monitor/problems/non_text_list_page")
            return
        if self.binary(response):
            return
        self.crawler.stats.inc_value("monitor/list_pages")
        for link in self.article_links.extract_links(response):
            if link.url in self.list_pages_seen:
                continue
            yield scrapy.Request(link.url, callback=self.parse_article, errback=self.errback)
        if len(self.list_pages_seen) >= self.source.max_pages or depth >= self.max_depth:
            return
        for url in self.next_list_urls(response):
            if url in self.list_pages_seen or len(self.list_pages_seen) >= self.source.max_pages:
                continue
            self.list_pages_seen.add(url)
            yield scrapy.Request(
                url, callback=self.parse, errback=self.errback, cb_kwargs={"depth": depth + 1}
            )

    def next_list_urls(self, response: Response) -> list[str]:
        urls: list[str] = []
        if self.source.next_page:
            css = self.source.next_page
            if "::" not in css:
                css += "::attr(href)"
            urls += [response.urljoin(u) for u in response.css(css).getall()]
        else:
            # a "下一页" / "next" link is the usual pagination on Chinese news sites
            for a in response.css("a"):
                text = "".join(a.css("::text").getall()).strip()
                if re.fullmatch(r"(下一页|下页|next|Next|›|>|»)\s*[>›»]?", text):
                    href = a.attrib.get("href")
                    if href and not href.startswith("javascript"):
                        urls.append(response.urljoin(href))
        if self.list_links is not None:
            urls += [link.url for link in self.list_links.extract_links(response)]
        return list(dict.fromkeys(u for u in urls if u.startswith(("http://", "https://"))))

    def parse_article(self, response: Response):
        if not hasattr(response, "text"):
            self.crawler.stats.inc_value("monitor/dropped/not_html")
            return
        item = self.article_item(response)
        if item is not None:
            yield item
