"""The demo's sites under stable host names (issue 11, finding 7): what is stored does not depend on the ports
the servers got, so a demo run on other ports stores nothing twice; only the demo's own crawl maps the names
to 127.0.0.1, and a real crawl has no such map."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import pytest_twisted
from scrapy.crawler import CrawlerRunner
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from config.loader import Source, load_plans, load_settings
from crawler.hostmap import HostMapMiddleware
from crawler.scrapy_settings import scrapy_settings
from crawler.spiders.rss import RssSpider
from crawler.spiders.social_posts import SocialPostsSpider
from jobs.crawl import prepare_store
from store.db import open_store
from store.schema import documents
from yuqing.demo import DemoSites, build_corpus
from yuqing.demo.sites import DEMO_DOMAIN
from yuqing.demo.sitewatch import SiteWatchDemo


@pytest.fixture(scope="module")
def corpus():
    return build_corpus(datetime.now(UTC))


def _settings(db_url: str):
    s = load_settings()
    crawl = s.crawl.model_copy(
        update={"download_delay": 0.0, "autothrottle": False, "allow_private_networks": ["127.0.0.0/8"]}
    )
    return s.model_copy(update={"db_url": db_url, "crawl": crawl})


def test_urls_and_sources_do_not_depend_on_the_ports(corpus):
    with DemoSites(corpus, base_port=None) as a, DemoSites(corpus, base_port=None) as b:
        assert a.addresses() != b.addresses()  # other ports ...
        assert a.urls() == b.urls() and a.sources() == b.sources()  # ... same URLs and sources
        assert all(u.startswith("http://") and u.endswith("." + DEMO_DOMAIN) for u in a.urls().values())
        assert not any("127.0.0.1" in str(src) for src in a.sources())
        assert set(a.host_map().values()) == {x.removeprefix("http://") for x in a.addresses().values()}


def test_a_real_crawl_has_no_host_map():
    """The mapping exists only where the demo hands it to its own crawl: the settings a real crawl gets leave
    the host-map middleware off, so demo names (and any other) go through the guarded DNS resolver."""
    settings = scrapy_settings(load_settings())
    assert "MONITOR_HOST_MAP" not in settings
    with pytest.raises(NotConfigured):
        build_from_crawler(HostMapMiddleware, get_crawler(settings_dict=settings))


async def _crawl(settings, sites: DemoSites, name: str, spider) -> None:
    source = Source(**next(s for s in sites.sources() if s["name"] == name))
    prepare_store(settings, [source])
    cfg = scrapy_settings(settings, load_plans(settings.path(settings.plans_file)))
    cfg.update({"LOG_LEVEL": "ERROR", "MONITOR_HOST_MAP": sites.host_map()})
    runner = CrawlerRunner(cfg)
    crawler = runner.create_crawler(spider)
    await runner.crawl(crawler, source=source)
    return crawler.stats


@pytest.mark.slow
@pytest_twisted.ensureDeferred
async def test_a_second_demo_crawl_on_other_ports_stores_no_new_document(corpus, tmp_path):
    settings = _settings(f"sqlite:///{tmp_path}/demo.db")
    rss, weibo = "审计时报网 RSS（演示）", "微博搜索 审计（演示）"
    with DemoSites(corpus, base_port=None) as first:
        s1 = await _crawl(settings, first, rss, RssSpider)
        w1 = await _crawl(settings, first, weibo, SocialPostsSpider)
        ports = first.addresses()
    with DemoSites(corpus, base_port=None) as second:
        assert second.addresses() != ports
        s2 = await _crawl(settings, second, rss, RssSpider)
        w2 = await _crawl(settings, second, weibo, SocialPostsSpider)
    assert s1.get_value("monitor/stored") >= 30 and w1.get_value("monitor/stored") >= 10
    assert s2.get_value("monitor/stored", 0) == 0 and w2.get_value("monitor/stored", 0) == 0
    assert s2.get_value("monitor/updated") == s1.get_value("monitor/stored")
    engine = open_store(settings.resolved_db_url, upgrade=False)
    try:
        with engine.connect() as conn:
            urls = [r.url for r in conn.execute(select(documents.c.url))]
    finally:
        engine.dispose()
    assert len(urls) == s1.get_value("monitor/stored") + w1.get_value("monitor/stored")
    assert all(f".{DEMO_DOMAIN}/" in u for u in urls) and not any("127.0.0.1" in u for u in urls)


def test_the_demo_own_site_stays_on_the_demo():
    """The 网站安全 page links to the watched page: in the demo that is a demo host, not www.audit.gov.cn."""
    with SiteWatchDemo() as demo:
        cfg = demo.config()
        assert cfg.official.homepage == f"http://www.audit.{DEMO_DOMAIN}/"
        assert all(DEMO_DOMAIN in w.url for w in cfg.watch)
        assert "www.audit.gov.cn" not in demo.host_map
        status, _, body, _ = demo.respond(f"www.audit.{DEMO_DOMAIN}", "/", "Mozilla/5.0", "")
        assert status == 200 and "审计署" in body.decode("utf-8")
