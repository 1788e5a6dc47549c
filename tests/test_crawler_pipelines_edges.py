"""The item pipelines against a real store: nothing good is lost to one bad item (issue 11, finding 1).

A lone surrogate in an id, a count past 2^31, a row the store refuses: each costs that one item at most,
which is counted by reason and kept in the quarantine table, and the run's row says so."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import pytest_twisted
from scrapy.crawler import CrawlerRunner
from sqlalchemy import select

from config.loader import Source, load_plans, load_settings
from crawler.scrapy_settings import scrapy_settings
from crawler.spiders.social_posts import SocialPostsSpider
from jobs.crawl import prepare_store
from store.db import open_store
from store.quarantine import list_quarantined
from store.schema import crawl_runs, documents

TEXT = "审计署公布审计结果：某县挪用扶贫资金问题已整改"


def weibo_payload(posts: list[dict]) -> bytes:
    cards = [{"card_type": 9, "mblog": p} for p in posts]
    # ensure_ascii keeps a lone surrogate as the escape \ud800, which json.loads turns back into one
    return json.dumps({"ok": 1, "data": {"cards": cards, "cardlistInfo": {}}}, ensure_ascii=True).encode()


def post(i: int, **kw) -> dict:
    p = {"id": str(5000 + i), "text": f"{TEXT}（第{i}条）", "created_at": "Sat Nov 21 10:00:00 +0800 2026",
         "user": {"screen_name": f"网友{i}"}, "reposts_count": i, "comments_count": 0, "attitudes_count": 1}  # fmt: skip
    p.update(kw)
    return p


@pytest.fixture
def api():
    """A local Weibo-style API serving whatever payload the test sets."""
    state = {"body": b"{}"}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = b"User-agent: *\nAllow: /\n" if self.path == "/robots.txt" else state["body"]
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def crawl_settings(db_url: str):
    s = load_settings()
    crawl = s.crawl.model_copy(
        update={"download_delay": 0.0, "autothrottle": False, "allow_private_networks": ["127.0.0.0/8"]}
    )
    return s.model_copy(update={"db_url": db_url, "crawl": crawl})


async def crawl_weibo(settings, api_url: str):
    source = Source(name="微博搜索", kind="weibo", url=f"{api_url}/api?q={{query}}", level="self-media",
                    platform="weibo", queries=["审计"], max_pages=1)  # fmt: skip
    prepare_store(settings, [source])
    cfg = scrapy_settings(settings, load_plans(settings.path(settings.plans_file)))
    cfg["LOG_LEVEL"] = "ERROR"
    runner = CrawlerRunner(cfg)
    crawler = runner.create_crawler(SocialPostsSpider)
    await runner.crawl(crawler, source=source)
    engine = open_store(settings.resolved_db_url, upgrade=False)
    try:
        with engine.connect() as conn:
            docs = conn.execute(select(documents).order_by(documents.c.id)).mappings().all()
            run = conn.execute(select(crawl_runs)).mappings().one()
            quarantined = list_quarantined(conn)
    finally:
        engine.dispose()
    return docs, run, quarantined


@pytest_twisted.ensureDeferred
async def test_one_poisoned_post_id_loses_only_that_post_and_the_run_says_so(api, tmp_path):
    """The reproducer: 50 good Weibo posts and 1 with a lone surrogate in its post id."""
    api["body"] = weibo_payload([post(i) for i in range(50)] + [post(50, id="51\ud800")])
    docs, run, quarantined = await crawl_weibo(crawl_settings(f"sqlite:///{tmp_path}/t.db"), api["url"])

    assert len(docs) == 50
    assert run["stored"] == 50 and run["status"] == "partial"
    assert run["dropped"].get("unencodable_id") == 1 and run["errors"] >= 1
    assert len(quarantined) == 1
    q = quarantined[0]
    assert q["reason"] == "unencodable_id" and q["spider"] == "social_posts" and q["source"] == "微博搜索"
    assert q["item"]["post_id"] == "51\ud800"  # the raw item, kept for inspection


@pytest_twisted.ensureDeferred
async def test_poisoned_author_is_repaired_and_huge_counts_are_stored(api, tmp_path):
    api["body"] = weibo_payload(
        [post(i) for i in range(5)]
        + [post(5, user={"screen_name": "网友\ud800\x00乙"}), post(6, attitudes_count="30亿"),
           post(7, reposts_count="1.2.3", attitudes_count=float("inf"), comments_count=-5),
           post(8, reposts_count=1e301)]
    )  # fmt: skip
    docs, run, quarantined = await crawl_weibo(crawl_settings(f"sqlite:///{tmp_path}/t.db"), api["url"])

    assert len(docs) == 9 and run["status"] == "finished" and not quarantined
    by_author = {d["author"]: d for d in docs}
    assert "网友\ufffd乙" in by_author
    assert by_author["网友6"]["likes"] == 3_000_000_000
    bad = by_author["网友7"]
    assert (bad["reposts"], bad["likes"], bad["comments"]) == (0, 0, 0)  # one field lost each, not the post
    assert by_author["网友8"]["reposts"] == 10**13  # absurd: bounded, counted
    problems = run["stats"]["problems"]
    assert problems["unencodable_text"] == 1 and problems["bad_count"] == 2
    assert problems["count_negative"] == 1 and problems["count_absurd"] == 1


@pytest.mark.requires_postgres
@pytest_twisted.ensureDeferred
async def test_counts_past_2_31_and_poisoned_ids_on_postgresql(api, pg_schema_url):
    api["body"] = weibo_payload(
        [post(i) for i in range(10)] + [post(10, attitudes_count="30亿"), post(11, id="x\ud800")]
    )
    docs, run, quarantined = await crawl_weibo(crawl_settings(pg_schema_url), api["url"])
    assert len(docs) == 11 and run["stored"] == 11 and len(quarantined) == 1
    assert max(d["likes"] for d in docs) == 3_000_000_000


def test_a_batch_the_store_refuses_is_written_item_by_item(tmp_path):
    """A row that reaches the store unrepaired (here a raw surrogate in the title, past the normaliser) costs
    that row only: the batch falls back to one write per item and the bad one is quarantined."""
    from scrapy.utils.test import get_crawler

    from crawler.items import ArticleItem
    from crawler.pipelines import StoragePipeline

    db = f"sqlite:///{tmp_path}/t.db"
    open_store(db).dispose()
    crawler = get_crawler(SocialPostsSpider, {"MONITOR_DB_URL": db, "MONITOR_STORE_BATCH_SIZE": 100})
    crawler.spider = SocialPostsSpider(
        source={"name": "s", "kind": "weibo", "url": "http://a.cn/", "level": "county"}
    )
    pipe = StoragePipeline.from_crawler(crawler)
    pipe.open_spider()
    now = datetime.now(UTC)
    for i in range(5):
        title = "坏\ud800标题" if i == 3 else f"标题{i}"
        pipe.process_item(ArticleItem(url=f"http://a.cn/{i}", source="s", title=title, body="正文" * 20,
                                      fetched_at=now, content_hash=str(i)))  # fmt: skip
    pipe.close_spider()
    engine = open_store(db, upgrade=False)
    with engine.connect() as conn:
        urls = conn.execute(select(documents.c.url)).scalars().all()
        quarantined = list_quarantined(conn)
    engine.dispose()
    assert sorted(urls) == [f"http://a.cn/{i}" for i in (0, 1, 2, 4)]
    assert [q["reason"] for q in quarantined] == ["store_rejected"]
    assert quarantined[0]["item"]["url"] == "http://a.cn/3"
    assert crawler.stats.get_value("monitor/dropped/store_rejected") == 1
    assert crawler.stats.get_value("monitor/stored") == 4
