"""scrapy-redis scheduler keyed by spider *and* source, so concurrent crawls of one spider class never share
a queue, while N processes crawling the same source do (that is the point of the shared queue)."""

from __future__ import annotations

import hashlib

from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler


def source_key(spider) -> str:
    """`<spider name>:<short hash of the source name>`: stable across processes and machines."""
    source = getattr(spider, "source_name", None) or ""
    digest = hashlib.sha1(source.encode("utf-8")).hexdigest()[:12]
    return f"{spider.name}:{digest}" if source else spider.name


class SourceScheduler(Scheduler):
    def open(self, spider):
        key = source_key(spider)
        self.queue_key = self.queue_key.replace("%(spider)s", key)
        if not self.df:
            settings = spider.crawler.settings
            pattern = settings.get("SCHEDULER_DUPEFILTER_KEY", "%(spider)s:dupefilter")
            self.df = RFPDupeFilter(
                self.server, key=pattern % {"spider": key}, debug=settings.getbool("DUPEFILTER_DEBUG")
            )
        return super().open(spider)
