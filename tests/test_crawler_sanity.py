"""What crawled input cannot be true is dropped where it stands (issue 11, findings 4 and 5): an impossible
publication time costs the date field, from every source kind; a binary body served as a web page costs
the page, counted by reason, and never becomes a document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import pytest_twisted
from scrapy.http import HtmlResponse, Request, TextResponse, XmlResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from config.loader import Source
from crawler.extract.content import binary_kind
from crawler.extract.dates import SHANGHAI, date_problem
from crawler.items import ArticleItem, PostItem
from crawler.pipelines import NormalizePipeline
from crawler.spiders.news_listing import NewsListingSpider
from crawler.spiders.rss import RssSpider
from crawler.spiders.social_posts import SocialPostsSpider
from tests.test_crawler_pipelines_edges import api, crawl_settings, crawl_weibo, post, weibo_payload

__all__ = ["api"]  # the fixture, shared with the pipeline edge tests

NOW = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)
BODY = "审计署公布审计结果：某县挪用扶贫资金问题已整改，" * 3
FUTURE = datetime(2099, 1, 1, 8, 0, tzinfo=SHANGHAI)
EPOCH = datetime(1970, 1, 1, 8, 0, tzinfo=SHANGHAI)


# --------------------------------------------------------------------------------------- dates (finding 4)
@pytest.mark.parametrize(
    ("dt", "problem"),
    [
        (FUTURE, "date_future"),
        (EPOCH, "date_too_old"),
        (datetime(1994, 12, 31, tzinfo=SHANGHAI), "date_too_old"),
        (NOW + timedelta(days=2), "date_future"),
        (NOW + timedelta(hours=20), None),  # clock skew and date-only times ahead of UTC are tolerated
        (datetime(1995, 1, 1, tzinfo=SHANGHAI), None),
        (NOW - timedelta(days=3000), None),
    ],
)
def test_date_problem_is_one_rule(dt, problem):
    assert date_problem(dt, NOW) == problem


def _item(kind: str, published_at):
    if kind == "weibo":
        return PostItem(url="https://m.weibo.example.cn/detail/1", source="微博", body=BODY, post_id="1",
                        published_at=published_at, fetched_at=NOW)  # fmt: skip
    return ArticleItem(url=f"https://{kind}.example.cn/a/1.html", source=kind, title="审计结果公告",
                       body=BODY, platform={"hotlist": "hotlist"}.get(kind, "news"),
                       published_at=published_at, fetched_at=NOW)  # fmt: skip


@pytest.mark.parametrize("kind", ["rss", "weibo", "hotlist", "search", "html"])
@pytest.mark.parametrize(("published_at", "problem"), [(FUTURE, "date_future"), (EPOCH, "date_too_old")])
def test_impossible_date_loses_the_field_not_the_item_for_every_source_kind(kind, published_at, problem):
    crawler = get_crawler()
    item = build_from_crawler(NormalizePipeline, crawler).process_item(_item(kind, published_at))
    assert item.published_at is None  # stored dated by first_seen_at
    assert crawler.stats.get_value(f"monitor/problems/{problem}") == 1
    assert crawler.stats.get_value("monitor/problems/no_date") == 1


def test_plausible_date_is_kept():
    crawler = get_crawler()
    when = NOW - timedelta(hours=3)
    item = build_from_crawler(NormalizePipeline, crawler).process_item(_item("weibo", when))
    assert item.published_at == when
    assert not any(k.startswith("monitor/problems/date_") for k in crawler.stats.get_stats())


FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
<item><title>审计结果公告一</title><link>https://news.example.cn/a/1.html</link>
<pubDate>Thu, 01 Jan 2099 00:00:00 +0800</pubDate></item>
<item><title>审计结果公告二</title><link>https://news.example.cn/a/2.html</link>
<pubDate>Thu, 01 Jan 1970 00:00:00 +0000</pubDate></item>
<item><title>审计结果公告三</title><link>https://news.example.cn/a/3.html</link>
<pubDate>{recent}</pubDate></item>
</channel></rss>"""
PAGE = ("<html><head><title>审计结果公告一</title></head><body><h1>审计结果公告一</h1>"
        "<p>发布时间：{date}</p><div class='content'><p>{body}</p><p>{body}</p></div></body></html>")  # fmt: skip


def _rss_spider():
    crawler = get_crawler(RssSpider)
    spider = RssSpider.from_crawler(
        crawler, source=Source(name="RSS", kind="rss", url="https://news.example.cn/rss", level="central")
    )
    return spider, crawler


def test_rss_feed_dates_that_cannot_be_true_are_dropped_and_counted():
    spider, crawler = _rss_spider()
    recent = (datetime.now(UTC) - timedelta(hours=2)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    feed = XmlResponse(url="https://news.example.cn/rss", body=FEED.format(recent=recent).encode(),
                       request=Request("https://news.example.cn/rss"))  # fmt: skip
    hints = [r.cb_kwargs["hints"]["published_at"] for r in spider.parse_feed(feed)]
    assert hints[0] is None and hints[1] is None and hints[2] is not None
    assert crawler.stats.get_value("monitor/problems/date_future") == 1
    assert crawler.stats.get_value("monitor/problems/date_too_old") == 1


def test_rss_page_keeps_its_own_date_when_the_feed_date_was_impossible():
    spider, _ = _rss_spider()
    url = "https://news.example.cn/a/1.html"
    html = PAGE.format(date="2026-11-20 09:30", body=BODY)
    page = HtmlResponse(url=url, body=html.encode(), encoding="utf-8", request=Request(url))
    (item,) = spider.parse_article(page, {"title": "审计结果公告一", "published_at": None, "summary": ""})
    assert item.published_at is not None and item.published_at.year == 2026


@pytest_twisted.ensureDeferred
async def test_weibo_posts_dated_1970_or_2099_are_stored_undated_and_counted(api, tmp_path):
    api["body"] = weibo_payload([
        post(0), post(1, created_at="Thu Jan 01 08:00:00 +0800 1970"),
        post(2, created_at="Thu Jan 01 08:00:00 +0800 2099"),
    ])  # fmt: skip
    docs, run, _ = await crawl_weibo(crawl_settings(f"sqlite:///{tmp_path}/t.db"), api["url"])
    assert len(docs) == 3 and run["status"] == "finished"
    by_author = {d["author"]: d for d in docs}
    assert by_author["网友0"]["published_at"] is not None
    assert by_author["网友1"]["published_at"] is None and by_author["网友2"]["published_at"] is None
    assert by_author["网友1"]["first_seen_at"] is not None
    assert run["stats"]["problems"]["date_too_old"] == 1 and run["stats"]["problems"]["date_future"] == 1


# ------------------------------------------------------------------------------------- binary (finding 5)
def _jpeg() -> bytes:
    """A JPEG whose comment segment carries Chinese text (as camera and editor software writes it)."""
    comment = ("审计署公布审计结果：某县挪用扶贫资金。" * 4).encode()
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    return (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + segment
        + bytes(range(256)) * 8
    )


def _zip() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("审计报告.txt", "审计署公布审计结果" * 50)
    return buf.getvalue()


BINARIES = {
    "jpg": _jpeg(),
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200),
    "gif": b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + bytes(100),
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog>> endobj\n"
    + "审计署公布审计结果".encode() * 20,
    "zip": _zip(),
    "gz": __import__("gzip").compress("审计署公布审计结果".encode() * 50),
    "exe": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(200),
    "elf": b"\x7fELF\x02\x01\x01\x00" + bytes(200),
    "control_characters": bytes(range(32)) * 40 + "审计署公布审计结果".encode() * 10,
}


@pytest.mark.parametrize("kind", sorted(BINARIES))
def test_binary_kind_recognises_binary_bodies(kind):
    assert binary_kind(BINARIES[kind]) == kind


@pytest.mark.parametrize(
    "body",
    [
        "<!DOCTYPE html><html><head><meta charset='gbk'><title>审计</title></head><body>审计署</body></html>".encode(
            "gb18030"
        ),
        "\ufeff<html><body>审计署公布审计结果</body></html>".encode(),
        "<html><body>审计署公布审计结果</body></html>".encode("utf-16"),
        "<html><body>audit office results</body></html>".encode("utf-16-le"),  # no byte-order mark
        "审计署公布审计结果，某县挪用扶贫资金（纯文本）".encode(),
        b"\n\n  <?xml version='1.0'?><rss></rss>",
        b"",
    ],
)
def test_text_is_not_taken_for_binary(body):
    assert binary_kind(body) is None


def _listing_spider():
    crawler = get_crawler(NewsListingSpider)
    src = Source(
        name="示例新闻网", kind="list", url="https://news.example.cn/news/index.html", level="municipal"
    )
    return NewsListingSpider.from_crawler(crawler, source=src), crawler


@pytest.mark.parametrize("kind", ["jpg", "pdf", "zip", "exe"])
def test_binary_served_as_html_is_dropped_and_counted_not_stored(kind):
    spider, crawler = _listing_spider()
    url = f"https://news.example.cn/news/{kind}.html"
    page = HtmlResponse(url=url, body=BINARIES[kind], headers={"Content-Type": "text/html; charset=utf-8"},
                        request=Request(url))  # fmt: skip
    assert list(spider.parse_article(page)) == []
    assert crawler.stats.get_value("monitor/dropped/binary_content") == 1


def test_binary_behind_an_rss_entry_is_dropped_though_the_feed_gave_title_and_summary():
    spider, crawler = _rss_spider()
    url = "https://news.example.cn/a/photo.html"
    page = HtmlResponse(
        url=url, body=BINARIES["jpg"], headers={"Content-Type": "text/html"}, request=Request(url)
    )
    hints = {"title": "审计署公布审计结果", "published_at": None, "summary": "审计署公布审计结果" * 5}
    assert list(spider.parse_article(page, hints)) == []
    assert crawler.stats.get_value("monitor/dropped/binary_content") == 1


def test_a_real_page_is_still_an_article():
    spider, crawler = _listing_spider()
    url = "https://news.example.cn/news/a1.html"
    html = PAGE.format(date="2026-11-20 09:30", body=BODY)
    (item,) = spider.parse_article(
        HtmlResponse(url=url, body=html.encode(), encoding="utf-8", request=Request(url))
    )
    assert (
        item.title == "审计结果公告一" and crawler.stats.get_value("monitor/dropped/binary_content") is None
    )


def test_malformed_counts_lose_one_field_not_the_post():
    crawler = get_crawler()
    item = PostItem(url="https://m.weibo.example.cn/detail/9", source="微博", body=BODY, post_id="9",
                    reposts="1.2.3", comments=float("1e400"), likes="30亿", fetched_at=NOW)  # fmt: skip
    out = build_from_crawler(NormalizePipeline, crawler).process_item(item)
    assert (out.reposts, out.comments, out.likes) == (0, 0, 3_000_000_000)
    assert crawler.stats.get_value("monitor/problems/bad_count") == 2


def test_a_binary_feed_or_api_answer_is_counted_as_binary_not_as_an_empty_feed_or_bad_json():
    spider, crawler = _rss_spider()
    url = "https://news.example.cn/rss"
    feed = TextResponse(url=url, body=BINARIES["gz"], headers={"Content-Type": "application/rss+xml"},
                        request=Request(url))  # fmt: skip
    assert list(spider.parse_feed(feed)) == []
    assert crawler.stats.get_value("monitor/dropped/binary_content") == 1
    assert crawler.stats.get_value("monitor/problems/empty_feed") is None

    crawler = get_crawler(SocialPostsSpider)
    src = Source(
        name="微博", kind="weibo", url="https://m.weibo.example.cn/api?q={query}", level="self-media"
    )
    weibo = SocialPostsSpider.from_crawler(crawler, source=src)
    api = TextResponse(url=url, body=BINARIES["png"], headers={"Content-Type": "application/json"},
                       request=Request(url))  # fmt: skip
    assert list(weibo.parse(api, base=url, page=1)) == []
    assert crawler.stats.get_value("monitor/dropped/binary_content") == 1
    assert crawler.stats.get_value("monitor/problems/bad_json") is None
