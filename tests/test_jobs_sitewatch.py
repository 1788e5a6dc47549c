"""Site-watch jobs (jobs.sitewatch) on a store: candidates from the hosts of stored documents and search results,
upserted by host with new / known counted, and a whole discovery (no DNS) that is idempotent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from config.impersonation import load_impersonation_config
from config.sitewatch import ManualCandidate, load_sitewatch_config
from crawler.discovery import Found
from jobs.sitewatch import discover, hosts_from_search, scan_documents, store_found
from store.queries import upsert_documents
from store.schema import site_candidates
from tests.factories import document

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
ICFG = load_impersonation_config()


@pytest.fixture
def sw():
    return load_sitewatch_config()


@pytest.fixture
def engine(store):
    """conftest's store (SQLite and PostgreSQL), by the name these tests use."""
    return store


def _doc(url, title, body, source="某新闻网"):
    return document(url=url, title=title, body=body, source=source, fetched_at=NOW)


def test_documents_yield_claiming_hosts_and_suspicious_names(engine, sw):
    with engine.begin() as conn:
        upsert_documents(conn, [
            _doc("https://www.sjpx-center.com/news/1.html", "培训通知", "本中心受审计署委托，开展审计人员资格培训。"),
            _doc("https://news.example.cn/a.html", "报道", "中华审计发展促进会在京召开会议，部署全国审计证书发放工作。"),
            _doc("https://www.people.com.cn/n/2.html", "要闻", "某公司声称与审计署合作。"),  # ignored portal
            _doc("https://sjt.example.gov.cn/x.html", "通知", "经审计署批准，本厅开展培训。"),  # government host
            _doc("https://www.weather.cn/x.html", "天气", "明天晴。"),
        ])  # fmt: skip
    hosts, names = scan_documents(engine, sw, ICFG)
    assert sorted(f.host for f in hosts) == ["news.example.cn", "www.sjpx-center.com"]
    sj = next(f for f in hosts if f.host == "www.sjpx-center.com")
    assert (
        sj.url == "https://www.sjpx-center.com/" and sj.method == "document" and "受审计署委托" in sj.detail
    )
    assert [n.name for n in names] == ["中华审计发展促进会"] and names[
        0
    ].url == "https://news.example.cn/a.html"


def test_search_result_hosts_become_candidates_and_store_counts_new_and_known(engine, sw):
    engine_name = sw.discovery.search.engines[0].name
    with engine.begin() as conn:
        upsert_documents(conn, [
            _doc("http://www.zgsjpx.com/about.html", "中国审计培训网", "授权培训", source=engine_name),
            _doc("http://www.zgsjpx.com/other.html", "中国审计培训网", "授权培训", source=engine_name),
            _doc("https://www.audit.gov.cn/n1.html", "审计署", "官网", source=engine_name),  # official
            _doc("http://www.other.cn/1.html", "无关", "无关"),  # not from a discovery search source
        ])  # fmt: skip
    found = hosts_from_search(engine, sw, ICFG)
    assert [f.host for f in found] == ["www.zgsjpx.com"] and found[0].method == "search"
    assert store_found(engine, [*found, Found("HTTP://WWW.ZGSJPX.COM/x", "manual", "配置")], now=NOW) == (
        1,
        1,
    )
    with engine.connect() as conn:
        row = conn.execute(select(site_candidates)).mappings().one()
    assert row["host"] == "www.zgsjpx.com" and [f["method"] for f in row["found_by"]] == ["search", "manual"]


def test_discovery_stores_manual_search_and_document_candidates_once(engine, sw):
    sw = sw.model_copy(update={"candidates": [ManualCandidate(url="http://www.zgsjxh.cn/", note="群众举报")]})
    with engine.begin() as conn:
        upsert_documents(conn, [
            _doc("http://www.zgsjpx.com/about.html", "中国审计培训网", "授权培训", source=sw.discovery.search.engines[0].name),
            _doc("https://www.sjpx-center.com/news/1.html", "培训通知", "本中心受审计署委托，开展审计人员资格培训。"),
        ])  # fmt: skip
    run = discover(engine, sw, lookalikes=False, now=NOW, icfg=ICFG)
    assert (run.manual, run.from_search, run.from_documents, run.lookalikes) == (1, 1, 1, 0)
    assert (run.new, run.known) == (3, 0)
    again = discover(engine, sw, documents=False, lookalikes=False, now=NOW, icfg=ICFG)
    assert (again.new, again.known, again.from_documents, again.orgs) == (0, 2, 0, [])
    with engine.connect() as conn:
        hosts = sorted(conn.execute(select(site_candidates.c.host)).scalars())
    assert hosts == ["www.sjpx-center.com", "www.zgsjpx.com", "www.zgsjxh.cn"]
