"""仿冒网站 and 网站安全 pages under AppTest: ranking, evidence, status changes with who, acknowledgement and 误报
(who and when, audit-logged, 误报 hidden by default), manual add, referral downloads, watched pages and findings
with readable evidence and local times — with crawled text kept out of markdown and HTML, suspicious URLs as
text (never links), and similarity worded from its score."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from store.sitewatch import (
    ENTITY_CANDIDATE,
    get_candidate,
    history,
    record_check,
    record_snapshot,
    save_baseline,
    sync_findings,
    upsert_candidate,
)
from tests.pages import APP

pytestmark = pytest.mark.usefixtures("fresh_caches", "logged_in")  # every page needs a login (dashboard.auth)
XSS = "<script>alert(1)</script>**粗体**"
NOW = datetime.now(UTC)


def _signal(code, label, weight, evidence):
    return {"code": code, "label": label, "weight": weight, "evidence": evidence}


def make_db(engine) -> str:
    """Four candidates (three checked), two watched pages with findings, one resolved finding."""
    with engine.begin() as conn:
        for host in ("www.zgsjpx.com", "www.audit-gov.cn", "www.ciia.com.cn", "new.example.cn"):
            upsert_candidate(
                conn, f"http://{host}/", method="dnstwist" if "gov" in host else "manual", now=NOW
            )
        record_check(conn, "http://www.zgsjpx.com/", {
            "final_url": "http://www.zgsjpx.com/", "title": f"中国审计培训网{XSS}", "score": 60, "tier": "review",
            "signals": [_signal("authorisation_claim", "声称获审计机关授权、指定或委托", 45, f"受审计署委托{XSS}"),
                        _signal("fee_with_training", "收取培训、考试或证书费用", 15, "报名费、培训"),
                        _signal("text_similarity", "页面文字与官方网站高度相似", 30, "文本相似度 0.44")],
            "evidence": {"claims": [{"kind": "authorisation", "text": "受审计署委托", "words": ["审计署", "委托"]}],
                         "icp_numbers": [], "text": XSS,
                         "redirects": [{"from": "http://zgsjpx.com/", "to": "http://www.zgsjpx.com/", "reason": "301"}]},
        }, now=NOW)  # fmt: skip
        record_check(conn, "http://www.audit-gov.cn/", {
            "final_url": "http://www.audit-gov.cn/", "title": "审计署（仿）", "score": 100, "tier": "act",
            "signals": [_signal("favicon_copied", "网站图标与官方网站相同", 25, "ab12")], "evidence": {},
        }, now=NOW)  # fmt: skip
        record_check(conn, "http://www.ciia.com.cn/", {"final_url": "http://www.ciia.com.cn/", "score": 0,
                     "tier": "none", "signals": [_signal("allowlisted", "官方/白名单域名", 0, "ciia")]}, now=NOW)  # fmt: skip
        page = "https://www.audit.gov.cn/"
        save_baseline(conn, page, {"regions": {}}, now=NOW - timedelta(days=2), site="审计署门户网站")
        record_snapshot(conn, page, latest={"variants": ["browser", "spider", "referer"], "links_checked": 7},
                        status="findings", now=NOW)  # fmt: skip
        record_snapshot(conn, "https://www.audit.gov.cn/gone.html", latest={}, status="error", now=NOW,
                        error="HTTP 500")  # fmt: skip
        sync_findings(conn, page, [
            {"kind": "hidden_link", "severity": "high", "summary": f"发现 1 个暗链{XSS}",
             "evidence": {"url": page, "links": [{"href": "http://casino.example/", "text": XSS,
                                                  "tricks": ["display:none"]}]}},
            {"kind": "stale_column", "severity": "medium", "summary": "栏目“审计要闻”已 20 天未更新",
             "evidence": {"column": "审计要闻", "age_days": 20, "checked_at": "2026-11-20T01:30:00+00:00"}},
        ], now=NOW)  # fmt: skip
        sync_findings(
            conn,
            "https://www.audit.gov.cn/old.html",
            [{"kind": "bad_words", "severity": "high", "summary": "旧问题", "evidence": {}}],
            now=NOW - timedelta(days=5),
        )
        sync_findings(conn, "https://www.audit.gov.cn/old.html", [], now=NOW - timedelta(days=4))  # resolved
    return str(engine.url)


@pytest.fixture
def db_url(sqlite_store, monkeypatch) -> str:
    url = make_db(sqlite_store)
    monkeypatch.setenv("MONITOR_DB_URL", url)
    return url


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def table(at: AppTest, key: str):
    return at.get_by_key(key).dataframe[0].value


def no_crawled_markup(at: AppTest) -> None:
    for el in [*at.markdown, *at.caption, *at.title, *at.subheader]:
        assert "<script>" not in el.value and "粗体" not in el.value, el.value
    for el in at.markdown:
        assert not el.proto.allow_html


def test_candidates_ranked_with_signals_and_text_that_fired_them(db_url):
    at = open_page("views/impersonation.py")
    assert at.title[0].value == "仿冒网站"
    assert {m.label: m.value for m in at.metric} == {
        "候选网站": "4",
        "建议处置": "1",
        "待核实（评分50–79）": "1",
        "已报送": "0",
    }
    t = table(at, "imp_table")
    assert list(t["主机"]) == ["www.audit-gov.cn", "www.zgsjpx.com", "www.ciia.com.cn", "new.example.cn"]
    assert list(t["评分"].fillna(-1)) == [100, 60, 0, -1] and t.loc[3, "等级"] == "未核查"
    assert t.loc[1, "标题"] == f"中国审计培训网{XSS}"  # shown as table text
    # a text similarity of 0.44 is worded from its score (the stored label said 高度相似)
    assert t.loc[1, "触发依据"] == "声称获审计机关授权、指定或委托；收取培训、考试或证书费用；页面文字与官方网站部分相似"
    assert t.loc[1, "网址"] == "http://www.zgsjpx.com/"  # plain text: the column is not a link column
    config = json.loads(at.get_by_key("imp_table").dataframe[0].proto.columns)
    assert config["网址"]["type_config"]["type"] == "text"  # never a link column
    at.selectbox(key="imp_pick").set_value(int(t.loc[1, "编号"])).run()
    sig = table(at, "imp_signals")
    assert sig.to_dict("list") == {
        "依据": ["声称获审计机关授权、指定或委托", "收取培训、考试或证书费用", "页面文字与官方网站部分相似"],
        "分值": [45, 15, 30],
        "页面原文 / 证据": [f"受审计署委托{XSS}", "报名费、培训", "文本相似度 0.44"],
    }
    assert [c.value for c in at.code] == ["http://www.zgsjpx.com/"]  # copyable text
    assert not [m.value for m in [*at.subheader, *at.markdown] if "zgsjpx" in m.value]  # markdown would link it
    ev = table(at, "imp_evidence")
    assert "受审计署委托（审计署、委托）" in list(ev["内容"]) and "未发现" in list(
        ev["内容"]
    )  # claims, no ICP
    assert dict(ev.values.tolist())["跳转（HTTP 301）"] == "http://zgsjpx.com/ → http://www.zgsjpx.com/"
    assert any(f"中国审计培训网{XSS}" in t.value for t in at.text)  # st.text: never markdown
    no_crawled_markup(at)


@pytest.mark.slow
def test_status_change_is_logged_with_the_logged_in_user(db_url, sqlite_store, logged_in):
    at = open_page("views/impersonation.py")
    cid = int(table(at, "imp_table").loc[0, "编号"])  # www.audit-gov.cn, selected by default
    assert at.selectbox(key="imp_pick").value == cid
    assert not [
        t for t in at.text_input if t.label in ("操作人", "添加人")
    ]  # who acts is the login, not typed
    at.selectbox(key="imp_new_status").set_value("已报送").run()
    at.text_input(key="imp_note").input("网信办 118").run()
    at.button(key="imp_apply").click().run()
    assert not at.exception and "已将" in at.success[0].value
    assert at.text_input(key="imp_note").value == ""  # the note starts afresh after the change
    assert table(at, "imp_history").loc[0, ["操作", "操作人", "原值", "新值", "说明"]].tolist() == [
        "状态变更",
        logged_in,
        "待核实",
        "已报送",
        "网信办 118",
    ]
    assert {m.label: m.value for m in at.metric}["已报送"] == "1"
    with sqlite_store.connect() as conn:
        row = get_candidate(conn, cid)
        log = history(conn, ENTITY_CANDIDATE, cid)
    assert row["status"] == "已报送" and row["status_by"] == logged_in and row["status_at"] is not None
    assert [(h["old_value"], h["new_value"], h["by_whom"]) for h in log] == [("待核实", "已报送", logged_in)]
    # the next allowed moves are offered
    assert at.selectbox(key="imp_new_status").options == ["已处置", "误报", "待核实"]


@pytest.mark.slow
def test_manual_add_creates_an_unchecked_candidate(db_url):
    at = open_page("views/impersonation.py")
    at.text_input(key="imp_add_url").input("WWW.Shenji-PX.cn/about").run()
    at.text_input(key="imp_add_note").input("群众举报").run()
    at.button(key="imp_add").click().run()
    assert "下次运行 `yuqing sites check` 时核查" in at.success[0].value
    assert at.text_input(key="imp_add_url").value == "" and at.text_input(key="imp_add_note").value == ""
    t = table(at, "imp_table")
    assert "www.shenji-px.cn" in list(t["主机"]) and len(t) == 5
    row = t[t["主机"] == "www.shenji-px.cn"].iloc[0]
    assert row["等级"] == "未核查" and row["发现途径"] == "人工添加" and row["状态"] == "待核实"
    at.text_input(key="imp_add_url").input("javascript:alert(1)").run()
    at.button(key="imp_add").click().run()
    assert "无法添加" in at.error[0].value


@pytest.mark.slow
def test_referral_downloads_are_offered_and_escaped(db_url):
    from dashboard import data_sitewatch

    at = open_page("views/impersonation.py")
    t = table(at, "imp_table")
    cid = int(t.loc[1, "编号"])
    at.selectbox(key="imp_pick").set_value(cid).run()
    assert at.download_button(key="imp_csv").label == "下载报送材料 CSV"
    assert at.download_button(key="imp_html").label == "下载证据单（可打印 HTML）"
    # AppTest drops the media behind download buttons after each run: check the function that feeds them
    cand, hist = data_sitewatch.candidate_detail(db_url, cid)
    csv_bytes, html_bytes = data_sitewatch.referral_files(
        cand, hist, data_sitewatch.office_name(), "Asia/Shanghai"
    )
    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    assert ["基本情况", "主机名", "www.zgsjpx.com"] in rows and csv_bytes.startswith(b"\xef\xbb\xbf")
    page = html_bytes.decode("utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "中华人民共和国审计署" in page and "受审计署委托" in page


def test_site_security_page_lists_pages_and_findings_with_evidence(db_url):
    at = open_page("views/integrity.py")
    assert at.title[0].value == "网站安全"
    assert {m.label: m.value for m in at.metric} == {
        "监测页面": "2",
        "有问题的页面": "1",
        "未处理问题": "2",
        "高风险问题": "1",
    }
    pages = table(at, "sec_pages")
    assert list(pages["状态"]) == ["发现问题", "无法访问"] and list(pages["未处理问题"]) == [2, 0]
    assert pages.loc[0, "检查方式"] == "普通浏览器访问、搜索引擎爬虫访问、从百度搜索进入"
    assert pages.loc[1, "最近错误"] == "HTTP 500"
    f = table(at, "sec_findings")
    assert list(f["类型"]) == ["暗链", "栏目未更新"] and list(f["严重程度"]) == ["高", "中"]
    assert list(f["核查"]) == ["待确认", "待确认"]
    assert f.loc[0, "说明"] == f"发现 1 个暗链{XSS}"
    assert "证据" not in f.columns and not at.json  # evidence as readable rows, not a JSON tree
    ev = table(at, "sec_evidence")
    assert ev.values.tolist() == [
        ["页面地址", "https://www.audit.gov.cn/"],
        ["链接", f"http://casino.example/（{XSS}；display:none）"],
        ["最近一次发现", ev.values.tolist()[2][1]],
    ]
    assert [c.value for c in at.code] == ["https://www.audit.gov.cn/"]  # copyable, not a link
    stale = int(f.loc[1, "编号"])
    at.selectbox(key="sec_pick").set_value(stale).run()
    ev = dict(table(at, "sec_evidence").values.tolist())
    assert ev["栏目"] == "审计要闻" and ev["未更新天数"] == "20"
    assert ev["检查时间"] == "2026-11-20 09:30"  # local time (Asia/Shanghai), not UTC
    at.checkbox(key="sec_resolved").check().run()
    f = table(at, "sec_findings")
    assert len(f) == 3 and f.loc[2, "说明"] == "旧问题" and f.loc[2, "已解决"] != ""
    no_crawled_markup(at)


@pytest.mark.slow
def test_finding_review_records_who_and_when_and_false_positives_are_hidden(db_url, sqlite_store, logged_in):
    from store.sitewatch import ENTITY_FINDING, get_finding

    at = open_page("views/integrity.py")
    fid = int(table(at, "sec_findings").loc[0, "编号"])  # the hidden link, picked by default
    assert any(t.value == "核查结果：待确认" for t in at.text)
    at.text_input(key="sec_review_note").input("运维核实为测试链接")
    at.button(key="sec_false_positive").click().run()
    assert not at.exception and any("误报" in s.value for s in at.success)
    assert at.text_input(key="sec_review_note").value == ""  # reset after the change
    f = table(at, "sec_findings")
    assert fid not in list(f["编号"]) and len(f) == 1  # 误报 hidden by default
    assert {m.label: m.value for m in at.metric}["未处理问题"] == "1"
    assert {m.label: m.value for m in at.metric}["高风险问题"] == "0"
    assert list(table(at, "sec_pages")["未处理问题"]) == [1, 0]
    at.checkbox(key="sec_false").check().run()
    f = table(at, "sec_findings").set_index("编号")
    assert f.loc[fid, "核查"] == "误报" and f.loc[fid, "核查人"] == logged_in and f.loc[fid, "核查时间"]
    at.selectbox(key="sec_pick").set_value(fid).run()
    assert any(t.value.startswith(f"核查结果：误报（{logged_in}，") for t in at.text)
    hist = table(at, "sec_history")
    assert hist.loc[0, ["操作", "原值", "新值", "操作人", "说明"]].tolist() == [
        "核查标记", "待确认", "误报", logged_in, "运维核实为测试链接"
    ]
    at.button(key="sec_reopen").click().run()
    at.button(key="sec_ack").click().run()
    with sqlite_store.connect() as conn:
        row = get_finding(conn, fid)
        log = history(conn, ENTITY_FINDING, fid)
    assert (row["review"], row["review_by"]) == ("acknowledged", logged_in) and row["review_at"] is not None
    assert [(h["old_value"], h["new_value"]) for h in log] == [("待确认", "误报"), ("误报", "待确认"),
                                                               ("待确认", "已确认")]  # fmt: skip
    assert fid in list(table(at, "sec_findings")["编号"])


@pytest.mark.slow
def test_candidate_acknowledged_and_marked_false_positive(db_url, sqlite_store, logged_in):
    at = open_page("views/impersonation.py")
    cid = int(table(at, "imp_table").loc[0, "编号"])  # www.audit-gov.cn
    at.button(key="imp_ack").click().run()
    assert not at.exception and any("已确认知悉" in s.value for s in at.success)
    assert table(at, "imp_table").set_index("编号").loc[cid, "知悉"].startswith(logged_in)
    assert any(t.value.startswith(f"确认知悉：{logged_in}，") for t in at.text)
    assert not [b for b in at.button if b.key == "imp_ack"]  # once
    at.button(key="imp_false").click().run()
    assert not at.exception and any("误报" in s.value for s in at.success)
    assert cid not in list(table(at, "imp_table")["编号"])  # hidden by the default status filter
    with sqlite_store.connect() as conn:
        row = get_candidate(conn, cid)
        log = history(conn, ENTITY_CANDIDATE, cid)
    assert (row["status"], row["status_by"], row["acknowledged_by"]) == ("误报", logged_in, logged_in)
    assert [(h["action"], h["new_value"], h["by_whom"]) for h in log] == [
        ("acknowledge", logged_in, logged_in), ("status", "误报", logged_in)
    ]


@pytest.mark.slow
def test_read_only_roles_see_no_review_buttons(db_url, login_as):
    login_as("analyst")
    at = open_page("views/integrity.py")
    assert not [b for b in at.button if b.key in ("sec_ack", "sec_false_positive", "sec_reopen")]
    at = open_page("views/impersonation.py")
    assert not [b for b in at.button if b.key in ("imp_ack", "imp_false")]


@pytest.mark.slow
def test_pages_show_empty_states(sqlite_store, monkeypatch):
    monkeypatch.setenv("MONITOR_DB_URL", str(sqlite_store.url))
    at = open_page("views/impersonation.py")
    assert any("没有符合条件的候选网站" in i.value for i in at.info)
    at = open_page("views/integrity.py")
    assert any("尚未检查任何页面" in i.value for i in at.info)
