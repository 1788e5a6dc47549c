"""Base class of the monitoring spiders: one configured source per spider run, shared extraction helpers."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response

from config.loader import Source
from crawler.extract import decode_html_detailed, extract_article
from crawler.extract.content import binary_kind
from crawler.items import ArticleItem

logger = logging.getLogger(__name__)


def ignored_reason(message: str) -> str | None:
    """The stats key counting a request Scrapy ignored, by its message; None when whoever ignored it counted it
    already (the private-address guard, the offsite filter's own offsite/filtered stat)."""
    if message.startswith("PrivateAddressGuard") or "offsite" in message.lower():
        return None
    if "robots.txt" in message:
        return "monitor/blocked/robots_txt"
    if "max redirections" in message:
        return "monitor/dropped/redirect_limit"
    if "max size" in message or "larger than" in message or "DOWNLOAD_MAXSIZE" in message:
        return "monitor/dropped/too_large"  # HttpCompressionMiddleware's decompression-bomb cancel
    return "monitor/dropped/ignored"


class BaseMonitorSpider(scrapy.Spider):
    """A spider bound to one configured source (`source=` a Source, a dict, or the name of a configured one).

    The crawl job passes the Source it loaded; a name (`scrapy crawl NAME -a source=...`) is looked up in the
    sources file through `crawler.settings`, the bare `scrapy crawl` entry point."""

    kinds: tuple[str, ...] = ()

    def __init__(self, source: Source | dict | str | None = None, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if source is None:
            raise ValueError(f"spider {self.name} needs a source (-a source=<name from sources.yaml>)")
        self.source = self._resolve_source(source)
        self.source_name = self.source.name

    @staticmethod
    def _resolve_source(source: Source | dict | str) -> Source:
        if isinstance(source, Source):
            return source
        if isinstance(source, dict):
            return Source(**source)
        from crawler.settings import standalone_source

        return standalone_source(source)

    @property
    def max_depth(self) -> int:
        if self.source.depth is not None:
            return self.source.depth
        return self.crawler.settings.getint("MONITOR_DEFAULT_DEPTH", 10)

    def errback(self, failure):
        """Count and sample download errors; the crawl goes on. Requests refused by robots.txt or by the
        private-address guard are counted as blocked, not as errors."""
        from scrapy.exceptions import IgnoreRequest
        from scrapy.spidermiddlewares.httperror import HttpError

        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        stats = self.crawler.stats
        message = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        if failure.check(HttpError):
            status = failure.value.response.status
            stats.inc_value(f"monitor/errors/http/{status}")
            message = f"HTTP {status}"
        elif failure.check(IgnoreRequest):
            reason = ignored_reason(failure.getErrorMessage())
            if reason:
                stats.inc_value(reason)
                logger.info(
                    "request ignored (%s): %s: %s", reason.rsplit("/", 1)[1], url, failure.getErrorMessage()
                )
            return
        elif "download max size" in message.lower():
            stats.inc_value(
                "monitor/dropped/too_large"
            )  # the downloader cancelled a body over DOWNLOAD_MAXSIZE
            return
        else:
            stats.inc_value(f"monitor/errors/download/{failure.type.__name__}")
        recorder = self._recorder()
        if recorder is not None:
            recorder.note_error(f"{url}: {message}")
        logger.info("download failed for %s: %s", url, message)

    def _recorder(self):
        from crawler.extensions import CrawlRunRecorder

        ext = self.crawler.extensions.middlewares if self.crawler.extensions else ()
        return next((e for e in ext if isinstance(e, CrawlRunRecorder)), None)

    def binary(self, response: Response) -> bool:
        """True (counted as dropped `binary_content`) when the body is an image, archive, program ... whatever
        the Content-Type says (crawler.extract.content): nothing is read out of it."""
        kind = binary_kind(response.body)
        if kind:
            self.crawler.stats.inc_value("monitor/dropped/binary_content")
            logger.info("dropped %s: binary content (%s) served as %s", response.url[:300], kind,
                        response.headers.get("Content-Type", b"?").decode("latin-1")[:60])  # fmt: skip
        return kind is not None

    def decode(self, response: Response) -> tuple[str, str]:
        """Decode by content whatever the headers claim; count which rule decided (stats monitor/encoding/*)."""
        declared = self.source.encoding or getattr(response, "encoding", None)
        text, encoding, path = decode_html_detailed(response.body, declared)
        self.crawler.stats.inc_value(f"monitor/encoding/{path}")
        return text, encoding

    def article_item(self, response: Response, **hints: Any) -> ArticleItem | None:
        """Extract an article from an HTML response; hints (title, published_at, ...) fill what is missing.
        A binary body (crawler.extract.content: JPEG, PDF, zip ... whatever the Content-Type says) is dropped
        and counted as `binary_content`."""
        now = datetime.now(UTC)
        if self.binary(response):
            return None
        html, encoding = self.decode(response)
        if not html.strip():
            self.crawler.stats.inc_value("monitor/dropped/empty_page")
            return None
        data = extract_article(html, response.url, now=now)
        for key, value in hints.items():
            if value and not data.get(key):
                data[key] = value
        return ArticleItem(
            url=response.url,
            source=self.source.name,
            platform=self.source.platform,
            level=self.source.level,
            region=self.source.region,
            title=data.get("title") or "",
            body=data.get("body") or "",
            author=data.get("author"),
            media=data.get("media"),
            published_at=data.get("published_at"),
            fetched_at=now,
            encoding=encoding,
            # missing date/title/body are counted by the pipeline (as a problem or a drop reason)
            problems=[p for p in data.get("problems") or () if p not in ("no_date", "no_title", "no_body")],
        )
