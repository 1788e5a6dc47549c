"""The candidate check spider through the real Scrapy engine against local servers: fixture sites scored
against the official profile, redirects (HTTP and meta refresh) recorded, linked pages read, the
private-address guard and the size limit enforced and recorded; plus the test/demo host map."""

from __future__ import annotations

import json

import pytest
import pytest_twisted
from scrapy.crawler import CrawlerRunner
from scrapy.exceptions import NotConfigured
from scrapy.http import Request
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from bench.impersonation import SITES, FixtureWeb
from config.impersonation import load_impersonation_config
from config.loader import load_settings
from config.sitewatch import load_sitewatch_config
from crawler.hostmap import HostMapMiddleware, lookup
from crawler.scrapy_settings import scrapy_settings
from crawler.spiders.impersonation import ImpersonationSpider
from jobs.crawl import prepare_store
from store.schema import crawl_runs, documents
from store.sitewatch import list_candidates
from tests.mockserver import Response

ABOUT_CLAIM = "本中心经审计署授权，负责全国审计人员资格认证培训，证书全国通用。"
SPECIAL = {
    "/meta": '<html><head><meta http-equiv="refresh" content="0;url=http://www.audit-gov.cn/"></head><body></body></html>',
    "/home": '<html><head><title>审计资格认证中心</title></head><body><h1>审计资格认证中心</h1>'
             '<a href="/about.html">关于我们</a> <a href="/news.html">新闻</a></body></html>',
    "/about.html": f"<html><head><title>关于我们-中国审计资格认证中心</title></head><body><h1>中国审计资格认证中心</h1>"
                   f"<p>{ABOUT_CLAIM}</p><p>报名费 800 元。</p></body></html>",
}  # fmt: skip


def _special(server):
    """Special cases by host: meta refresh, a page that only claims on its 关于我们 page, a huge page,
    and redirects into a private network and to a loopback address outside the allowed range."""

    def quiet(request):
        page = SPECIAL.get("/home" if request.path == "/" else request.path)
        return Response(200, page) if page else None  # None: not found

    server.route("*", body=SPECIAL["/meta"], host="meta.fake-audit.cn")
    server.route("*", quiet, host="quiet.fake-audit.cn")
    server.route(
        "*", body=b"<html><body>" + "审计".encode() * 100_000 + b"</body></html>", host="big.fake-audit.cn"
    )
    server.redirect("*", "http://10.1.2.3/admin", host="jump10.fake-audit.cn")
    server.redirect("*", f"http://127.0.0.2:{server.port}/", host="jump127.fake-audit.cn")


@pytest.fixture
def web(mockserver):
    manifest = json.loads((SITES / "manifest.json").read_text(encoding="utf-8"))
    redirects = {s["host"]: s["redirect"] for s in manifest["sites"] if s.get("redirect")}
    _special(mockserver)
    with FixtureWeb(SITES, redirects) as fixture:
        host_map = {h: f"127.0.0.1:{fixture.port}" for h in fixture.hosts}
        host_map["*.fake-audit.cn"] = mockserver.address
        yield host_map


def _settings(db_url):
    s = load_settings()
    crawl = s.crawl.model_copy(update={"download_delay": 0.0, "autothrottle": False,
                                        "allow_private_networks": ["127.0.0.1/32"], "concurrent_requests_per_domain": 4})  # fmt: skip
    return s.model_copy(update={"db_url": db_url, "crawl": crawl})


def _sitewatch(max_bytes: int = 100_000):
    cfg = load_sitewatch_config()
    return cfg.model_copy(update={
        "official": cfg.official.model_copy(update={"homepage": "http://www.audit.gov.cn/"}),
        "check": cfg.check.model_copy(update={"max_page_bytes": max_bytes, "timeout": 5}),
    })  # fmt: skip


async def _check(store, host_map, urls):
    settings = _settings(store.url.render_as_string(hide_password=False))
    sw = _sitewatch()
    source = ImpersonationSpider.default_source(sw)
    prepare_store(settings, [source])
    cfg = scrapy_settings(settings)
    cfg["LOG_LEVEL"] = "WARNING"
    runner = CrawlerRunner(cfg)
    crawler = runner.create_crawler(
        ImpersonationSpider.configured(
            sitewatch=sw, impersonation=load_impersonation_config(), urls=urls, host_map=host_map
        )
    )
    await runner.crawl(crawler, source=source)
    with store.connect() as conn:
        rows = {r["host"]: r for r in list_candidates(conn)}
        runs = conn.execute(select(crawl_runs)).mappings().all()
        n_docs = len(conn.execute(select(documents.c.id)).all())
    return crawler, rows, runs, n_docs


@pytest_twisted.ensureDeferred
async def test_check_spider_scores_fixture_sites_against_the_official_profile(web, sqlite_store):
    hosts = ["www.audit-gov.cn", "www.shenjishu-px.com", "www.ciia.com.cn", "www.jsnsxh.org.cn", "shenjishu.com",
             "cnao.com.cn"]  # fmt: skip
    crawler, rows, runs, n_docs = await _check(sqlite_store, web, [f"http://{h}/" for h in hosts])
    assert set(rows) == set(hosts)
    clone = rows["www.audit-gov.cn"]
    codes = {s["code"] for s in clone["signals"]}
    # copied look is only recognisable because the official homepage (and its favicon) was fetched first
    assert clone["tier"] == "act" and {"favicon_copied", "text_similarity", "site_code_copied"} <= codes
    assert clone["evidence"]["official_profile"] == "http://www.audit.gov.cn/"
    assert clone["evidence"]["favicon_sha256"] and clone["evidence"]["site_codes"]
    claimant = rows["www.shenjishu-px.com"]
    assert claimant["tier"] == "act" and any(s["code"] == "authorisation_claim" and "审计" in s["evidence"]
                                             for s in claimant["signals"])  # fmt: skip
    for legit in ("www.ciia.com.cn", "www.jsnsxh.org.cn", "shenjishu.com", "cnao.com.cn"):
        assert rows[legit]["tier"] == "none", legit
    red = rows["cnao.com.cn"]
    assert red["final_url"] == "http://www.audit.gov.cn/"
    assert red["evidence"]["redirects"] == [
        {"from": "http://cnao.com.cn/", "to": "http://www.audit.gov.cn/", "reason": "301"}
    ]
    assert [s["code"] for s in rows["shenjishu.com"]["signals"]] == ["parked"]
    assert [(r["spider"], r["status"], r["items"]) for r in runs] == [("impersonation", "finished", 6)]
    assert n_docs == 0  # the news pipelines are not involved
    assert crawler.settings.getdict("ITEM_PIPELINES") == {
        "crawler.sitewatch_pipelines.SiteCheckStoragePipeline": 900
    }


@pytest_twisted.ensureDeferred
async def test_meta_refresh_and_linked_pages_are_followed(web, sqlite_store):
    _, rows, _, _ = await _check(
        sqlite_store, web, ["http://meta.fake-audit.cn/", "http://quiet.fake-audit.cn/"]
    )
    meta = rows["meta.fake-audit.cn"]
    assert meta["final_url"] == "http://www.audit-gov.cn/" and meta["tier"] == "act"
    assert meta["evidence"]["redirects"] == [
        {"from": "http://meta.fake-audit.cn/", "to": "http://www.audit-gov.cn/", "reason": "meta refresh"}
    ]
    quiet = rows["quiet.fake-audit.cn"]  # the homepage says nothing; its 关于我们 page claims authorisation
    pages = {p["url"]: p for p in quiet["evidence"]["pages"]}
    assert list(pages) == ["http://quiet.fake-audit.cn/", "http://quiet.fake-audit.cn/about.html"]
    assert (
        pages["http://quiet.fake-audit.cn/"]["score"]
        < 50
        <= pages["http://quiet.fake-audit.cn/about.html"]["score"]
    )
    assert quiet["evidence"]["verdict_page"] == "http://quiet.fake-audit.cn/about.html"
    assert (
        quiet["tier"] in ("act", "review")
        and quiet["score"] == pages["http://quiet.fake-audit.cn/about.html"]["score"]
    )
    assert any(ABOUT_CLAIM[:10] in s["evidence"] for s in quiet["signals"])
    assert quiet["title"] == "审计资格认证中心"  # the homepage's title is kept


@pytest_twisted.ensureDeferred
async def test_private_address_redirects_are_refused_and_recorded(web, sqlite_store):
    crawler, rows, runs, _ = await _check(
        sqlite_store, web, ["http://jump10.fake-audit.cn/", "http://jump127.fake-audit.cn/"]
    )
    ten = rows["jump10.fake-audit.cn"]
    assert ten["check_error"].startswith("已拦截") and "10.1.2.3" in ten["check_error"]
    assert ten["score"] is None and ten["final_url"] == "http://10.1.2.3/admin"
    assert ten["evidence"]["attempted"] == ["http://jump10.fake-audit.cn/", "http://10.1.2.3/admin"]
    loop = rows["jump127.fake-audit.cn"]  # loopback outside the allowed 127.0.0.1/32
    assert loop["check_error"].startswith("已拦截") and "127.0.0.2" in loop["check_error"]
    assert crawler.stats.get_value("monitor/sitecheck/blocked") == 2
    assert crawler.stats.get_value("monitor/blocked/private_address") >= 2
    assert runs[0]["dropped"].get("blocked_private_address", 0) >= 2


@pytest_twisted.ensureDeferred
async def test_oversized_pages_are_abandoned(web, sqlite_store):
    crawler, rows, _, _ = await _check(sqlite_store, web, ["http://big.fake-audit.cn/"])
    big = rows["big.fake-audit.cn"]
    assert "超过大小上限" in big["check_error"] and big["score"] is None


def test_host_map_is_off_unless_configured_and_drops_the_proxy_off_map():
    with pytest.raises(NotConfigured):
        HostMapMiddleware.from_crawler(get_crawler(settings_dict={}))
    mw = HostMapMiddleware.from_crawler(
        get_crawler(settings_dict={"MONITOR_HOST_MAP": {"*.fake.cn": "127.0.0.1:9"}})
    )
    assert (
        lookup("a.b.fake.cn", mw.mapping) == "127.0.0.1:9" and lookup("fake.cn.evil.com", mw.mapping) is None
    )
    req = Request("http://www.fake.cn/")
    mw.process_request(req)
    assert req.meta["proxy"] == "http://127.0.0.1:9"
    moved = req.replace(url="http://elsewhere.cn/")  # e.g. a redirect off the mapped hosts
    mw.process_request(moved)
    assert "proxy" not in moved.meta
    https = Request("https://www.fake.cn/")
    mw.process_request(https)
    assert "proxy" not in https.meta  # only plain http is served locally


def test_bare_scrapy_crawl_loads_both_configs_through_crawler_settings():
    sw = load_sitewatch_config()
    spider = ImpersonationSpider(source=ImpersonationSpider.default_source(sw).model_dump())
    assert spider.cfg == sw and spider.icfg == load_impersonation_config()
    handed = ImpersonationSpider.configured(sitewatch=_sitewatch(), impersonation=load_impersonation_config())
    assert handed(source=ImpersonationSpider.default_source(sw)).cfg == _sitewatch()
