"""The 舆情报告 page under AppTest: a 日报 preview with download buttons, crawled text escaped in the preview,
the quiet day, a 专报 picked by event, and a bad choice shown as an error."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest
from test_jobs_reports import QUIET_DAY, XSS, seed

from tests.pages import APP

pytestmark = pytest.mark.usefixtures("fresh_caches", "logged_in")  # every page needs a login (dashboard.auth)


@pytest.fixture
def db(tmp_path, monkeypatch):
    url = seed(tmp_path / "dash.db")
    monkeypatch.setenv("MONITOR_DB_URL", url)
    return url


def page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("views/reports.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def preview(at: AppTest) -> str:
    return at.get_by_key("rp_preview").get("html")[0].proto.body


@pytest.mark.slow
def test_weekly_preview_is_escaped_and_offers_three_downloads(db) -> None:
    at = page()
    at.radio(key="rp_kind").set_value("weekly").run()
    assert not at.exception
    body = preview(at)
    assert "舆情周报" in body and "一、概况" in body and "二、重点舆情" in body
    assert XSS not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    labels = {b.label for b in at.get("download_button")}
    assert labels == {"下载 Word", "下载 HTML", "下载 Markdown"}
    assert any("舆情周报（" in t.value for t in at.text)


def test_quiet_day_and_future_day(db) -> None:
    at = page()
    at.date_input(key="rp_date").set_value(QUIET_DAY).run()
    assert not at.exception and "本期无重大舆情" in preview(at)
    at.selectbox(key="rp_plan").set_value("审计署全国").run()
    assert "监测方案：审计署全国" in preview(at)


@pytest.mark.slow
def test_event_report_picked_from_the_list(db) -> None:
    at = page()
    at.radio(key="rp_kind").set_value("event").run()
    picker = at.selectbox(key="rp_event")
    assert "A类" in picker.options[0]  # class A first
    body = preview(at)
    assert "舆情专报" in body and "风险研判：" in body and "传播时间线" in body
    b_event = next(o for o in picker.options if "B类" in o)
    picker.set_value(int(b_event.split()[0].lstrip("#"))).run()
    assert not at.exception and "&lt;script&gt;" in preview(at)


def test_date_is_bounded_by_today(db) -> None:
    at = page()
    assert at.date_input(key="rp_date").value is None  # 截至现在
    assert at.date_input(key="rp_date").proto.max.startswith(str(date.today().year))


def test_preview_cuts_the_advice_and_lists_the_rest_on_demand(db, monkeypatch) -> None:
    from dashboard import data_reports

    monkeypatch.setattr(data_reports, "ADVICE_SHOWN", 1)
    at = page()
    body = preview(at)
    assert "需回应的事件共2件" in body and "另有1件未逐条列出" in body
    assert any("需回应的事件共2件" in c.value for c in at.caption)
    at.toggle(key="rp_all_advice").set_value(True).run()
    assert not at.exception
    listed = at.get_by_key("rp_advice_all").dataframe[0].value["处置建议"].tolist()
    assert len(listed) == 4 and listed[0].startswith("1. 「") and listed[1].startswith("2. 「")  # 2 events, 2 site items
    at.button(key="rp_to_events").click().run()
    assert not at.exception
    assert at.session_state["hs_classes"] == ["A", "B"] and at.session_state["hs_statuses"] == ["待研判", "处置中"]
    assert at.title[0].value == "热点与回应"


def test_preview_without_many_events_offers_no_list(db) -> None:
    at = page()
    assert "未逐条列出" not in preview(at) and not at.get("toggle")
