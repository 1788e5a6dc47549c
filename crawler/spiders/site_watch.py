"""Own-site integrity spider (网站安全): fetch each watched page of the office's own site as a browser, as
Baiduspider and with a Baidu referer (cloaking), then a limited number of its same-site links (broken
links), and yield one SnapshotItem per page. The SnapshotPipeline stores the baseline on the first check
and findings on every later one (analysis.sitewatch.integrity).

robots.txt is not consulted: these are the office's own pages, and what Baiduspider is served is the point.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response

from analysis.sitewatch.evidence import host_of, parse_html
from config.loader import Source
from config.sitewatch import SiteWatchConfig, WatchedPage
from crawler.sitewatch_pipelines import SnapshotItem
from crawler.spiders._base import BaseMonitorSpider
from crawler.spiders.impersonation import BROWSER_UA, SITEWATCH_DOWNLOADER_MIDDLEWARES, describe_failure

logger = logging.getLogger(__name__)

WATCH_SOURCE_NAME = "网站安全监测"
SPIDER_UA = "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"
BAIDU_REFERER = "https://www.baidu.com/s?wd=%E5%AE%A1%E8%AE%A1%E7%BD%B2"
VARIANTS = (  # (name, extra headers)
    ("browser", {"User-Agent": BROWSER_UA}),
    ("spider", {"User-Agent": SPIDER_UA}),
    ("referer", {"User-Agent": BROWSER_UA, "Referer": BAIDU_REFERER}),
)


@dataclass
class _Watch:
    page: WatchedPage
    item: SnapshotItem
    links: list[str] = field(default_factory=list)


class SiteWatchSpider(BaseMonitorSpider):
    name = "site_watch"
    kinds = ("site_check",)
    custom_settings = {
        "ITEM_PIPELINES": {"crawler.sitewatch_pipelines.SnapshotPipeline": 900},
        "DOWNLOADER_MIDDLEWARES": SITEWATCH_DOWNLOADER_MIDDLEWARES,
        "HTTPERROR_ALLOW_ALL": True,
        "ROBOTSTXT_OBEY": False,
        "COOKIES_ENABLED": False,
    }
    sitewatch: SiteWatchConfig | None = None  # set by the job; None only under a bare `scrapy crawl`
    pages: tuple[WatchedPage, ...] = ()  # empty: the config's watch list
    after_close: Any = None  # optional callable(spider) run when the spider closes (the demo tampers here)

    @classmethod
    def configured(cls, *, host_map: dict[str, str] | None = None, **attrs: Any) -> type[SiteWatchSpider]:
        """A subclass with class attributes set (sitewatch, pages, after_close) and an optional test/demo host map."""
        custom = dict(cls.custom_settings)
        if host_map:
            custom["MONITOR_HOST_MAP"] = dict(host_map)
        attrs = {k: tuple(v) if isinstance(v, list) else v for k, v in attrs.items()}
        if attrs.get("after_close") is not None:
            attrs["after_close"] = staticmethod(attrs["after_close"])
        return type(cls.__name__, (cls,), {**attrs, "custom_settings": custom})

    @staticmethod
    def default_source(cfg: SiteWatchConfig) -> Source:
        """The source row this spider runs under (for crawl_runs and 信源健康)."""
        url = cfg.watch[0].url if cfg.watch else cfg.official.homepage
        return Source(name=WATCH_SOURCE_NAME, kind="site_check", url=url, level="official", platform="official",
                      cadence="1h")  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.cfg: SiteWatchConfig = self.sitewatch
        if self.cfg is None:  # a bare `scrapy crawl site_watch`
            from crawler.settings import standalone_sitewatch

            self.cfg = standalone_sitewatch()
        self.watched = list(self.pages or self.cfg.watch)

    def _meta(self) -> dict:
        return {"download_maxsize": self.cfg.check.max_page_bytes, "download_timeout": self.cfg.check.timeout}

    async def start(self):
        if not self.watched:
            logger.warning("no pages to watch: add them under `watch:` in config/official_sites.yaml")
        for page in self.watched:
            item = SnapshotItem(
                url=page.url, fetched_at=datetime.now(UTC), site=page.site,
                columns=[c.model_dump() for c in page.columns], regions=dict(page.regions),
                allowed_script_hosts=list(page.allowed_script_hosts),
            )  # fmt: skip
            yield self._variant(_Watch(page=page, item=item), 0)

    def _variant(self, watch: _Watch, i: int) -> scrapy.Request:
        name, headers = VARIANTS[i]
        return scrapy.Request(
            watch.page.url, callback=self.parse_variant, errback=self.variant_failed, headers=dict(headers),
            cb_kwargs={"watch": watch, "i": i}, meta=self._meta(), dont_filter=True,
        )  # fmt: skip

    def parse_variant(self, response: Response, watch: _Watch, i: int):
        html, _ = self.decode(response)
        item = watch.item
        if i == 0:
            item.final_url, item.status, item.html = response.url, response.status, html
            if response.status >= 400:
                item.error = f"HTTP {response.status}"
                yield from self._done(watch)
                return
            watch.links = self._links(html, response.url, watch.page)
        elif i == 1:
            item.html_spider = html
        else:
            item.html_referer = html
        yield from self._next(watch, i)

    def variant_failed(self, failure):
        self.errback(failure)
        watch: _Watch = failure.request.cb_kwargs["watch"]
        i = failure.request.cb_kwargs["i"]
        if i == 0:
            watch.item.error = describe_failure(failure)
            yield from self._done(watch)
            return
        yield from self._next(watch, i)

    def _next(self, watch: _Watch, i: int):
        if i + 1 < len(VARIANTS):
            yield self._variant(watch, i + 1)
        else:
            yield from self._next_link(watch)

    def _links(self, html: str, base: str, page: WatchedPage) -> list[str]:
        root = parse_html(html)
        if root is None or page.max_links <= 0:
            return []
        try:
            anchors = root.cssselect(page.links_selector)
        except Exception:  # noqa: BLE001 - cssselect raises several types for a bad selector
            logger.warning("bad links_selector %r for %s", page.links_selector, page.url)
            return []
        host = host_of(base)
        out: list[str] = []
        for a in anchors:
            href = (a.get("href") or "").strip()
            if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
                continue
            url = urljoin(base, href).split("#")[0]
            if urlsplit(url).scheme in ("http", "https") and host_of(url) == host and url not in out:
                out.append(url)
            if len(out) >= page.max_links:
                break
        return out

    def _next_link(self, watch: _Watch):
        if not watch.links:
            yield from self._done(watch)
            return
        url = watch.links.pop(0)
        yield scrapy.Request(
            url, callback=self.parse_link, errback=self.link_failed, headers={"User-Agent": BROWSER_UA},
            cb_kwargs={"watch": watch, "link": url}, meta=self._meta(), dont_filter=True,
        )  # fmt: skip

    def parse_link(self, response: Response, watch: _Watch, link: str):
        watch.item.link_statuses[link] = response.status
        yield from self._next_link(watch)

    def link_failed(self, failure):
        self.crawler.stats.inc_value("monitor/integrity/link_errors")
        kw = failure.request.cb_kwargs
        kw["watch"].item.link_statuses[kw["link"]] = None
        yield from self._next_link(kw["watch"])

    def _done(self, watch: _Watch):
        watch.item.fetched_at = datetime.now(UTC)
        yield watch.item

    def closed(self, reason: str) -> None:
        if self.after_close is not None:
            self.after_close(self)
