"""Tests for the demo corpus and the local demo sites (yuqing.demo): determinism, counts, and what each site serves."""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urljoin
from urllib.robotparser import RobotFileParser

import pytest

from config.loader import Source, load_sources
from yuqing.demo import DemoSites, build_corpus, write_sources_yaml
from yuqing.demo.corpus import SHANGHAI, SITE_NAMES, SITES, plan_verdict, search_hits, weibo_hits
from yuqing.demo.sites import site_host

NOW = datetime(2026, 11, 22, 14, 30, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def corpus():
    return build_corpus(NOW)


_SERVED: list[DemoSites] = []  # sites whose host names `fetch` routes to their local servers


@pytest.fixture(scope="module")
def sites(corpus):
    with DemoSites(corpus, base_port=None) as s:
        _SERVED.append(s)
        yield s
        _SERVED.remove(s)


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    """GET `url`; a demo host name (*.demo.yuqing.test) goes to the server that serves it, as in the crawl."""
    for s in _SERVED:
        url = s.local_url(url)
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


# ------------------------------------------------------------------------------------------------ corpus
def test_corpus_ids_paths_and_texts_do_not_depend_on_now(corpus):
    later = build_corpus(datetime(2027, 3, 5, 1, 30, tzinfo=SHANGHAI))
    assert [(d.doc_id, d.path, d.title, d.body) for d in corpus.docs] == [
        (d.doc_id, d.path, d.title, d.body) for d in later.docs
    ]
    moved = [
        (a.published_at, b.published_at)
        for a, b in zip(corpus.docs, later.docs, strict=True)
        if a.published_at
    ]
    assert all(a != b for a, b in moved)
    assert len({d.doc_id for d in corpus.docs}) == len(corpus.docs)
    assert len({(d.site, d.path) for d in corpus.docs}) == len(corpus.docs)


def test_corpus_counts_meet_the_demo_floor(corpus):
    stats = corpus.stats()
    assert stats["expected_stored_total"] >= 300
    assert all(n > 0 for n in stats["expected_stored"].values()) and len(stats["expected_stored"]) >= 6
    assert stats["drops"]["no_plan_match"] >= 20 and stats["drops"]["plan_excluded"] >= 5
    broken = {k: v for k, v in stats["drops"].items() if k.startswith("broken_")}
    assert sum(broken.values()) + sum(stats["quirks_stored"].values()) >= 8
    assert {"broken_http_404", "broken_http_500", "broken_garbage", "broken_empty_body"} <= set(broken)
    assert {
        "charset_meta_lie",
        "charset_none",
        "charset_header_wrong",
        "truncated",
        "no_date",
        "huge",
    } <= set(stats["quirks_stored"])
    reachable = [d for d in corpus.docs if d.reachable]
    assert stats["expected_stored_total"] + sum(stats["drops"].values()) == len(reachable)


def test_corpus_verdicts_agree_with_the_plans_and_ignore_site_names(corpus):
    for d in corpus.docs:
        verdict = plan_verdict(d.title, d.body)
        assert d.relevant == (verdict is None)
        if not (d.drop_reason or "").startswith("broken_"):
            assert d.drop_reason == verdict, d.doc_id
            # site chrome (names in <title>, headers) must not change what the plans decide
            assert plan_verdict(f"{d.title}_{SITE_NAMES[d.site]}", d.body) == verdict, d.doc_id
    topics = Counter((d.topic, d.drop_reason) for d in corpus.docs)
    assert all(
        k[1] == "no_plan_match"
        for k in topics
        if k[0] in ("irrelevant", "company_report") and k[1] and not k[1].startswith("broken")
    )
    assert all(k[1] == "plan_excluded" for k in topics if k[0] in ("recruit_ad", "post_ad"))


def test_corpus_texts_are_article_and_post_sized(corpus):
    for d in corpus.docs:
        if d.kind in ("article", "notice") and d.quirk != "truncated":
            assert 300 <= len(d.body) <= 1500, (d.doc_id, len(d.body))
            assert len(d.paragraphs) >= 3
        if d.kind == "post":
            assert 20 <= len(d.body) <= 140, d.body
            assert set(d.engagement) >= {"reposts", "comments", "likes"}


def test_corpus_dates_cover_today_week_and_month(corpus):
    dated = [d for d in corpus.docs if d.published_at]
    assert all(d.published_at.tzinfo is not None and d.published_at <= NOW for d in dated)
    assert all(NOW - d.published_at < timedelta(days=31) for d in dated)
    today = sum(d.published_at.date() == NOW.date() for d in dated)
    week = sum(NOW - d.published_at < timedelta(days=7) for d in dated)
    assert 0.08 * len(dated) <= today <= 0.3 * len(dated)
    assert today < week < len(dated)
    assert sum(1 for d in corpus.docs if d.published_at is None) == 1  # the one page with no date anywhere


def test_reprints_come_later_on_other_sites(corpus):
    stories: dict[str, list] = {}
    for d in corpus.docs:
        if d.story_id:
            stories.setdefault(d.story_id, []).append(d)
    assert len(stories) >= 8
    for docs in stories.values():
        first = [d for d in docs if not d.extra.get("reprint_of")]
        copies = [d for d in docs if d.extra.get("reprint_of")]
        assert len(first) == 1 and 2 <= len(copies) <= 4
        assert all(c.site != first[0].site for c in copies)
        assert all(c.published_at > first[0].published_at for c in copies)
        assert len({c.published_at for c in copies}) == len(copies)


def test_bulk_pages_are_fast_and_leave_the_rest_unchanged(corpus):
    t = time.perf_counter()
    big = build_corpus(NOW, n_bulk=3000)
    assert time.perf_counter() - t < 3
    bulk = [d for d in big.docs if d.extra.get("bulk")]
    assert len(bulk) == 3000 and all(d.site == "province_portal" and d.expected_stored for d in bulk)
    assert [d.doc_id for d in big.docs[: len(corpus.docs)]] == [d.doc_id for d in corpus.docs]


# ------------------------------------------------------------------------------------------------ sites
def test_sources_validate_and_point_at_the_sites(sites, corpus, tmp_path):
    sources = sites.sources()
    assert len(sources) >= 6
    parsed = [Source(**s) for s in sources]
    urls = sites.urls()
    assert set(urls) == set(SITES)
    for src in parsed:
        assert any(src.url.startswith(u + "/") for u in urls.values()), src.url
    by_kind = Counter(s.kind for s in parsed)
    assert {"rss", "list", "official", "search", "weibo"} <= set(by_kind)
    path = tmp_path / "demo_sources.yaml"
    write_sources_yaml(sources, path)
    assert [s.model_dump() for s in load_sources(path)] == [s.model_dump() for s in parsed]


def test_link_allow_matches_articles_and_not_traps(sites, corpus):
    srcs = {s["name"]: s for s in sites.sources()}
    allow = {
        "province_portal": srcs["齐鲁要闻网 要闻（演示）"]["link_allow"],
        "city_gbk_portal": srcs["临沂新闻网 新闻中心（演示）"]["link_allow"],
        "county_news": srcs["百搜新闻 莒南（演示）"]["link_allow"],
    }
    for site, patterns in allow.items():
        for d in corpus.by_site()[site]:
            assert any(re.search(p, sites.urls()[site] + d.path) for p in patterns), d.path
    for trap in ("http://10.0.0.5/x.html", "http://192.168.10.8/oa/login.html"):
        assert not any(re.search(p, trap) for ps in allow.values() for p in ps)


def test_rss_feed_parses_with_40_items(sites, corpus):
    status, headers, body = fetch(sites.urls()["cnaudit_news"] + "/rss.xml")
    assert status == 200 and "xml" in headers["Content-Type"]
    items = ET.fromstring(body).findall("./channel/item")
    assert len(items) >= 40
    base = sites.urls()["cnaudit_news"]
    titles = {d.title for d in corpus.by_site()["cnaudit_news"]}
    for item in items:
        assert item.findtext("link").startswith(base + "/html/")
        assert item.findtext("title") in titles
        assert parsedate_to_datetime(item.findtext("pubDate")) <= NOW
        assert item.findtext("description")
    # one item's article was taken down
    statuses = Counter(fetch(i.findtext("link"))[0] for i in items[:80])
    assert statuses[404] == 1 and statuses[200] == len(items) - 1


def test_gbk_portal_serves_gbk_bytes_and_lies_about_it(sites, corpus):
    base = sites.urls()["city_gbk_portal"]
    docs = {d.quirk: d for d in corpus.by_site()["city_gbk_portal"] if d.kind == "article"}
    status, headers, body = fetch(base + docs[None].path)
    assert status == 200 and b'charset=gb2312"' in body[:400]
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert docs[None].title in body.decode("gbk")
    _, _, lie = fetch(base + docs["charset_meta_lie"].path)
    assert b'<meta charset="utf-8">' in lie[:400] and docs["charset_meta_lie"].title in lie.decode("gbk")
    _, _, none = fetch(base + docs["charset_none"].path)
    assert b"charset" not in none[:600].lower() and docs["charset_none"].title in none.decode("gbk")
    _, wrong_headers, wrong = fetch(base + docs["charset_header_wrong"].path)
    assert "utf-8" in wrong_headers["Content-Type"] and docs["charset_header_wrong"].title in wrong.decode(
        "gbk"
    )
    _, _, nodate = fetch(base + docs["no_date"].path)
    assert not re.search(
        r"(?:19|20)\d\d", nodate.decode("gbk").split("<body>")[1].replace("ICP备20000003", "")
    )


def _follow(start: str, next_re: str, link_re: str, decode: str = "utf-8") -> tuple[list[str], int]:
    url, seen, pages = start, [], 0
    while url and pages < 60:
        status, _, body = fetch(url)
        assert status == 200, url
        text = body.decode(decode)
        pages += 1
        seen += [urljoin(url, h) for h in re.findall(link_re, text)]
        m = re.search(next_re, text)
        url = urljoin(url, m.group(1).replace("&amp;", "&")) if m else None
    return seen, pages


def test_province_list_pages_reach_every_article(sites, corpus):
    base = sites.urls()["province_portal"]
    links, pages = _follow(
        base + "/news/index.html",
        r'<a href="([^"]+)" class="next">下一页</a>',
        r'<a href="([^"]+content_\d+\.html)"',
    )
    src = next(s for s in sites.sources() if s["url"] == base + "/news/index.html")
    assert pages >= 6 and src["max_pages"] >= pages
    expected = {base + d.path for d in corpus.by_site()["province_portal"]}
    assert set(links) - expected == {base + "/admin/news/2026-11/19/content_99002.html"}
    assert expected == set(links) - {base + "/admin/news/2026-11/19/content_99002.html"}


def test_city_list_pages_reach_every_article_in_gbk(sites, corpus):
    base = sites.urls()["city_gbk_portal"]
    links, pages = _follow(
        base + "/xwzx/index.html",
        r'<a href="([^"]+)" class="next">',
        r'<a href="(/(?:xwzx|zwgk)/[^"]+\.html)" title',
        "gbk",
    )
    assert pages >= 4
    assert set(links) == {base + d.path for d in corpus.by_site()["city_gbk_portal"]}


def test_audit_office_home_and_announcements(sites, corpus):
    base = sites.urls()["audit_office"]
    _, _, home = fetch(base + "/index.html")
    text = home.decode("utf-8")
    assert (
        "网站标识码bm56000001" in text
        and "京ICP备05042830号" in text
        and 'alt="党政机关"' in text.replace("'", '"')
    )
    links, pages = _follow(
        base + "/gkml/sjgg/index.html",
        r'<a href="([^"]+)" class="next">',
        r'<a href="(\./\d{6}/t\d+_\d+\.html)"',
    )
    notices = [d for d in corpus.by_site()["audit_office"] if d.column == "sjgg"]
    assert pages >= 2 and {base + d.path for d in notices} == set(links)
    ok = next(d for d in notices if not d.drop_reason)
    _, _, page = fetch(base + ok.path)
    page_text = page.decode("utf-8")
    assert (
        f"发布时间：{ok.published_at:%Y-%m-%d}" in page_text
        and "来源：审计署办公厅" in page_text
        and ok.title in page_text
    )


def test_search_results_paginate_over_matching_county_pages(sites, corpus):
    base, county = sites.urls()["search_engine"], sites.urls()["county_news"]
    for q in ("审计局", "审计 整改"):
        links, pages = _follow(
            f"{base}/s?wd={quote(q)}",
            r'<a class="n" href="([^"]+)">下一页&gt;</a>',
            r'<div class="result"[^>]*><h3><a href="([^"]+)"',
        )
        expected = [county + d.path for d in search_hits(corpus.docs, q)]
        assert links == expected and pages >= 2
    _, _, body = fetch(f"{base}/s?wd={quote('足球')}")
    assert '<div class="result"' not in body.decode("utf-8")
    _, _, page = fetch(f"{base}/s?wd={quote('审计局')}")
    assert re.search(
        r'<p class="c-author">[^<]+&nbsp;&nbsp;(\d{4}年\d+月\d+日 \d\d:\d\d|\d+小时前|\d+分钟前)</p>',
        page.decode("utf-8"),
    )


def test_weibo_api_pages_until_ok_0(sites, corpus):
    base = sites.urls()["weibo_api"]
    src = next(s for s in sites.sources() if s["kind"] == "weibo")
    template = src["url"].replace("{query}", quote("审计"))
    ids, page = [], 1
    while True:
        _, headers, body = fetch(f"{template}&page={page}")
        data = json.loads(body)
        if data["ok"] != 1:
            break
        assert "json" in headers["Content-Type"]
        mblogs = [c["mblog"] for c in data["data"]["cards"] if c["card_type"] == 9]
        assert mblogs and all(
            datetime.strptime(m["created_at"], "%a %b %d %H:%M:%S %z %Y") <= NOW for m in mblogs
        )
        ids += [m["id"] for m in mblogs]
        nxt = data["data"]["cardlistInfo"]["page"]
        assert nxt == (page + 1 if nxt else None)
        page += 1
    assert page - 1 <= src["max_pages"] and len(ids) >= 60
    assert ids == [d.path.rsplit("/", 1)[1] for d in weibo_hits(corpus.docs, "审计")]
    status, _, detail = fetch(f"{base}/detail/{ids[0]}")
    assert status == 200 and "$render_data" in detail.decode("utf-8")


def test_robots_txt_disallows_admin_everywhere(sites):
    for site, base in sites.urls().items():
        rp = RobotFileParser()
        status, _, body = fetch(base + "/robots.txt")
        assert status == 200, site
        rp.parse(body.decode().splitlines())
        assert not rp.can_fetch("ShenjiYuqingSentinel", base + "/admin/news/2026-11/19/content_99002.html")
        assert rp.can_fetch("ShenjiYuqingSentinel", base + "/news/index.html")


def test_broken_pages_fail_the_way_they_should(sites, corpus):
    urls = sites.urls()
    by = {(d.site, d.drop_reason or d.quirk): d for d in corpus.docs if d.drop_reason or d.quirk}
    assert fetch(urls["province_portal"] + by[("province_portal", "broken_http_500")].path)[0] == 500
    assert fetch(urls["city_gbk_portal"] + by[("city_gbk_portal", "broken_http_404")].path)[0] == 404
    assert fetch(urls["county_news"] + by[("county_news", "broken_http_404")].path)[0] == 404
    _, _, truncated = fetch(urls["province_portal"] + by[("province_portal", "truncated")].path)
    assert truncated.endswith(b'<p class="te') and b"</html>" not in truncated
    _, _, huge = fetch(urls["province_portal"] + by[("province_portal", "huge")].path)
    assert 2_000_000 <= len(huge) <= 3_000_000 and huge.rstrip().endswith(b"</html>")
    _, _, garbage = fetch(urls["city_gbk_portal"] + by[("city_gbk_portal", "broken_garbage")].path)
    assert b"<html" not in garbage.lower()
    _, _, empty = fetch(urls["province_portal"] + by[("province_portal", "broken_empty_body")].path)
    assert re.search(rb"<div class='article-body' id='artibody'><p><a [^>]+>[^<]+</a></p></div>", empty)
    assert fetch(urls["cnaudit_news"] + "/no/such/page.html")[0] == 404


def test_requests_are_counted_per_site(sites):
    before = sites.requests()["audit_office"]
    fetch(sites.urls()["audit_office"] + "/robots.txt")
    fetch(sites.urls()["audit_office"] + "/missing.html")
    assert sites.requests()["audit_office"] == before + 2
    assert ("audit_office", "GET", "/missing.html", 404) in sites.request_log()
    assert sites.fetched_traps() == []


def test_taken_base_port_falls_back_to_a_free_one(corpus, caplog):
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    taken = blocker.getsockname()[1]
    try:
        with DemoSites(corpus, base_port=taken) as s:
            first = s.addresses()[SITES[0]]
            assert not first.endswith(f":{taken}")
            assert fetch(first + "/robots.txt")[0] == 200
            assert s.urls()[SITES[0]] == f"http://{site_host(SITES[0])}"  # the URL does not change
        assert "is taken" in caplog.text
    finally:
        blocker.close()


def test_spread_hosts_puts_each_site_on_its_own_loopback_address(corpus):
    with DemoSites(corpus, base_port=None, host_names=False, spread_hosts=True) as s:
        hosts = [u.split("//")[1].split(":")[0] for u in s.urls().values()]
        assert len(set(hosts)) == len(SITES) and all(h.startswith("127.0.0.") for h in hosts)
        assert all(fetch(u + "/robots.txt")[0] == 200 for u in s.urls().values())
