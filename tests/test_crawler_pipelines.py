"""Each item pipeline on its own, as Scrapy's own tests do: built with build_from_crawler on a test crawler,
process_item called directly; drops raise DropItem("<Pipeline>: <reason>: <url>") and count
monitor/dropped/<reason>. The news pipelines (crawler.pipelines) and the site-watch ones
(crawler.sitewatch_pipelines); the storing ones against the store on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from scrapy.exceptions import CloseSpider, DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from crawler import pipelines
from crawler.items import ArticleItem, PostItem
from crawler.pipelines import (
    MAX_TITLE,
    DedupPipeline,
    NormalizePipeline,
    PlanFilterPipeline,
    StoragePipeline,
    clean_text,
    item_to_row,
)
from crawler.sitewatch_pipelines import (
    SiteCheckItem,
    SiteCheckStoragePipeline,
    SnapshotItem,
    SnapshotPipeline,
    snapshot_findings,
)
from store.schema import documents
from store.sitewatch import get_candidate, get_snapshot, list_findings, upsert_candidate

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
BODY = "审计署公布审计结果公告，某县挪用扶贫资金一千二百万元，审计发现问题已移送纪检监察机关处理。"
PLANS = """plans:
  - name: 审计
    subject: [审计]
    exclude: [招聘]
"""
PAGE = """<html><head><meta charset="utf-8"><title>审计署门户网站</title></head><body>
<div id="header">中华人民共和国审计署</div><ul id="yaowen"><li><a href="/n1.html">要闻</a><span>{day}</span></li></ul>
<div id="footer">主办单位：中华人民共和国审计署</div></body></html>"""


def crawler_with(**settings):
    return get_crawler(settings_dict=settings)


def article(**kw) -> ArticleItem:
    return ArticleItem(**{"url": "https://News.Example.cn/a.html?utm_source=x#top", "source": "示例新闻网",
                          "title": "审计署公告", "body": BODY, "published_at": T0, **kw})  # fmt: skip


def dropped(crawler, reason: str):
    return crawler.stats.get_value(f"monitor/dropped/{reason}")


# ------------------------------------------------------------------------------------------ normalise


def test_normalize_cleans_text_canonicalises_url_and_hashes_content():
    crawler = crawler_with()
    pipe = build_from_crawler(NormalizePipeline, crawler)
    item = pipe.process_item(
        article(
            title="  审计署\u200b公告 \r\n",
            body=BODY + "\n\n\n  第二段\u3000 文字 ",
            problems=["bad_encoding"],
        )
    )
    assert item.url == "https://news.example.cn/a.html"
    assert item.title == "审计署公告" and item.body == BODY + "\n第二段 文字"
    assert item.content_hash == hashlib.sha1(re.sub(r"\s+", "", item.title + item.body).encode()).hexdigest()
    assert item.fetched_at is not None and item.fetched_at.tzinfo is not None
    assert crawler.stats.get_value("monitor/problems/bad_encoding") == 1
    assert crawler.stats.get_value("monitor/problems/no_date") is None


def test_normalize_counts_undated_items_and_keeps_them():
    crawler = crawler_with()
    item = build_from_crawler(NormalizePipeline, crawler).process_item(article(published_at=None))
    assert item.published_at is None and crawler.stats.get_value("monitor/problems/no_date") == 1


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"url": "javascript:alert(1)"}, "bad_url"),
        ({"title": " \u200b "}, "no_title"),
        ({"body": "太短"}, "empty_body"),
        ({"published_at": datetime(2026, 11, 20, 8, 0)}, "naive_date"),
    ],
)
def test_normalize_drops_with_reason_and_counts(kw, reason):
    crawler = crawler_with()
    pipe = build_from_crawler(NormalizePipeline, crawler)
    item = article(**kw)
    with pytest.raises(DropItem, match=f"^NormalizePipeline: {reason}: ") as exc:
        pipe.process_item(item)
    assert str(exc.value).endswith(item.url)
    assert dropped(crawler, reason) == 1


def test_normalize_gives_untitled_posts_a_title_and_accepts_short_weibo_bodies():
    pipe = build_from_crawler(NormalizePipeline, crawler_with())
    post = pipe.process_item(
        PostItem(url="https://weibo.example.cn/1", source="微博", body="审计" + "好" * 80)
    )
    assert post.title == ("审计" + "好" * 80)[:60]
    assert (
        pipe.process_item(
            PostItem(url="https://weibo.example.cn/2", source="微博", title="t", body="审计")
        ).body
        == "审计"
    )
    with pytest.raises(DropItem, match="empty_body"):
        pipe.process_item(article(title="t", body="审计"))  # news needs a real body


def test_normalize_truncates_long_titles():
    item = build_from_crawler(NormalizePipeline, crawler_with()).process_item(
        article(title="审" * (MAX_TITLE + 9))
    )
    assert len(item.title) == MAX_TITLE


def test_clean_text_normalises_and_strips():
    assert clean_text(None) == "" and clean_text("") == ""
    assert clean_text("e\u0301 a\t\tb\x00\r\n\r\n\n c\ufeff") == "\u00e9 a b\nc"  # NFC, spaces, blank lines


# ------------------------------------------------------------------------------------------ 监测方案


@pytest.fixture
def plan_crawler(tmp_path):
    path = tmp_path / "keywords.yaml"
    path.write_text(PLANS, encoding="utf-8")
    return crawler_with(MONITOR_PLANS_FILE=str(path))


def test_plan_filter_keeps_matching_items_with_plans_and_terms(plan_crawler):
    item = build_from_crawler(PlanFilterPipeline, plan_crawler).process_item(article())
    assert item.plans == ["审计"] and item.terms == ["审计"]
    assert plan_crawler.stats.get_stats() == {}


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"title": "天气预报", "body": "明天晴。" * 10}, "no_plan_match"),
        ({"title": "审计师招聘"}, "plan_excluded"),
    ],
)
def test_plan_filter_drops_with_reason_and_counts(plan_crawler, kw, reason):
    pipe = build_from_crawler(PlanFilterPipeline, plan_crawler)
    with pytest.raises(DropItem, match=f"^PlanFilterPipeline: {reason}: https://News.Example.cn/a.html"):
        pipe.process_item(article(**kw))
    assert dropped(plan_crawler, reason) == 1


def test_plan_filter_refuses_to_start_on_invalid_plans(tmp_path):
    path = tmp_path / "keywords.yaml"
    path.write_text("plans:\n  - name: 坏\n    subject: ['!审计']\n", encoding="utf-8")
    with pytest.raises(CloseSpider) as exc:
        build_from_crawler(PlanFilterPipeline, crawler_with(MONITOR_PLANS_FILE=str(path)))
    assert exc.value.reason.startswith("invalid 监测方案: ") and "keywords.yaml" in exc.value.reason


# ------------------------------------------------------------------------------------------ dedup


def test_dedup_drops_the_second_item_with_a_url_within_one_crawl():
    crawler = crawler_with()
    pipe = build_from_crawler(DedupPipeline, crawler)
    first = article(url="https://a.cn/1")
    assert pipe.process_item(first) is first
    assert pipe.process_item(article(url="https://a.cn/2")).url == "https://a.cn/2"
    with pytest.raises(DropItem, match="^DedupPipeline: duplicate_url: https://a.cn/1$"):
        pipe.process_item(article(url="https://a.cn/1", title="另一个标题"))
    assert dropped(crawler, "duplicate_url") == 1
    assert build_from_crawler(DedupPipeline, crawler).process_item(
        article(url="https://a.cn/1")
    )  # a new crawl


# ------------------------------------------------------------------------------------------ storage


def test_item_to_row_keeps_the_document_columns_and_first_seen():
    item = article(
        author="  记者\u200b 张三 ", media="新华" * 150, fetched_at=T0, plans=["审计"], content_hash="h"
    )
    row = item_to_row(item)
    assert set(row) == {"url", "source", "platform", "level", "region", "title", "body", "author", "media",
                        "published_at", "fetched_at", "reposts", "comments", "likes", "reads", "plans",
                        "terms", "content_hash", "first_seen_at"}  # fmt: skip
    assert row["first_seen_at"] == row["fetched_at"] == T0
    # author and media are cleaned and bounded at normalise (NormalizePipeline), so the row keeps them as given
    assert row["author"] == item.author and row["media"] == item.media
    assert "problems" not in row and "encoding" not in row


def stored(store) -> list[dict]:
    with store.connect() as conn:
        return [dict(r) for r in conn.execute(select(documents).order_by(documents.c.url)).mappings()]


def test_storage_writes_in_batches_and_flushes_the_rest_on_close(store, store_url):
    crawler = crawler_with(MONITOR_DB_URL=store_url, MONITOR_STORE_BATCH_SIZE=2)
    pipe = build_from_crawler(StoragePipeline, crawler)
    pipe.open_spider()
    items = [article(url=f"https://a.cn/{i}", fetched_at=T0, content_hash=str(i)) for i in range(3)]
    for item in items[:2]:
        assert pipe.process_item(item) is item
    assert [d["url"] for d in stored(store)] == ["https://a.cn/0", "https://a.cn/1"]  # one full batch
    pipe.process_item(items[2])
    assert len(stored(store)) == 2 and len(pipe.buffer) == 1
    pipe.close_spider()
    assert [d["url"] for d in stored(store)] == ["https://a.cn/0", "https://a.cn/1", "https://a.cn/2"]
    assert crawler.stats.get_value("monitor/stored") == 3 and crawler.stats.get_value("monitor/updated") == 0


def test_storage_refreshes_known_urls_and_counts_them(store, store_url):
    crawler = crawler_with(MONITOR_DB_URL=store_url)
    for reposts in (1, 5):
        pipe = build_from_crawler(StoragePipeline, crawler)
        pipe.open_spider()
        pipe.process_item(article(url="https://a.cn/1", fetched_at=T0, reposts=reposts, content_hash="h"))
        pipe.close_spider()
    assert [d["reposts"] for d in stored(store)] == [5]
    assert crawler.stats.get_value("monitor/stored") == 1 and crawler.stats.get_value("monitor/updated") == 1


def test_storage_flushes_a_batch_that_waited_too_long(store, store_url, monkeypatch):
    pipe = build_from_crawler(StoragePipeline, crawler_with(MONITOR_DB_URL=store_url))
    pipe.open_spider()
    clock = iter([100.0, 100.5, 103.0])
    monkeypatch.setattr(pipelines, "time", SimpleNamespace(monotonic=lambda: next(clock)))
    pipe.process_item(
        article(url="https://a.cn/1", fetched_at=T0, content_hash="1")
    )  # starts the buffer at 100
    assert stored(store) == []
    pipe.process_item(article(url="https://a.cn/2", fetched_at=T0, content_hash="2"))  # 3 s old: flushed
    assert len(stored(store)) == 2 and pipe.buffer == []
    pipe.close_spider()


def test_storage_closes_the_spider_when_the_store_is_unusable(tmp_path):
    empty = build_from_crawler(StoragePipeline, crawler_with(MONITOR_DB_URL=f"sqlite:///{tmp_path}/empty.db"))
    with pytest.raises(CloseSpider) as exc:
        empty.open_spider()  # no schema: the crawl never creates one
    assert exc.value.reason.startswith("db unavailable: ") and "yuqing init-db" in exc.value.reason
    gone = build_from_crawler(
        StoragePipeline,
        crawler_with(MONITOR_DB_URL="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"),
    )
    with pytest.raises(CloseSpider) as exc:
        gone.open_spider()
    assert exc.value.reason.startswith("db unavailable: 无法连接数据库")


# ------------------------------------------------------------------------------------------ site watch


def test_site_check_storage_records_the_check_and_counts_tiers(store, store_url):
    crawler = crawler_with(MONITOR_DB_URL=store_url)
    pipe = build_from_crawler(SiteCheckStoragePipeline, crawler)
    pipe.open_spider()
    with store.begin() as conn:
        cid, _ = upsert_candidate(conn, "http://www.fake-audit.cn/", method="manual", now=T0)
    act = SiteCheckItem(url="http://www.fake-audit.cn/", checked_at=T0, final_url="http://www.fake-audit.cn/",
                        status=200, title="审计署（仿）", score=90, tier="act",
                        signals=[{"code": "favicon_copied", "weight": 25}], evidence={"favicon_sha256": "ab"})  # fmt: skip
    assert pipe.process_item(act) is act
    pipe.process_item(SiteCheckItem(url="http://down.fake-audit.cn/", checked_at=T0, error="连接超时"))
    pipe.process_item(SiteCheckItem(url="http://ok.example.cn/", checked_at=T0, score=0, tier="none"))
    with pytest.raises(DropItem, match="^SiteCheckStoragePipeline: not a site check: https://a.cn/1$"):
        pipe.process_item(article(url="https://a.cn/1"))
    pipe.close_spider()
    with store.connect() as conn:
        row = get_candidate(conn, cid)
    assert (row["tier"], row["score"], row["title"]) == ("act", 90, "审计署（仿）")
    assert row["evidence"]["favicon_sha256"] == "ab"
    stats = crawler.stats
    assert stats.get_value("monitor/stored") == 3 and stats.get_value("monitor/sitecheck/act") == 1
    assert (
        stats.get_value("monitor/sitecheck/errors") == 1
        and stats.get_value("monitor/sitecheck/review") is None
    )


def test_snapshot_pipeline_takes_a_baseline_then_reports_changes(store, store_url):
    crawler = crawler_with(MONITOR_DB_URL=store_url)
    pipe = build_from_crawler(SnapshotPipeline, crawler)
    pipe.open_spider()
    url = "https://www.audit.gov.cn/"
    page = PAGE.format(day=T0.date().isoformat())
    first = SnapshotItem(url=url, fetched_at=T0, site="审计署门户网站", final_url=url, status=200, html=page,
                         html_spider=page, html_referer=page)  # fmt: skip
    assert pipe.process_item(first) is first
    with store.connect() as conn:
        snap = get_snapshot(conn, url)
    assert snap["baseline"] is not None and snap["status"] == "ok"
    assert snap["latest"]["baseline_created"] is True and snap["latest"]["variants"] == [
        "browser",
        "spider",
        "referer",
    ]
    assert crawler.stats.get_value("monitor/integrity/baselines") == 1

    later = T0 + timedelta(hours=1)
    hidden = '<div style="display:none"><a href="http://www.pj-casino88.com/">澳门葡京娱乐城 百家乐 真人博彩</a></div>'
    tampered = page.replace('<div id="footer">', hidden + '<div id="footer">')
    pipe.process_item(SnapshotItem(url=url, fetched_at=later, final_url=url, status=200, html=tampered))
    with store.connect() as conn:
        snap = get_snapshot(conn, url)
        kinds = {f["kind"] for f in list_findings(conn)}
    assert snap["status"] == "findings" and snap["latest"]["baseline_created"] is False
    assert "hidden_link" in kinds and snap["latest"]["new_findings"] == len(kinds)
    assert crawler.stats.get_value("monitor/integrity/baselines") == 1  # the baseline is kept
    assert crawler.stats.get_value("monitor/integrity/findings") == len(kinds)
    with pytest.raises(DropItem, match="^SnapshotPipeline: not a snapshot: "):
        pipe.process_item(SiteCheckItem(url=url, checked_at=T0))
    pipe.close_spider()
    assert crawler.stats.get_value("monitor/stored") == 2


def test_snapshot_pipeline_stores_an_unreachable_page_without_a_baseline(store, store_url):
    pipe = build_from_crawler(SnapshotPipeline, crawler_with(MONITOR_DB_URL=store_url))
    pipe.open_spider()
    url = "https://www.audit.gov.cn/gone.html"
    pipe.process_item(SnapshotItem(url=url, fetched_at=T0, status=500, error="HTTP 500"))
    pipe.close_spider()
    with store.connect() as conn:
        snap = get_snapshot(conn, url)
        findings = list_findings(conn)
    assert snap["status"] == "error" and snap["baseline"] is None
    assert [(f["kind"], f["severity"]) for f in findings] == [("unreachable", "high")]
    assert "HTTP 500" in findings[0]["summary"]


def test_site_watch_pipelines_close_the_spider_when_the_store_is_unusable(tmp_path):
    for cls in (SiteCheckStoragePipeline, SnapshotPipeline):
        pipe = build_from_crawler(cls, crawler_with(MONITOR_DB_URL=f"sqlite:///{tmp_path}/empty.db"))
        with pytest.raises(CloseSpider) as exc:
            pipe.open_spider()
        assert exc.value.reason.startswith("db unavailable: ") and "yuqing init-db" in exc.value.reason
        pipe.close_spider()  # nothing opened, nothing to close


def test_snapshot_findings_of_an_empty_page_is_one_unreachable_finding():
    item = SnapshotItem(url="https://www.audit.gov.cn/", fetched_at=T0, status=200, html="")
    [finding] = snapshot_findings(item, baseline=None)
    assert finding["kind"] == "unreachable" and "HTTP 200，内容为空" in finding["summary"]
    assert finding["evidence"] == {"url": item.url, "status": 200, "checked_at": "2026-11-20T08:00:00+00:00"}
