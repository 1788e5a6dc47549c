"""Property-based: arbitrary unicode and numbers through the pipelines into a real store (issue 11, finding 1).

Every item type (article, Weibo post, hot-list entry, site check) with any text in its text fields and any
value in its counts is stored; an item whose identity is broken is dropped *and counted*, never silently,
and never takes another item with it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler
from sqlalchemy import func, select

from crawler.items import ArticleItem, PostItem
from crawler.pipelines import DedupPipeline, NormalizePipeline, StoragePipeline
from crawler.sitewatch_pipelines import SiteCheckItem, SiteCheckStoragePipeline
from crawler.spiders.social_posts import SocialPostsSpider
from store.db import open_store
from store.schema import documents, quarantine, site_candidates

# any code point, including lone surrogates, NUL and the noncharacters no database stores
ANY_CHAR = st.one_of(
    st.characters(),
    st.integers(0xD800, 0xDFFF).map(chr),
    st.sampled_from(["\x00", "\ufffe", "\uffff", "\u200b", "\r", "\u3000"]),
)
ANY_TEXT = st.text(ANY_CHAR, max_size=40)
ANY_COUNT = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["30亿", "1.2万", "10w+", "1.2.3", "NaN", "1e400", "-", "", "１２"]),
    ANY_TEXT,
    st.none(),
)
DATES = st.one_of(
    st.none(),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)),
    st.datetimes(timezones=st.just(timezone(timedelta(hours=8)))),
)
KINDS = st.sampled_from(["article", "post", "hotlist"])
SERIAL = itertools.count()


def profile(examples: int) -> settings:
    """Few examples (each one writes a store), no deadline, no example database left in the worktree."""
    return settings(
        max_examples=examples, deadline=None, database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )  # fmt: skip


@st.composite
def good_items(draw):
    """An item whose identity is sound (http URL, digit post id) and whose every other field is arbitrary."""
    n = next(SERIAL)
    kind = draw(KINDS)
    url = f"http://h{n % 7}.example.cn/{n}/{quote(draw(st.text(max_size=20)))}"
    common = {
        "url": url, "source": draw(ANY_TEXT) or "s", "title": draw(ANY_TEXT) + "审计标题",
        "body": draw(ANY_TEXT) + "审计署公布审计结果。" * 4 + draw(ANY_TEXT), "author": draw(st.none() | ANY_TEXT),
        "media": draw(st.none() | ANY_TEXT), "region": draw(st.none() | ANY_TEXT), "level": draw(ANY_TEXT),
        "published_at": draw(DATES), "reposts": draw(ANY_COUNT), "comments": draw(ANY_COUNT),
        "likes": draw(ANY_COUNT), "reads": draw(ANY_COUNT), "problems": draw(st.lists(ANY_TEXT, max_size=2)),
    }  # fmt: skip
    if kind == "post":
        return PostItem(**common, post_id=str(n))
    if kind == "hotlist":
        return ArticleItem(**{**common, "platform": "hotlist"})
    return ArticleItem(**common)


@st.composite
def any_items(draw):
    """Items whose identity too is arbitrary: a lone surrogate in the URL or post id, an absurd length."""
    item = draw(good_items())
    item.url = draw(st.sampled_from([item.url, item.url + "\ud800", item.url + "x" * 3000, "ftp://x/"]))
    if isinstance(item, PostItem):
        item.post_id = draw(st.sampled_from([item.post_id, item.post_id + "\udfff", draw(ANY_TEXT)]))
    return item


class Harness:
    """Normalise → dedup → store, as the engine runs them, with drops signalled as the scraper does."""

    def __init__(self, db_url: str):
        self.db_url = db_url
        self.crawler = get_crawler(
            SocialPostsSpider, {"MONITOR_DB_URL": db_url, "MONITOR_STORE_BATCH_SIZE": 7}
        )
        self.crawler.spider = SocialPostsSpider(
            source={"name": "属性测试", "kind": "weibo", "url": "http://a.cn/", "level": "county"}
        )
        self.storage = StoragePipeline.from_crawler(self.crawler)
        self.pipes = [NormalizePipeline(self.crawler), DedupPipeline(self.crawler), self.storage]

    def run(self, items) -> None:
        self.storage.open_spider()
        for item in items:
            try:
                for p in self.pipes:
                    item = p.process_item(item)
            except DropItem as exc:
                self.crawler.signals.send_catch_log(
                    signals.item_dropped, item=item, response=None, exception=exc, spider=self.crawler.spider
                )
        self.storage.close_spider()

    def count(self, table, where=None) -> int:
        engine = open_store(self.db_url, upgrade=False)
        try:
            with engine.connect() as conn:
                q = select(func.count()).select_from(table)
                return int(conn.execute(q if where is None else q.where(where)).scalar_one())
        finally:
            engine.dispose()

    def stat(self, prefix: str) -> int:
        return sum(int(v) for k, v in self.crawler.stats.get_stats().items() if k.startswith(prefix))


def check_good_items_all_stored(db_url, items):
    h = Harness(db_url)
    h.run(items)
    urls = [i.url for i in items]  # canonical after the normaliser
    assert h.count(documents, documents.c.url.in_(urls)) == len(set(urls))
    assert h.stat("monitor/dropped/") == 0 and h.stat("monitor/quarantined") == 0


def check_every_item_accounted_for(db_url, items):
    h = Harness(db_url)
    before = h.count(documents)
    h.run(items)
    stored = h.count(documents) - before
    # every item is stored or dropped for a counted reason; quarantined ones are kept
    assert stored + h.stat("monitor/dropped/") == len(items)
    assert h.count(quarantine) >= h.stat("monitor/quarantined")


@pytest.fixture
def sqlite_url(tmp_path):
    url = f"sqlite:///{tmp_path}/p.db"
    open_store(url).dispose()
    return url


@pytest.mark.slow
@profile(30)
@given(items=st.lists(good_items(), min_size=1, max_size=12))
def test_any_text_and_counts_in_good_items_are_all_stored_sqlite(sqlite_url, items):
    check_good_items_all_stored(sqlite_url, items)


@pytest.mark.slow
@profile(20)
@given(items=st.lists(any_items(), min_size=1, max_size=12))
def test_items_with_broken_identities_cost_only_themselves_sqlite(sqlite_url, items):
    check_every_item_accounted_for(sqlite_url, items)


@pytest.mark.slow
@profile(25)
@given(title=ANY_TEXT, error=st.none() | ANY_TEXT, evidence=st.dictionaries(ANY_TEXT, ANY_TEXT | ANY_COUNT, max_size=3),
       score=st.none() | st.floats(allow_nan=False, allow_infinity=False), final=st.none() | ANY_TEXT)  # fmt: skip
def test_any_text_in_site_checks_is_stored_sqlite(sqlite_url, title, error, evidence, score, final):
    crawler = get_crawler(SocialPostsSpider, {"MONITOR_DB_URL": sqlite_url})
    pipe = SiteCheckStoragePipeline.from_crawler(crawler)
    pipe.open_spider()
    n = next(SERIAL)
    item = SiteCheckItem(url=f"http://fake{n}.example.cn/", checked_at=datetime.now(UTC), final_url=final,
                         title=title, score=score, signals=[{"name": title, "detail": evidence}], evidence=evidence,
                         error=error)  # fmt: skip
    pipe.process_item(item)
    pipe.close_spider()
    engine = open_store(sqlite_url, upgrade=False)
    with engine.connect() as conn:
        row = conn.execute(
            select(site_candidates).where(site_candidates.c.host == f"fake{n}.example.cn")
        ).one()
    engine.dispose()
    assert row is not None


@pytest.mark.slow
@pytest.mark.requires_postgres
@profile(8)
@given(items=st.lists(good_items(), min_size=1, max_size=8))
def test_any_text_and_counts_in_good_items_are_all_stored_postgresql(pg_schema_url, items):
    open_store(pg_schema_url).dispose()
    check_good_items_all_stored(pg_schema_url, items)


@pytest.mark.slow
@pytest.mark.requires_postgres
@profile(8)
@given(items=st.lists(any_items(), min_size=1, max_size=8))
def test_items_with_broken_identities_cost_only_themselves_postgresql(pg_schema_url, items):
    open_store(pg_schema_url).dispose()
    check_every_item_accounted_for(pg_schema_url, items)
