"""crawler.distributed: start requests pushed as JSON and rebuilt by the Redis variant of each spider (same
callbacks, cb_kwargs and per-spider state), and a round pushed only once the last one has drained."""

from __future__ import annotations

import json
import uuid

import pytest
from scrapy.utils.test import get_crawler

from config.loader import Source
from crawler.distributed import push_round, redis_spider_class, request_data, source_keys, start_requests
from crawler.spiders.news_listing import NewsListingSpider
from crawler.spiders.search_results import SearchResultsSpider
from crawler.spiders.social_posts import SocialPostsSpider
from tests.conftest import REDIS_URL


def _src(kind: str, url: str, **kw) -> Source:
    return Source(name=f"src-{uuid.uuid4().hex[:6]}", kind=kind, url=url, level="county", **kw)


def _redis_spider(cls, source):
    crawler = get_crawler(redis_spider_class(cls), {"REDIS_URL": REDIS_URL})
    return crawler._create_spider(source=source)


@pytest.mark.parametrize(
    ("cls", "source", "callback", "cb_kwargs"),
    [
        (NewsListingSpider, _src("list", "http://news.test/list.html"), "parse", {"depth": 0}),
        (SearchResultsSpider, _src("search", "http://s.test/?q={query}", queries=["审计 整改"]), "parse",
         {"query": "审计 整改"}),
        (SocialPostsSpider, _src("weibo", "http://w.test/api?q={query}", queries=["审计"]), "parse",
         {"base": "http://w.test/api?q=%E5%AE%A1%E8%AE%A1", "page": 1}),
    ],
)  # fmt: skip
def test_pushed_start_request_is_rebuilt_with_its_callback_and_kwargs(cls, source, callback, cb_kwargs):
    original = start_requests(cls(source=source))[0]
    data = request_data(original)
    assert json.loads(data)["callback"] == callback
    spider = _redis_spider(cls, source)
    rebuilt = spider.make_request_from_data(data.encode("utf-8"))
    assert rebuilt.url == original.url and rebuilt.cb_kwargs == cb_kwargs == original.cb_kwargs
    assert rebuilt.callback == getattr(spider, callback) and rebuilt.errback == spider.errback
    assert rebuilt.dont_filter  # a round's start pages are fetched even if an old fingerprint survived
    assert spider.name == cls.name and spider.redis_key == source_keys(cls.name, source.name).start


def test_rebuilt_start_request_restores_the_state_start_would_have_set():
    source = _src("search", "http://s.test/?q={query}", queries=["审计"])
    search = _redis_spider(SearchResultsSpider, source)
    search.make_request_from_data(
        request_data(start_requests(SearchResultsSpider(source=source))[0]).encode()
    )
    assert search.pages == {"审计": 1}  # parse counts result pages per query from here
    listing_src = _src("list", "http://news.test/list.html")
    listing = _redis_spider(NewsListingSpider, listing_src)
    listing.make_request_from_data(
        request_data(start_requests(NewsListingSpider(source=listing_src))[0]).encode()
    )
    assert listing.list_pages_seen == {"http://news.test/list.html"}


def test_bad_start_data_is_counted_not_fatal():
    spider = _redis_spider(NewsListingSpider, _src("list", "http://news.test/"))
    assert spider.make_request_from_data(b"{not json") == []
    assert spider.make_request_from_data(b'{"url": "http://x.test/", "callback": "no_such_method"}') == []
    assert spider.crawler.stats.get_value("monitor/dropped/bad_start_request") == 2


@pytest.mark.requires_redis
def test_round_is_pushed_once_until_it_drains():
    import redis

    source = _src("list", "http://news.test/list.html")
    keys = source_keys("news_listing", source.name)
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.sadd(keys.dupefilter, "old-fingerprint")
        assert push_round(client, NewsListingSpider, source) == 1
        assert not client.exists(keys.dupefilter)  # the last round's fingerprints are gone
        assert json.loads(client.lindex(keys.start, 0))["url"] == "http://news.test/list.html"
        assert push_round(client, NewsListingSpider, source) == 0  # still queued: skipped
        client.delete(keys.start)
        client.zadd(keys.requests, {"queued-request": 0})
        assert push_round(client, NewsListingSpider, source) == 0  # workers still busy with it
        client.delete(keys.requests)
        assert push_round(client, NewsListingSpider, source) == 1
    finally:
        client.delete(keys.start, keys.requests, keys.dupefilter)
        client.close()
