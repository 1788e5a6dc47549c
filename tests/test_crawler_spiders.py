"""Spider callbacks on saved pages: RSS/Atom entries, Weibo JSON posts, search results, list pagination."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from config.loader import ConfigError, Source
from crawler.spiders.news_listing import NewsListingSpider
from crawler.spiders.rss import RssSpider, feed_entries, parse_feed_date
from crawler.spiders.search_results import SearchResultsSpider, parse_results
from crawler.spiders.social_posts import SocialPostsSpider, posts_from_payload
from tests.conftest import FIXTURES

PAGES = FIXTURES / "spiders"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def load(name, url, cls=HtmlResponse, **cb_kwargs):
    return cls(
        url=url, body=(PAGES / name).read_bytes(), encoding="utf-8", request=Request(url, cb_kwargs=cb_kwargs)
    )


def src(**kw):
    base = {"name": "测试源", "kind": "rss", "url": "http://news.example.cn/rss.xml", "level": "central"}
    base.update(kw)
    return Source(**base)


def test_rss_entries_and_dates():
    entries = feed_entries(load("feed.xml", "http://news.example.cn/rss.xml", XmlResponse))
    assert [e["link"] for e in entries] == [
        "http://news.example.cn/2026/11/20/a1.html",
        "",
        "http://news.example.cn/2026/11/21/a2.html",
    ]
    assert parse_feed_date(entries[0]["published"], NOW).isoformat() == "2026-11-20T10:20:00+08:00"
    assert parse_feed_date(entries[2]["published"], NOW).astimezone(UTC).hour == 8


def test_atom_entries():
    entries = feed_entries(load("atom.xml", "http://gov.example.cn/atom.xml", XmlResponse))
    assert entries == [{"link": "http://gov.example.cn/n/1.html", "title": "省审计厅召开审计整改推进会",
                        "published": "2026-11-19T09:00:00+08:00", "summary": "推进会部署审计整改工作。"}]  # fmt: skip


def test_rss_spider_follows_entries_with_hints_and_counts_missing_links():
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(RssSpider, settings_dict={})
    spider = RssSpider.from_crawler(crawler, source=src())
    crawler.stats.open_spider()
    reqs = list(spider.parse_feed(load("feed.xml", "http://news.example.cn/rss.xml", XmlResponse)))
    assert [r.url for r in reqs] == [
        "http://news.example.cn/2026/11/20/a1.html",
        "http://news.example.cn/2026/11/21/a2.html",
    ]
    assert reqs[0].cb_kwargs["hints"]["title"] == "审计署：前三季度审计发现问题金额1200亿元"
    assert reqs[0].cb_kwargs["hints"]["summary"] == "审计署今日召开新闻发布会。"
    assert crawler.stats.get_value("monitor/problems/entry_without_link") == 1


def test_weibo_payload_posts_engagement_and_next_page():
    payload = json.loads((PAGES / "weibo.json").read_text(encoding="utf-8"))
    posts, next_page = posts_from_payload(payload, "https://m.weibo.cn", NOW)
    assert next_page == 2
    assert [p["post_id"] for p in posts] == ["4990001", "4990002"]
    p = posts[0]
    assert p["url"] == "https://m.weibo.cn/detail/4990001"
    assert p["text"] == "审计局这次通报的问题@某县发布到底整改了没有？#审计整改#"
    assert (p["reposts"], p["comments"], p["likes"]) == (12, 3, 12000)
    assert p["published_at"].isoformat() == "2026-11-21T10:20:00+08:00"
    assert posts_from_payload({"ok": 0}, "https://m.weibo.cn", NOW) == ([], None)


def test_weibo_spider_yields_posts_then_next_page():
    from scrapy.utils.test import get_crawler

    source = src(kind="weibo", platform="weibo", level="self-media", queries=["审计"], max_pages=3,
                 url="https://m.weibo.cn/api/container/getIndex?containerid=100103type%3D1%26q%3D{query}")  # fmt: skip
    crawler = get_crawler(SocialPostsSpider)
    spider = SocialPostsSpider.from_crawler(crawler, source=source)
    base = source.url.replace("{query}", "%E5%AE%A1%E8%AE%A1")
    resp = load("weibo.json", base + "&page=1", TextResponse)
    out = list(spider.parse(resp, base=base, page=1))
    posts, reqs = out[:-1], out[-1:]
    assert [p.platform for p in posts] == ["weibo", "weibo"] and posts[0].likes == 12000
    assert reqs[0].url.endswith("&page=2") and reqs[0].cb_kwargs["page"] == 2


def test_search_results_parsed():
    results = parse_results(load("search.html", "http://search.example.cn/s?wd=审计局"), NOW)
    assert [r["url"] for r in results] == [
        "http://county.example.cn/news/1.html",
        "http://other.example.cn/x.html",
    ]
    assert results[0]["media"] == "莒南融媒" and results[0]["published_at"].day == 20
    assert results[0]["snippet"].startswith("近日，莒南县审计局")


def test_search_spider_filters_by_link_allow_and_paginates():
    from scrapy.utils.test import get_crawler

    source = src(kind="search", url="http://search.example.cn/s?wd={query}", queries=["审计局"],
                 link_allow=[r"county\.example\.cn/news/"], max_pages=2, level="self-media")  # fmt: skip
    crawler = get_crawler(SearchResultsSpider)
    spider = SearchResultsSpider.from_crawler(crawler, source=source)
    crawler.stats.open_spider()
    spider.pages["审计局"] = 1
    out = list(spider.parse(load("search.html", "http://search.example.cn/s?wd=审计局"), query="审计局"))
    assert [r.url for r in out] == [
        "http://county.example.cn/news/1.html",
        "http://search.example.cn/s?wd=%E5%AE%A1%E8%AE%A1%E5%B1%80&pn=10",
    ]
    assert out[0].cb_kwargs["result"]["title"] == "莒南县审计局：扎实推进审计整改"
    # max_pages reached: no further page
    out2 = list(
        spider.parse(load("search.html", "http://search.example.cn/s?wd=审计局&pn=10"), query="审计局")
    )
    assert [r.url for r in out2] == ["http://county.example.cn/news/1.html"]


def test_listing_spider_extracts_articles_and_next_page():
    from scrapy.utils.test import get_crawler

    source = src(
        kind="list",
        url="http://127.0.0.1/news/index.html",
        link_allow=[r"/news/a\d\.html$"],
        next_page="a.next",
    )
    crawler = get_crawler(NewsListingSpider)
    spider = NewsListingSpider.from_crawler(crawler, source=source)
    crawler.stats.open_spider()
    body = (FIXTURES / "site" / "news" / "index.html").read_bytes()
    resp = HtmlResponse(url=source.url, body=body, encoding="utf-8", request=Request(source.url))
    out = list(spider.parse(resp, depth=0))
    assert [r.url for r in out] == [
        "http://127.0.0.1/news/a1.html",
        "http://127.0.0.1/news/a3.html",
        "http://127.0.0.1/news/index_2.html",
    ]


def test_hot_list_shapes_weibo_baidu_and_plain():
    from crawler.spiders.hot_list import hot_entries

    weibo = {"ok": 1, "data": {"realtime": [{"word": "审计署公告", "num": 1200000, "realpos": 1, "note": "审计署公告"},
                                            {"word": "", "num": 5}]}}  # fmt: skip
    rows = hot_entries(weibo, "https://weibo.com")
    assert rows == [{"rank": 1, "title": "审计署公告", "hot": 1200000, "note": "审计署公告",
                     "url": "https://s.weibo.com/weibo?q=%23%E5%AE%A1%E8%AE%A1%E7%BD%B2%E5%85%AC%E5%91%8A%23"}]  # fmt: skip
    baidu = {"data": {"cards": [{"content": [{"word": "审计整改", "hotScore": "4,880,000", "index": 0, "desc": "说明",
                                              "url": "https://www.baidu.com/s?wd=x"}]}]}}  # fmt: skip
    assert hot_entries(baidu, "https://top.baidu.com")[0] == {
        "rank": 1, "title": "审计整改", "hot": 4880000, "note": "说明", "url": "https://www.baidu.com/s?wd=x"
    }  # fmt: skip
    plain = [{"title": "审计局回应", "url": "http://x.cn/1", "hot": 7}, {"title": "无链接"}]
    assert [r["title"] for r in hot_entries(plain, "http://x.cn")] == ["审计局回应"]
    assert hot_entries({"ok": 0}, "http://x.cn") == []


def test_hot_list_spider_yields_entries_as_documents_with_hotness():
    from scrapy.utils.test import get_crawler

    from crawler.spiders.hot_list import HotListSpider

    source = src(kind="hotlist", platform="hotlist", url="http://127.0.0.1:9/ajax/side/hotSearch")
    crawler = get_crawler(HotListSpider)
    spider = HotListSpider.from_crawler(crawler, source=source)
    crawler.stats.open_spider()
    body = json.dumps(
        {
            "ok": 1,
            "data": {"realtime": [{"word": "莒南工地坍塌 审计曾指出违法分包", "num": 2400000, "realpos": 2}]},
        }
    )
    resp = TextResponse(url=source.url, body=body.encode(), encoding="utf-8", request=Request(source.url))
    (item,) = list(spider.parse(resp))
    assert (
        item.platform == "hotlist"
        and item.reads == 2400000
        and item.title == "莒南工地坍塌 审计曾指出违法分包"
    )
    assert (
        item.url
        == "http://127.0.0.1:9/weibo?q=%23%E8%8E%92%E5%8D%97%E5%B7%A5%E5%9C%B0%E5%9D%8D%E5%A1%8C%20%E5%AE%A1%E8%AE%A1%E6%9B%BE%E6%8C%87%E5%87%BA%E8%BF%9D%E6%B3%95%E5%88%86%E5%8C%85%23"
    )
    assert item.media == "热榜第2位" and item.body == item.title and item.published_at is not None
    assert (
        list(
            spider.parse(
                TextResponse(url=source.url, body=b"<html>", encoding="utf-8", request=Request(source.url))
            )
        )
        == []
    )
    assert crawler.stats.get_value("monitor/problems/bad_json") == 1


def test_a_source_named_on_the_command_line_is_read_from_the_sources_file():
    """`scrapy crawl rss -a source=NAME`: the spider finds the source through crawler.settings."""
    assert RssSpider(source="人民网 时政 RSS").source.url == "http://www.people.com.cn/rss/politics.xml"
    with pytest.raises(ConfigError, match="no source named '没有这个信源'"):
        RssSpider(source="没有这个信源")
