"""The crawl job (jobs.crawl) without running a crawl: which sources a call picks and which spider runs each,
and the store it prepares (schema, mirrored sources, runs a killed process left open closed), read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from config.loader import Source, load_settings
from jobs.crawl import prepare_store, select_sources, spider_for
from store.queries import crawl_runs_since, start_crawl_run
from store.schema import crawl_runs, sources


def _src(name: str, kind: str, enabled: bool = True) -> Source:
    return Source(name=name, kind=kind, url=f"http://{name}.test/", level="county", enabled=enabled)


SOURCES = [
    _src("feed", "rss"),
    _src("portal", "list"),
    _src("weibo", "weibo", enabled=False),
    _src("check", "site_check"),  # no news spider crawls this kind
]


def test_select_sources_narrows_by_spider_and_name_and_skips_disabled():
    assert [s.name for s in select_sources(SOURCES)] == ["feed", "portal"]
    assert [s.name for s in select_sources(SOURCES, spiders=["rss"])] == ["feed"]
    assert [s.name for s in select_sources(SOURCES, names=["weibo"])] == ["weibo"]  # named: disabled too
    assert spider_for(SOURCES[1]).name == "news_listing" and spider_for(SOURCES[2]).name == "social_posts"
    with pytest.raises(ValueError, match="unknown spider"):
        select_sources(SOURCES, spiders=["nope"])
    with pytest.raises(ValueError, match="no spider crawls"):
        spider_for(SOURCES[3])


def test_prepare_store_mirrors_sources_and_closes_runs_left_open(store, store_url):
    settings = load_settings().model_copy(update={"db_url": store_url})
    t0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    with store.begin() as conn:
        killed = start_crawl_run(conn, "rss", "feed", t0)
    prepare_store(settings, SOURCES[:2])
    with store.connect() as conn:
        names = sorted(conn.execute(select(sources.c.name)).scalars())
        status, reason = conn.execute(
            select(crawl_runs.c.status, crawl_runs.c.finish_reason).where(crawl_runs.c.id == killed)
        ).one()
        later = start_crawl_run(conn, "rss", "feed", t0 + timedelta(hours=1))
        assert [r["id"] for r in crawl_runs_since(conn, t0)] == [killed, later]
        assert [r["id"] for r in crawl_runs_since(conn, t0 + timedelta(minutes=1))] == [later]
    assert names == ["feed", "portal"]
    assert status == "interrupted" and reason == "process ended before the crawl finished"
