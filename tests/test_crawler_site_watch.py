"""The own-site integrity spider through the real Scrapy engine: baseline on the first check, then tampering,
cloaking (different HTML for Baiduspider and for Baidu visitors), broken links, stale columns and an
unreachable page found, stored with evidence and time, resolved when fixed, and re-baselined after a
redesign; plus the demo's site-watch plan run batch by batch."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import pytest_twisted
from scrapy.crawler import CrawlerRunner

from config.loader import load_settings
from config.sitewatch import Column, WatchedPage, load_sitewatch_config
from crawler.scrapy_settings import scrapy_settings
from crawler.spiders.site_watch import SiteWatchSpider
from jobs.crawl import prepare_store
from jobs.sitewatch import rebaseline
from store.sitewatch import get_snapshot, list_findings
from store.users import console_user
from tests.mockserver import Response

HOST = "www.audit.gov.cn"
HIDDEN = (
    '<div style="display:none"><a href="http://www.pj-casino88.com/">澳门葡京娱乐城 百家乐 真人博彩</a></div>'
)
FOREIGN_JS = '<script src="http://cdn.evil-tongji.cc/c.js"></script>'


def page(today: date, *, header: str = "中华人民共和国审计署", title: str = "审计署门户网站", extra: str = "",
         days_old: int = 1, links: int = 2, broken: int = 0) -> str:  # fmt: skip
    d = [(today - timedelta(days=days_old + i)).isoformat() for i in range(3)]
    news = "".join(
        f'<li><a href="/n{i}.html">审计署召开第{i}次党组会议</a><span>{d[i]}</span></li>' for i in range(3)
    )
    ok = "".join(f'<a href="/a{i}.html">文章{i}</a> ' for i in range(links))
    bad = "".join(f'<a href="/missing{i}.html">失效{i}</a> ' for i in range(broken))
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>
<script src="https://hm.baidu.com/hm.js?x"></script></head><body>
<div id="header" class="header"><a class="logo" href="/">{header}</a></div>
<div id="nav" class="nav"><ul><li><a href="/">首页</a></li><li><a href="/n1/">机构概况</a></li></ul></div>
<div class="main"><ul id="yaowen">{news}</ul>{ok}{bad}</div>
{extra}
<div id="footer" class="footer">主办单位：中华人民共和国审计署 网站标识码：bm56000001 京ICP备05001234号</div>
</body></html>"""


class Site:
    """The office's site: its mode decides what browsers, Baiduspider and Baidu visitors get."""

    def __init__(self):
        self.mode = "normal"
        self.agents: list[str] = []
        self.today = datetime.now(UTC).date()

    def html(self, path: str, ua: str, referer: str) -> tuple[int, str]:
        t = self.today
        if path in ("/a0.html", "/a1.html", "/n0.html", "/n1.html", "/n2.html", "/n1/"):
            return 200, "<html><body>文章</body></html>"
        if path == "/broken.html":
            return 200, page(t, links=1, broken=6)
        if path == "/stale.html":
            return 200, page(t, days_old=40)
        if path != "/":
            return 404, "<html><body>404</body></html>"
        if self.mode == "tampered":
            return 200, page(t, extra=HIDDEN + FOREIGN_JS)
        if self.mode == "redesign":
            return 200, page(t, header="审计署 · 新版门户", title="审计署门户网站（新版）")
        if self.mode == "cloak" and "baiduspider" in ua.lower():
            return 200, page(
                t,
                title="澳门威尼斯人官网-真人博彩",
                extra="<p>百家乐 六合彩 投注 开户送彩金 真人博彩 威尼斯人</p>" * 3,
            )
        if self.mode == "cloak" and "baidu.com" in referer:
            return 200, page(
                t, extra='<script>window.location.href="http://www.wnsr-8888.com/?from=baidu";</script>'
            )
        return 200, page(t)


@pytest.fixture
def site(mockserver):
    state = Site()

    def answer(request):
        state.agents.append(request.header("User-Agent"))
        status, body = state.html(request.path, request.header("User-Agent"), request.header("Referer"))
        return Response(status, body)

    mockserver.route("*", answer)
    state.host_map = {HOST: mockserver.address}
    return state


def _settings(db_url):
    s = load_settings()
    crawl = s.crawl.model_copy(update={"download_delay": 0.0, "autothrottle": False,
                                        "allow_private_networks": ["127.0.0.0/8"], "concurrent_requests_per_domain": 4})  # fmt: skip
    return s.model_copy(update={"db_url": db_url, "crawl": crawl})


def watched(path: str = "/", **kw) -> WatchedPage:
    return WatchedPage(url=f"http://{HOST}{path}", site="审计署门户网站",
                       columns=[Column(name="审计要闻", selector="#yaowen li", max_days=14)],
                       links_selector=".main a", max_links=10, allowed_script_hosts=["hm.baidu.com"], **kw)  # fmt: skip


async def _watch(store, site, pages):
    settings = _settings(store.url.render_as_string(hide_password=False))
    sw = load_sitewatch_config()
    source = SiteWatchSpider.default_source(sw)
    prepare_store(settings, [source])
    cfg = scrapy_settings(settings)
    cfg["LOG_LEVEL"] = "WARNING"
    runner = CrawlerRunner(cfg)
    crawler = runner.create_crawler(
        SiteWatchSpider.configured(sitewatch=sw, pages=pages, host_map=site.host_map)
    )
    await runner.crawl(crawler, source=source)
    with store.connect() as conn:
        snaps = {p.url: get_snapshot(conn, p.url) for p in pages}
        open_f = list_findings(conn)
        all_f = list_findings(conn, open_only=False)
    return crawler, snaps, open_f, all_f


@pytest_twisted.ensureDeferred
async def test_cloaking_is_found_by_fetching_as_browser_baiduspider_and_baidu_visitor(site, sqlite_store):
    site.mode = "cloak"
    crawler, snaps, open_f, _ = await _watch(sqlite_store, site, [watched()])
    assert any("Baiduspider" in ua for ua in site.agents) and any("Chrome" in ua for ua in site.agents)
    snap = snaps[f"http://{HOST}/"]
    assert snap["baseline"] is not None and snap["latest"]["baseline_created"] is True
    assert snap["status"] == "findings" and snap["latest"]["variants"] == ["browser", "spider", "referer"]
    by_kind = {f["kind"]: f for f in open_f}
    assert set(by_kind) == {"cloaking", "cloaking_referer"}
    assert (
        "澳门威尼斯人" in by_kind["cloaking"]["evidence"]["title_variant"]
        and by_kind["cloaking"]["severity"] == "high"
    )
    assert by_kind["cloaking_referer"]["evidence"]["redirects"] == ["http://www.wnsr-8888.com/?from=baidu"]
    assert crawler.settings.getdict("ITEM_PIPELINES") == {"crawler.sitewatch_pipelines.SnapshotPipeline": 900}


@pytest.mark.slow
@pytest_twisted.ensureDeferred
async def test_baseline_then_tamper_then_fix_then_rebaseline(site, sqlite_store):
    url = f"http://{HOST}/"
    _, snaps, open_f, _ = await _watch(sqlite_store, site, [watched()])
    assert snaps[url]["status"] == "ok" and open_f == [] and snaps[url]["latest"]["links_checked"] == 5

    site.mode = "tampered"
    before = datetime.now(UTC)
    _, snaps, open_f, _ = await _watch(sqlite_store, site, [watched()])
    kinds = {f["kind"] for f in open_f}
    assert {"hidden_link", "bad_words", "external_script"} <= kinds and "defacement" not in kinds
    assert snaps[url]["status"] == "findings" and snaps[url]["latest"]["baseline_created"] is False
    hidden = next(f for f in open_f if f["kind"] == "hidden_link")
    assert (
        hidden["evidence"]["links"][0]["href"] == "http://www.pj-casino88.com/"
        and hidden["found_at"] >= before
    )
    script = next(f for f in open_f if f["kind"] == "external_script")
    assert "cdn.evil-tongji.cc" in str(script["evidence"])

    site.mode = "normal"  # the site is repaired: the findings are resolved, not deleted
    _, snaps, open_f, all_f = await _watch(sqlite_store, site, [watched()])
    assert open_f == [] and snaps[url]["status"] == "ok"
    assert {f["kind"] for f in all_f if f["resolved_at"]} >= {"hidden_link", "bad_words", "external_script"}

    site.mode = "redesign"  # a legitimate redesign is a defacement until the baseline is renewed
    _, _, open_f, _ = await _watch(sqlite_store, site, [watched()])
    assert {f["kind"] for f in open_f} == {"defacement"}
    assert rebaseline(sqlite_store, [url], by=console_user("管理员"), now=datetime.now(UTC)) == 1
    _, snaps, open_f, _ = await _watch(sqlite_store, site, [watched()])
    assert snaps[url]["latest"]["baseline_created"] is True and open_f == []


@pytest_twisted.ensureDeferred
async def test_broken_links_stale_columns_and_unreachable_pages(site, sqlite_store):
    pages = [watched("/broken.html"), watched("/stale.html"), watched("/gone.html")]
    _, snaps, open_f, _ = await _watch(sqlite_store, site, pages)
    by_url = {}
    for f in open_f:
        by_url.setdefault(f["url"], {})[f["kind"]] = f
    broken = by_url[f"http://{HOST}/broken.html"]["broken_links"]
    assert (
        broken["severity"] == "high" and broken["evidence"]["checked"] == 10
    )  # 3 news + 1 article + 6 missing
    assert sorted(link["href"] for link in broken["evidence"]["links"]) == [
        f"http://{HOST}/missing{i}.html" for i in range(6)
    ]
    stale = by_url[f"http://{HOST}/stale.html"]["stale_column"]
    assert stale["evidence"]["column"] == "审计要闻" and stale["evidence"]["age_days"] == 40
    gone = by_url[f"http://{HOST}/gone.html"]
    assert set(gone) == {"unreachable"} and "HTTP 404" in gone["unreachable"]["summary"]
    assert (
        snaps[f"http://{HOST}/gone.html"]["status"] == "error"
        and snaps[f"http://{HOST}/gone.html"]["baseline"] is None
    )
    assert set(by_url[f"http://{HOST}/broken.html"]) == {"broken_links"}  # fresh column, baseline just taken


@pytest.mark.slow
@pytest_twisted.ensureDeferred
async def test_demo_plan_finds_impersonators_and_the_tampered_homepage(tmp_path):
    from yuqing.demo.sitewatch import SiteWatchDemo, demo_sitewatch_settings

    settings = demo_sitewatch_settings(_settings(f"sqlite:///{tmp_path}/w.db"))
    with SiteWatchDemo() as demo:
        plan = demo.prepare(settings)
        assert plan.found["lookalikes"] == 3 and demo.dns.queries > 100  # look-alikes via the stub DNS only
        prepare_store(settings, [s for b in plan.batches for s in b])
        cfg = scrapy_settings(settings)
        cfg["LOG_LEVEL"] = "WARNING"
        runner = CrawlerRunner(cfg)
        for batch in plan.batches:  # what run_crawl does with these batches, one after another
            for src in batch:
                await runner.crawl(plan.spider_overrides[src.name], source=src)
        summary = demo.summary(settings)
    assert {"audit-gov.cn", "audit-gov.com.cn", "www.audit-gov.cn", "www.shenjishu-px.com"} <= set(
        summary["act"]
    )
    assert {"www.ciia.com.cn", "www.jsnsxh.org.cn", "cnao.com.cn", "shenjishu.com"} <= set(
        summary["not_flagged"]
    )
    assert summary["errors"]["www.cnao-login.cn"].startswith("已拦截")
    assert summary["tampered"] and summary["baselines"] == 1
    assert {"hidden_link", "bad_words", "external_script", "cloaking", "cloaking_referer"} <= set(
        summary["finding_kinds"]
    )
    assert "stale_column" not in summary["finding_kinds"]  # the demo shifts the fixture dates to today
