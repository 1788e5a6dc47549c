"""Full crawls through the real engine and pipeline into the store (SQLite and PostgreSQL), against the local
site (tests/mockserver.py) on 127.0.0.1."""

from __future__ import annotations

import pytest
import pytest_twisted
from scrapy import signals
from scrapy.crawler import CrawlerRunner
from sqlalchemy import select

from config.loader import Source, load_plans, load_settings
from crawler.scrapy_settings import scrapy_settings
from crawler.spiders.news_listing import NewsListingSpider
from jobs.crawl import prepare_store
from store.schema import crawl_runs, documents, sources
from tests.conftest import FIXTURES


@pytest.fixture
def site(mockserver):
    return mockserver.serve_directory(FIXTURES / "site").url("")


def _settings(db_url):
    s = load_settings()
    crawl = s.crawl.model_copy(
        update={"download_delay": 0.0, "autothrottle": False, "allow_private_networks": ["127.0.0.0/8"]}
    )
    return s.model_copy(update={"db_url": db_url, "crawl": crawl})


def _source(site: str) -> Source:
    return Source(
        name="示例新闻网", kind="list", url=f"{site}/news/index.html", level="municipal", region="临沂市",
        link_allow=[r"/news/(?!index)[^/]+\.html$"], next_page="a.next", max_pages=5,
    )  # fmt: skip


async def _crawl(settings, source, plans=None):
    """Without `plans` the plan filter reads MONITOR_PLANS_FILE itself (a bare `scrapy crawl`); with them
    it uses MONITOR_PLANS (the crawl job hands over the plans its caller loaded)."""
    cfg = scrapy_settings(settings, plans)
    cfg["LOG_LEVEL"] = "WARNING"
    runner = CrawlerRunner(cfg)
    crawler = runner.create_crawler(NewsListingSpider)
    items = []

    def collect(item):  # named: signals hold weak references
        items.append(item)

    crawler.signals.connect(collect, signal=signals.item_scraped)
    await runner.crawl(crawler, source=source)
    return crawler, items


@pytest_twisted.ensureDeferred
async def test_crawl_stores_relevant_articles_and_counts_drops(site, store, store_url):
    settings = _settings(store_url)
    source = _source(site)
    prepare_store(settings, [source])
    crawler, items = await _crawl(settings, source, load_plans(settings.path(settings.plans_file)))

    assert sorted(i.title for i in items) == sorted(
        ["莒南县审计局开展经济责任审计进点会", "审计署公布2026年第3号审计结果公告 多地挪用扶贫资金"]
    )
    with store.connect() as conn:
        docs = conn.execute(select(documents).order_by(documents.c.title)).mappings().all()
        run = conn.execute(select(crawl_runs)).mappings().one()
        src = conn.execute(select(sources)).mappings().one()
    assert len(docs) == 2
    a2 = next(d for d in docs if "莒南" in d["title"])
    assert a2["plans"] == ["审计署全国", "莒南县审计局"]
    assert "莒南" in a2["terms"] and a2["source"] == "示例新闻网" and a2["level"] == "municipal"
    assert a2["published_at"].isoformat() == "2026-11-19T07:00:00+00:00"  # 15:00 Asia/Shanghai
    assert "版权所有" not in a2["body"] and "审计组将重点关注" in a2["body"]
    assert run["status"] == "finished" and run["stored"] == 2 and run["updated"] == 0
    assert run["dropped"] == {"no_plan_match": 1, "plan_excluded": 1, "blocked_private_address": 1}
    assert run["errors"] >= 1  # the 404 link
    assert any("missing.html" in s for s in run["error_samples"]) or run["stats"].get(
        "downloader/response_status_count/404"
    )
    assert src["last_success_at"] is not None and src["consecutive_failures"] == 0
    # robots.txt was read and /admin/ never fetched
    assert crawler.stats.get_value("robotstxt/request_count") == 1
    assert not any("admin" in s for s in run["error_samples"])


@pytest_twisted.ensureDeferred
async def test_recrawl_refreshes_without_duplicates(site, store, store_url):
    settings = _settings(store_url)
    source = _source(site)
    prepare_store(settings, [source])
    await _crawl(settings, source)
    await _crawl(settings, source)
    with store.connect() as conn:
        n = len(conn.execute(select(documents.c.id)).all())
        runs = conn.execute(select(crawl_runs).order_by(crawl_runs.c.id)).mappings().all()
    assert n == 2
    assert [(r["stored"], r["updated"]) for r in runs] == [(2, 0), (0, 2)]


@pytest.mark.requires_redis
@pytest_twisted.ensureDeferred
async def test_distributed_mode_uses_shared_redis_queue(site, store, store_url):
    import redis

    from tests.conftest import REDIS_URL

    settings = _settings(store_url).model_copy(update={"redis_url": REDIS_URL})
    source = _source(site)
    prepare_store(settings, [source])
    crawler, items = await _crawl(settings, source)
    assert len(items) == 2
    assert crawler.stats.get_value("scheduler/enqueued/redis") >= 5
    assert crawler.stats.get_value("scheduler/dequeued/redis") == crawler.stats.get_value(
        "scheduler/enqueued/redis"
    )
    # the queue and fingerprints were flushed when the crawl ended, so the next crawl starts fresh
    from crawler.scheduler import source_key

    key = source_key(crawler.spider)
    client = redis.Redis.from_url(REDIS_URL)
    try:
        assert not client.exists(f"{key}:requests") and not client.exists(f"{key}:dupefilter")
    finally:
        client.close()
    with store.connect() as conn:
        assert len(conn.execute(select(documents.c.id)).all()) == 2
