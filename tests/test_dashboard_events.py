"""The 热点与回应 page under AppTest: events ranked by urgency with countdowns (overdue flagged), the deciding
columns first, the default 需关注 view beside the full list, 首发 links, the status workflow, response log
(both deadlines of class A, no future times, the form reset after a success), assignment and the 值班领导's
acknowledgement through the widgets, the 本地 filter, and crawled text kept inert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from streamlit.testing.v1 import AppTest

from jobs.analysis import run_stage2
from tests.factories import STORY_NOW as NOW
from tests.factories import insert_documents, story_documents
from tests.pages import open_view

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
    return open_view("views/events.py")


def events_table(at: AppTest):
    return at.get_by_key("hs_events").dataframe[0].value


def deadlines(at: AppTest) -> list[tuple[str, str]]:
    """The deadlines the detail shows, as (label, "late" or "running")."""
    return [(m.value.split("：")[0], kind) for kind, ms in (("late", at.error), ("running", at.warning))
            for m in ms if "：时限 " in m.value]  # fmt: skip


def show_all(at: AppTest) -> AppTest:
    at.get_by_key("hs_view").set_value("全部").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.slow
def test_ranked_events_urgency_first_with_the_attention_view_by_default(db) -> None:
    at = page()
    df = events_table(at)
    # 需关注 by default: the open class-A and class-B events; the overdue one first, then the nearest deadline
    assert list(df.columns[:5]) == ["回应类别", "倒计时", "状态", "指派", "标题"]
    assert df["回应类别"].tolist() == ["A类", "B类"]
    assert df["倒计时"].iloc[0].startswith("已超时 0小时5")  # 5 h deadline passed ~50 min ago
    assert df["倒计时"].iloc[1].startswith("剩余 4")  # 48 h from first detection
    assert df["指派"].tolist() == ["未指派", "未指派"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["需关注"] == "2" and metrics["需关注但未指派"] == "2"
    assert metrics["已超时"] == "1" and metrics["A类（5小时）"] == "1"
    df = events_table(show_all(at))
    assert len(df) == 3 and df["回应类别"].tolist() == ["A类", "B类", "无需回应"]
    audit = df.iloc[2]
    assert audit["倒计时"] == "—"
    assert audit["首发"] == "新华网" and audit["首发链接"] == "https://news.example.cn/a2.html"
    assert (audit["转载"], audit["信源数"]) == (2, 3) and audit["情感构成"] == "负2 中1 正0"
    assert all(len(v) == 1 and 0 < float(v[0]) <= 100 for v in df["热度趋势"])  # one run so far
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
    assert log.iloc[0][["操作", "原值", "新值", "操作人"]].tolist() == ["状态变更", "待研判", "处置中", logged_in]
    # 已回应 follows from recording both responses of class A: it is not offered by hand
    assert at.selectbox(key="hs_new_status").options == ["无需回应"]
    assert any("状态自动变为“已回应”" in c.value for c in at.caption)


@pytest.mark.slow
def test_response_log_recorded_from_the_form_which_then_resets(db, logged_in) -> None:
    at = page()
    df = events_table(at)
    office = int(df[df["回应类别"] == "B类"]["id"].iloc[0])
    at.selectbox(key="hs_event").set_value(office).run()
    at.selectbox(key="hs_kind").set_value("澄清")
    at.text_input(key="hs_url").input("javascript:alert(1)")
    at.button(key="hs_add_response").click().run()
    assert any("http" in e.value for e in at.error)
    assert at.text_input(key="hs_url").value == "javascript:alert(1)"  # kept after an error, to correct
    at.selectbox(key="hs_kind").set_value("澄清")  # form widgets are sent with the submit
    at.text_input(key="hs_url").input("https://www.example.gov.cn/clarify.html")
    at.button(key="hs_add_response").click().run()
    assert not at.exception and any("已记录" in s.value for s in at.success)
    assert at.text_input(key="hs_url").value == "" and at.selectbox(key="hs_kind").value == "发布权威信息"
    responses = at.get_by_key("hs_responses").dataframe[0].value
    assert responses[["方式", "链接", "回应人"]].values.tolist() == [
        ["澄清", "https://www.example.gov.cn/clarify.html", logged_in]
    ]
    assert office not in events_table(at)["id"].tolist()  # answered: no longer in 需关注
    df = events_table(show_all(at))
    row = df[df["id"] == office].iloc[0]
    assert row["状态"] == "已回应" and row["倒计时"] == "—"
    docs = at.get_by_key("hs_documents").dataframe[0].value
    assert docs["原文"].tolist() == ["https://news.example.cn/c1.html"]


@pytest.mark.slow
def test_class_a_event_stays_open_until_the_press_conference_and_future_times_are_refused(db) -> None:
    at = page()
    blast = int(events_table(at)["id"].iloc[0])
    at.selectbox(key="hs_event").set_value(blast).run()
    assert deadlines(at) == [("发布权威信息", "late"), ("召开新闻发布会", "running")]  # 5 h overdue, 24 h runs
    assert at.date_input(key="hs_resp_date").max == at.date_input(key="hs_resp_date").value  # no later day
    local_now = datetime.now(ZoneInfo("Asia/Shanghai"))
    if local_now.hour < 23:  # 30 minutes ahead, same day: refused by the workflow, with the reason
        at.time_input(key="hs_resp_time").set_value((local_now + timedelta(minutes=30)).time())
        at.button(key="hs_add_response").click().run()
        assert any("回应时间不能晚于当前时间" in e.value for e in at.error)
        assert any(c.value == "尚无回应记录。" for c in at.caption)  # nothing recorded
        assert deadlines(at) == [("发布权威信息", "late"), ("召开新闻发布会", "running")]
        at.time_input(key="hs_resp_time").set_value(local_now.time().replace(second=0, microsecond=0))
    at.selectbox(key="hs_kind").set_value("发布权威信息")
    at.button(key="hs_add_response").click().run()
    assert not at.exception and any("已记录" in s.value for s in at.success)
    row = events_table(at).iloc[0]
    assert (row["id"], row["状态"]) == (blast, "处置中") and row["倒计时"].startswith("剩余 18")  # 24 h from first detection
    assert deadlines(at) == [("召开新闻发布会", "running")]
    at.selectbox(key="hs_kind").set_value("新闻发布会")
    at.button(key="hs_add_response").click().run()
    assert blast not in events_table(at)["id"].tolist()
    row = events_table(show_all(at)).set_index("id").loc[blast]
    assert row["状态"] == "已回应" and row["倒计时"] == "—"


@pytest.mark.slow
def test_assignment_from_the_users_table_is_shown_and_logged(db, logged_in) -> None:
    from tests.conftest import make_account

    make_account(db, "zhang", "handler", "张三")
    make_account(db, "reader", "analyst", "分析员甲")
    at = page()
    blast = int(events_table(at)["id"].iloc[0])
    at.selectbox(key="hs_event").set_value(blast).run()
    picker = at.selectbox(key=f"hs_assignee_{blast}")
    assert picker.options == ["（不指派）", "测试员（handler_tester）", "张三（zhang）"]  # handlers only
    assert picker.value == ""
    picker.set_value("zhang").run()
    at.button(key="hs_assign").click().run()
    assert not at.exception and any("已指派给 张三（zhang）" in s.value for s in at.success)
    assert events_table(at).set_index("id").loc[blast, "指派"] == "张三（zhang）"
    assert any(t.value.startswith("指派给：张三（zhang）（测试员（handler_tester） 于") for t in at.text)
    log = at.get_by_key("hs_log").dataframe[0].value
    assert log.iloc[0][["操作", "原值", "新值", "操作人"]].tolist() == ["指派", "未指派", "张三（zhang）", logged_in]
    at.checkbox(key="hs_mine").check().run()  # nothing is assigned to the logged-in handler yet
    assert any("没有符合条件" in i.value for i in at.info)
    at.checkbox(key="hs_mine").uncheck().run()
    office = int(events_table(at).set_index("回应类别").loc["B类", "id"])
    at.selectbox(key="hs_event").set_value(office).run()
    at.selectbox(key=f"hs_assignee_{office}").set_value("handler_tester").run()
    at.button(key="hs_assign").click().run()
    at.checkbox(key="hs_mine").check().run()
    assert events_table(at)["id"].tolist() == [office]


@pytest.mark.slow
def test_duty_leader_acknowledges_and_sees_no_handling_controls(db, login_as) -> None:
    who = login_as("duty_leader")
    at = page()
    blast = int(events_table(at)["id"].iloc[0])
    at.selectbox(key="hs_event").set_value(blast).run()
    assert not [b for b in at.button if b.key in ("hs_apply", "hs_assign", "hs_add_response")]
    assert not [w for w in at.selectbox if w.key in ("hs_kind", "hs_new_status", f"hs_assignee_{blast}")]
    assert any(t.value == "值班领导知悉：尚未确认" for t in at.text)
    at.button(key="hs_ack").click().run()
    assert not at.exception and any("已确认知悉" in s.value for s in at.success)
    assert any(t.value.startswith(f"值班领导知悉：{who}，") for t in at.text)
    assert events_table(at).set_index("id").loc[blast, "知悉"].startswith(who)
    assert not [b for b in at.button if b.key == "hs_ack"]  # once


@pytest.mark.slow
def test_local_filter_keeps_events_about_the_local_area(db) -> None:
    at = show_all(page())
    at.text_input(key="hs_local").input("莒南县").run()
    assert len(events_table(at)) == 3  # the box alone does not filter
    at.checkbox(key="hs_local_only").check().run()
    df = events_table(at)
    assert len(df) == 1 and df["地域"].iloc[0].endswith("莒南县")  # the office criticism: in 需关注
    at.text_input(key="hs_local").input("371300").run()  # 临沂市 contains 莒南县
    assert len(events_table(at)) == 1
    at.text_input(key="hs_local").input("北京市").run()
    assert not at.exception and any("没有符合条件" in i.value for i in at.info)


def test_plan_volume_table_shows_today_against_the_baseline(db) -> None:
    at = page()
    vol = at.get_by_key("hs_plan_volume").dataframe[0].value
    assert set(vol.columns) >= {"方案", "今日", "基线中位数", "突增", "近14日"}
    assert vol["今日"].sum() >= 1 and all(len(h) == 14 for h in vol["近14日"])
