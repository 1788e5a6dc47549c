"""The 信息检索 page under AppTest: a two-character query finds every title holding it, terms are highlighted
inside escaped crawled text, filters and links from other pages narrow the hits, paging, and the export
buttons whose files hold exactly the hits."""

from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import data_exports, data_search
from jobs.exports import ExportRequest
from tests.factories import document, insert_documents
from tests.pages import open_view, rerun
from tests.test_dashboard_app import TZ, make_db

pytestmark = pytest.mark.usefixtures("fresh_caches", "logged_in")
AUDIT_TITLES = 6  # titles holding 审计 in the last 90 days (tests/test_dashboard_app.build_documents)


@pytest.fixture
def today():
    return datetime.now(TZ).date()


@pytest.fixture
def db_url(sqlite_store, monkeypatch, today) -> str:
    url = make_db(sqlite_store, today)
    monkeypatch.setenv("MONITOR_DB_URL", url)
    return url


def open_page(**params: str) -> AppTest:
    return open_view("views/search.py", **params)


def total(at: AppTest) -> int:
    return int(next(m.value for m in at.metric if m.label == "检索结果"))


def hits_html(at: AppTest) -> str:
    return "".join(h.proto.body for h in at.get("html"))


def test_two_character_query_finds_and_highlights_in_escaped_text(db_url):
    at = open_page()
    assert at.title[0].value == "信息检索"
    at.text_input(key="sr_query").set_value("审计")
    rerun(at)
    assert total(at) == AUDIT_TITLES
    body = hits_html(at)
    assert body.count('class="yq-hit"') == AUDIT_TITLES
    assert "<mark>审计</mark>" in body
    assert "<script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body  # the XSS title, escaped
    assert 'href="https://news.example.cn/a1.html"' in body
    assert "javascript:" not in body  # a6's URL is not http(s): its title is shown without a link
    assert [at.get_by_key(f"sr_download_{f}").label for f in ("csv", "xlsx", "parquet")] == [
        "下载 CSV", "下载 Excel", "下载 Parquet",
    ]  # fmt: skip


def test_filters_narrow_the_hits(db_url):
    at = open_page()
    at.text_input(key="sr_query").set_value("审计")
    at.multiselect(key="sr_sentiment").set_value(["负面"])
    rerun(at)
    assert total(at) == 3  # a1, a2, a5
    at.multiselect(key="sr_targets").set_value(["审计机关自身"])
    rerun(at)
    assert total(at) == 2  # a1, a5
    at.text_input(key="sr_query").set_value("整改 网友")
    rerun(at)
    assert total(at) == 1 and "<mark>网友</mark>质疑审计<mark>整改</mark>" in hits_html(at)


def test_link_parameters_open_the_search_filtered(db_url):
    at = open_page(q="审计局", level="county")
    assert at.text_input(key="sr_query").value == "审计局"
    assert at.multiselect(key="sr_levels").value == ["县级"]
    assert at.checkbox(key="sr_all_time").value is True
    assert total(at) == 2  # a3 and a4: 莒南县审计局, county level
    assert data_search.search_link(event=3, level=["central", "county"], all_time=True) == (
        "search?event=3&level=central&level=county&all=1"
    )


def test_pages_through_many_hits(sqlite_store, monkeypatch, today):
    rows = [document(f"p{i}", title=f"审计整改第{i}篇", published_at=datetime(2026, 11, 1, 8, tzinfo=TZ).replace(
        day=1 + i % 28)) for i in range(45)]  # fmt: skip
    insert_documents(sqlite_store, rows)
    url = sqlite_store.url.render_as_string(hide_password=False)
    monkeypatch.setenv("MONITOR_DB_URL", url)
    at = open_page(q="审计整改", all="1")
    assert total(at) == 45
    first = hits_html(at)
    assert first.count('class="yq-hit"') == data_search.PAGE_SIZE
    at.number_input(key="sr_page").set_value(3)
    rerun(at)
    last = hits_html(at)
    assert last.count('class="yq-hit"') == 5 and last != first


def test_export_of_a_search_holds_exactly_its_hits(db_url, today):
    request = ExportRequest(kind="documents", fmt="csv", query="审计 整改", newest_first=True)
    raw = data_exports.export_bytes(db_url, "Asia/Shanghai", request)
    df = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    assert sorted(df["标题"]) == sorted(["<script>alert(1)</script>审计局回应整改质疑", "网友质疑审计整改"])
    cmd = data_exports.cli_command(ExportRequest(kind="documents", fmt="csv", query="审计 整改", events=(3,)))
    assert "--event 3" in cmd and "--query '审计 整改'" in cmd


def test_counts_stop_past_the_cap_and_say_so(sqlite_store, monkeypatch, today):
    """More hits than data_search.COUNT_CAP: the total reads "cap+", paging covers the newest cap hits, and the
    export points to the command line instead of a download."""
    rows = [document(f"c{i}", title=f"审计整改第{i}篇", published_at=datetime(2026, 11, 1, 8, tzinfo=TZ).replace(
        day=1 + i % 28)) for i in range(45)]  # fmt: skip
    insert_documents(sqlite_store, rows)
    monkeypatch.setenv("MONITOR_DB_URL", sqlite_store.url.render_as_string(hide_password=False))
    monkeypatch.setattr(data_search, "COUNT_CAP", 30)
    at = open_page(q="审计整改", all="1")
    assert next(m.value for m in at.metric if m.label == "检索结果") == "30+"
    assert "共 2 页" in at.number_input(key="sr_page").label
    assert any("超过 30 篇" in w.value for w in at.warning) and not at.get("download_button")
    monkeypatch.setattr(data_search, "COUNT_CAP", 45)
    data_search.search.clear()  # the cap is a constant of the page, not part of the cache key
    at = open_page(q="审计整改", all="1")
    assert total(at) == 45 and at.get("download_button")
