"""The 热点与回应 page under AppTest: ranked events with countdowns (overdue flagged), 首发 links, the
status workflow and response log through the widgets, the 本地 filter, and crawled text kept inert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jobs.analysis import run_stage2
from tests.factories import STORY_NOW as NOW
from tests.factories import insert_documents, story_documents

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
pytestmark = pytest.mark.usefixtures("fresh_caches", "logged_in")  # every page needs a login (dashboard.auth)
XSS = "<script>alert(1)</script>"


@pytest.fixture
def db(sqlite_store, monkeypatch):
    """The test stories shifted so the explosion's 5-hour deadline passed 50 minutes ago."""
    now = datetime.now(UTC)
    shift = now - NOW - timedelta(hours=3)
    rows = []
    for r in story_documents():
        for k in ("published_at", "fetched_at", "first_seen_at"):
            r[k] = r[k] + shift if r[k] else None
        r["analysis"]["analyzed_at"] += shift
        if r["content_hash"] == "c1":
            r["title"] = XSS + r["title"]
        rows.append(r)
    insert_documents(sqlite_store, rows)
    run_stage2(sqlite_store, now=now)
    url = str(sqlite_store.url)
    monkeypatch.setenv("MONITOR_DB_URL", url)
    return url


def page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.switch_page("views/events.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def events_table(at: AppTest):
    return at.get_by_key("hs_events").dataframe[0].value


@pytest.mark.slow
def test_ranked_events_with_countdown_and_first_publisher(db) -> None:
    at = page()
    df = events_table(at)
    assert len(df) == 3 and list(df["热度"]) == sorted(df["热度"], reverse=True)
    by_class = {row["回应类别"]: row for row in df.to_dict("records")}
    assert set(by_class) == {"A类", "B类", "无需回应"}
    assert by_class["A类"]["倒计时"].startswith("已超时 0小时5")  # 5 h deadline passed ~50 min ago
    assert by_class["B类"]["倒计时"].startswith("剩余 4")  # 48 h from first detection
    assert by_class["无需回应"]["倒计时"] == "—"
    audit = by_class["无需回应"]
    assert audit["首发"] == "新华网" and audit["首发链接"] == "https://news.example.cn/a2.html"
    assert (audit["转载"], audit["信源数"]) == (2, 3) and audit["情感构成"] == "负2 中1 正0"
    assert all(len(v) == 1 and 0 < float(v[0]) <= 100 for v in df["热度趋势"])  # one run so far
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["已超时"] == "1" and metrics["A类（5小时）"] == "1"
    assert all(XSS not in m.value for m in at.markdown)  # crawled title only in table cells / st.text
    assert any(XSS in t for t in df["标题"])


@pytest.mark.slow
def test_status_change_through_widgets_is_logged_with_the_logged_in_user(db, logged_in) -> None:
    at = page()
    df = events_table(at)
    blast = int(df[df["回应类别"] == "A类"]["id"].iloc[0])
    at.selectbox(key="hs_event").set_value(blast).run()
    assert not [
        t for t in at.text_input if t.label in ("操作人", "回应人")
    ]  # who acts is the login, not typed
    at.selectbox(key="hs_new_status").set_value("处置中").run()
    at.button(key="hs_apply").click().run()
    assert not at.exception
    assert any("处置中" in s.value for s in at.success)
    df = events_table(at)
    assert df[df["id"] == blast]["状态"].iloc[0] == "处置中"
    log = at.get_by_key("hs_log").dataframe[0].value
    assert log.iloc[0][["操作", "原值", "新值", "操作人"]].tolist() == [
        "状态变更",
        "待研判",
        "处置中",
        logged_in,
    ]
    assert at.selectbox(key="hs_new_status").options == ["已回应", "无需回应"]


@pytest.mark.slow
def test_response_log_recorded_from_the_form(db, logged_in) -> None:
    at = page()
    df = events_table(at)
    office = int(df[df["回应类别"] == "B类"]["id"].iloc[0])
    at.selectbox(key="hs_event").set_value(office).run()
    at.selectbox(key="hs_kind").set_value("澄清")
    at.text_input(key="hs_url").input("javascript:alert(1)")
    at.button(key="hs_add_response").click().run()
    assert any("http" in e.value for e in at.error)
    at.selectbox(key="hs_kind").set_value("澄清")  # form widgets are sent with the submit
    at.text_input(key="hs_url").input("https://www.example.gov.cn/clarify.html")
    at.button(key="hs_add_response").click().run()
    assert not at.exception and any("已记录" in s.value for s in at.success)
    responses = at.get_by_key("hs_responses").dataframe[0].value
    assert responses[["方式", "链接", "回应人"]].values.tolist() == [
        ["澄清", "https://www.example.gov.cn/clarify.html", logged_in]
    ]
    df = events_table(at)
    row = df[df["id"] == office].iloc[0]
    assert row["状态"] == "已回应" and row["倒计时"] == "—"
    docs = at.get_by_key("hs_documents").dataframe[0].value
    assert docs["原文"].tolist() == ["https://news.example.cn/c1.html"]


@pytest.mark.slow
def test_local_filter_keeps_events_about_the_local_area(db) -> None:
    at = page()
    at.text_input(key="hs_local").input("莒南县").run()
    assert len(events_table(at)) == 3  # the box alone does not filter
    at.checkbox(key="hs_local_only").check().run()
    df = events_table(at)
    assert len(df) == 1 and df["地域"].iloc[0].endswith("莒南县")
    at.text_input(key="hs_local").input("371300").run()  # 临沂市 contains 莒南县
    assert len(events_table(at)) == 1
    at.text_input(key="hs_local").input("北京市").run()
    assert not at.exception and any("没有符合条件" in i.value for i in at.info)


def test_plan_volume_table_shows_today_against_the_baseline(db) -> None:
    at = page()
    vol = at.get_by_key("hs_plan_volume").dataframe[0].value
    assert set(vol.columns) >= {"方案", "今日", "基线中位数", "突增", "近14日"}
    assert vol["今日"].sum() >= 1 and all(len(h) == 14 for h in vol["近14日"])
