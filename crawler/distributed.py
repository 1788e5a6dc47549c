"""Distributed crawling through scrapy-redis: the keys of a source's shared queue, the start requests that
`yuqing serve` pushes for each crawl round, and the Redis variant of each spider that `yuqing worker` runs.

Keys (per spider *and* source, as crawler.scheduler keys the queue): `<spider>:<hash of source>:start_urls`
(a list of JSON start requests), `…:requests` (the shared request queue) and `…:dupefilter` (request
fingerprints). A round starts when the scheduler pushes a source's start requests, having cleared the
fingerprints of the round before — but only once that round has drained (nothing left in `start_urls`
or `requests`), so a slow round is never overlapped and within a round every URL is fetched once, by
whichever worker pops it.

The Redis variants follow scrapy-redis's RedisSpider pattern (STYLE.md §4): `async def start()` yields
`self.next_requests()`, which pops the pushed JSON and rebuilds each request with its callback and
`cb_kwargs`. The spiders themselves are unchanged: a single-machine crawl runs them as before.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import scrapy
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.spiders import RedisMixin
from scrapy_redis.utils import bytes_to_str

from crawler.scheduler import source_key

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceKeys:
    start: str
    requests: str
    dupefilter: str


def source_keys(spider_name: str, source_name: str) -> SourceKeys:
    """The Redis keys of one source's crawl (the same on every machine)."""
    key = source_key(SimpleNamespace(name=spider_name, source_name=source_name))
    return SourceKeys(start=f"{key}:start_urls", requests=f"{key}:requests", dupefilter=f"{key}:dupefilter")


def request_data(request: scrapy.Request) -> str:
    """A start request as the JSON pushed to Redis: url, method, callback name and cb_kwargs."""
    callback = getattr(request.callback, "__name__", None)
    return json.dumps(
        {"url": request.url, "method": request.method, "callback": callback, "cb_kwargs": request.cb_kwargs},
        ensure_ascii=False,
    )


def start_requests(spider: scrapy.Spider) -> list[scrapy.Request]:
    """The requests the spider's own `start()` yields (it needs no crawler for that). Our spiders' `start()`
    awaits nothing, so it is drained without an event loop (one may already run in this thread); one that
    does await is run on a loop of its own in a helper thread."""
    agen, out = spider.start(), []
    while True:
        step = agen.__anext__()
        try:
            step.send(None)
        except StopIteration as done:
            out.append(done.value)
            continue
        except StopAsyncIteration:
            return out
        step.close()
        break

    async def collect() -> list[scrapy.Request]:
        return [r async for r in spider.start()]

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, collect()).result()


def round_pending(client, keys: SourceKeys) -> bool:
    """True while a round of this source still has start requests or queued requests in Redis."""
    return bool(client.exists(keys.start, keys.requests))


def push_round(client, spider_cls: type, source) -> int:
    """Start a new crawl round of `source`: clear the last round's fingerprints and push its start requests.

    Returns how many start requests were pushed, or 0 when the last round has not drained yet (skipped)."""
    keys = source_keys(spider_cls.name, source.name)
    if round_pending(client, keys):
        return 0
    data = [request_data(r) for r in start_requests(spider_cls(source=source))]
    if not data:
        return 0
    with client.pipeline(transaction=True) as pipe:
        pipe.delete(keys.dupefilter)
        pipe.rpush(keys.start, *data)
        pipe.execute()
    return len(data)


class RedisSourceMixin(RedisMixin):
    """Makes a monitoring spider read its start requests from its source's Redis key (scrapy-redis).

    The spider closes after `MAX_IDLE_TIME_BEFORE_CLOSE` seconds without a response or anything to pop
    (0: never), so each worker records one crawl run per round it took part in."""

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.redis_key = source_keys(spider.name, spider.source_name).start
        spider._quiet_since = None
        spider._pages_seen = -1
        spider.setup_redis(crawler)
        return spider

    async def start(self):
        for request in self.next_requests():
            yield request

    def make_request_from_data(self, data):
        try:
            d = json.loads(bytes_to_str(data, self.redis_encoding))
            callback = getattr(self, d["callback"]) if d.get("callback") else self.parse
            url, cb_kwargs = str(d["url"]), dict(d.get("cb_kwargs") or {})
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self.crawler.stats.inc_value("monitor/dropped/bad_start_request")
            logger.warning("bad start request in %s: %r (%s)", self.redis_key, data[:200], exc)
            return []
        self._restore_start_state(url, cb_kwargs)
        return scrapy.Request(
            url, method=d.get("method") or "GET", callback=callback, errback=self.errback,
            cb_kwargs=cb_kwargs, dont_filter=True,
        )  # fmt: skip

    def _restore_start_state(self, url: str, cb_kwargs: dict) -> None:
        """What the spiders' own `start()` records besides yielding requests: the list pages seen (news
        listing: bounds pagination) and the result pages per query (search results)."""
        seen = getattr(self, "list_pages_seen", None)
        if isinstance(seen, set):
            seen.add(url)
        pages = getattr(self, "pages", None)
        if isinstance(pages, dict) and "query" in cb_kwargs:
            pages.setdefault(cb_kwargs["query"], 1)

    def spider_idle(self):
        if self.server is not None and self.count_size(self.redis_key) > 0:
            self._quiet_since = None
        self.schedule_next_requests()
        now = time.monotonic()
        pages = self.crawler.stats.get_value("response_received_count", 0)
        if self._quiet_since is None or pages != self._pages_seen:
            self._quiet_since, self._pages_seen = now, pages
        if self.max_idle_time and now - self._quiet_since >= self.max_idle_time:
            return  # idle long enough: let the spider close and its run be recorded
        raise DontCloseSpider


def redis_spider_class(spider_cls: type) -> type:
    """The Redis variant of a monitoring spider class (same name, same callbacks)."""
    return type(f"Redis{spider_cls.__name__}", (RedisSourceMixin, spider_cls), {"__module__": __name__})
