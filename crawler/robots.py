"""robots.txt obeyed for every request, including those that arrive while the file is still loading.

Scrapy 2.19's RobotsTxtMiddleware parks concurrent requests for a host on one Deferred and awaits it once per
request through `Deferred.asFuture`, whose callback returns None: the first waiter gets the parser, every
later one gets None and is let through unchecked (a crawl that starts with several requests to one site
fetched a disallowed page; the test in tests/test_crawler_drops.py shows it). Each waiter here gets its own
Deferred, fed by a pass-through callback on the shared one.
"""

from __future__ import annotations

import logging

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


def _feed(result, waiter: Deferred):
    waiter.callback(result)
    return result  # the shared Deferred keeps its result for the next waiter


class _NoNetworkTraceback(logging.Filter):
    """Scrapy logs a robots.txt that cannot be downloaded (a site that is down) as an ERROR with a 60-line
    traceback; the line is enough unless DEBUG (-vv) is on. The page request fails too and is counted."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not logging.getLogger("scrapy").isEnabledFor(logging.DEBUG):
            record.exc_info, record.exc_text = None, None
        return True


_NO_TRACEBACK = _NoNetworkTraceback()


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    def __init__(self, crawler):
        super().__init__(crawler)
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_NO_TRACEBACK)

    async def robot_parser(self, request):
        parser = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(parser, Deferred):
            waiter: Deferred = Deferred()
            parser.addCallback(_feed, waiter)
            return await maybe_deferred_to_future(waiter)
        return await super().robot_parser(request)
