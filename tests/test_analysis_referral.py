"""Referral export: the printable HTML evidence sheet escapes crawled text and never links, the CSV neutralises
spreadsheet formulas, and both carry the signals, the evidence and the workflow history."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import lxml.html

from analysis.sitewatch.referral import referral_csv, referral_html, spreadsheet_safe

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def candidate() -> dict:
    return {
        "id": 7,
        "host": "www.zgsjpx.com",
        "url": "http://www.zgsjpx.com/",
        "final_url": "javascript:alert(2)",
        "title": f"中国审计培训网{XSS}",
        "score": 85.0,
        "tier": "act",
        "status": "已报送",
        "status_by": "王五",
        "status_at": NOW,
        "first_seen_at": NOW,
        "last_checked_at": NOW,
        "check_error": None,
        "found_by": [{"method": "dnstwist", "detail": "audit.gov.cn 移至 .com", "at": NOW.isoformat()}],
        "signals": [
            {
                "code": "authorisation_claim",
                "label": "声称获审计机关授权、指定或委托",
                "weight": 45,
                "evidence": f"本网站受审计署委托开展培训{XSS}",
            },
            {
                "code": "no_icp",
                "label": "页面无ICP备案号",
                "weight": 10,
                "evidence": '=HYPERLINK("http://evil/","x")',
            },
        ],  # fmt: skip
        "evidence": {
            "identity": ["中国审计培训网"],
            "org_names": ["中国审计培训中心"],
            "claims": [
                {"kind": "authorisation", "text": "本网站受审计署委托开展培训", "words": ["审计署", "委托"]}
            ],
            "site_codes": ["bm56000001"],
            "badges": [],
            "icp_numbers": [],
            "text": f"正文{XSS}",
            "redirects": [{"from": "http://zgsjpx.com/", "to": "http://www.zgsjpx.com/", "reason": "301"}],
            "pages": [
                {"url": "http://www.zgsjpx.com/about.html", "score": 85, "signals": ["authorisation_claim"]}
            ],
        },
    }


HISTORY = [{"action": "status", "old_value": "待核实", "new_value": "已报送", "by_whom": "王五<b>", "at": NOW,
            "note": "网信办编号 118"}]  # fmt: skip


def test_html_sheet_escapes_crawled_text_and_has_no_active_content():
    page = referral_html(candidate(), HISTORY, office="中华人民共和国审计署", now=NOW)
    assert "<script>" not in page and "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    doc = lxml.html.fromstring(page)
    assert (
        doc.xpath("//script") == [] and doc.xpath("//img") == [] and doc.xpath("//a") == []
    )  # URLs are text only
    text = doc.text_content()
    assert "javascript:alert(2)" in text  # shown, never clickable
    for expected in ("涉嫌仿冒网站证据单", "中华人民共和国审计署", "声称获审计机关授权、指定或委托", "本网站受审计署委托开展培训",
                     "bm56000001", "相似域名", "audit.gov.cn 移至 .com", "85（建议处置）", "王五<b>", "网信办编号 118",
                     "2026-11-20 16:00", "http://zgsjpx.com/", "about.html"):  # fmt: skip
        assert expected in text, expected


def test_csv_neutralises_formulas_and_keeps_the_evidence():
    rows = list(csv.reader(io.StringIO(referral_csv(candidate(), HISTORY, office="审计署", now=NOW))))
    assert rows[0] == ["类别", "项目", "内容"]
    cells = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert cells[("基本情况", "涉嫌网址")] == "http://www.zgsjpx.com/"
    assert cells[("基本情况", "风险评分")] == "85" and cells[("基本情况", "风险等级")] == "建议处置"
    assert cells[("仿冒依据", "页面无ICP备案号（+10）")] == '\'=HYPERLINK("http://evil/","x")'
    assert cells[("仿冒依据", "声称获审计机关授权、指定或委托（+45）")].startswith(
        "本网站受审计署委托开展培训"
    )
    assert cells[("跳转记录", "301")] == "http://zgsjpx.com/ → http://www.zgsjpx.com/"
    assert any(k[0] == "处理记录" and "已报送" in v and "网信办编号 118" in v for k, v in cells.items())
    assert not any(v[:1] in "=+@" for r in rows for v in r if v)


def test_spreadsheet_safe_prefixes_only_formula_starts():
    assert (
        spreadsheet_safe("=1+1") == "'=1+1"
        and spreadsheet_safe("-cmd") == "'-cmd"
        and spreadsheet_safe("@x") == "'@x"
    )
    assert spreadsheet_safe("审计") == "审计" and spreadsheet_safe(None) == ""


def test_unchecked_candidate_renders_without_evidence():
    c = {"id": 1, "host": "new.cn", "url": "http://new.cn/", "status": "待核实", "found_by": [], "signals": [],
         "evidence": {}, "score": None, "tier": None, "first_seen_at": NOW}  # fmt: skip
    page = referral_html(c, [], office="审计署", now=NOW)
    assert "未评分" in page and "尚未核查" in page and "未发现仿冒依据" in page
    assert "未评分" in referral_csv(c, [], office="审计署", now=NOW)


def test_html_and_csv_render_one_sheet():
    from analysis.sitewatch.referral import referral_sheet

    sheet = referral_sheet(candidate(), HISTORY, office="审计署", now=NOW)
    rows = list(csv.reader(io.StringIO(referral_csv(candidate(), HISTORY, office="审计署", now=NOW))))
    cells = {(r[0], r[1]): r[2] for r in rows[1:]}
    text = lxml.html.fromstring(referral_html(candidate(), HISTORY, office="审计署", now=NOW)).text_content()
    for label, value in sheet.basics:
        assert cells[("基本情况", label)] == spreadsheet_safe(value)
        if value:
            assert value in text, label
    assert cells[("基本情况", "处理状态")] == "已报送（王五，2026-11-20 16:00）"
    assert cells[("核查页面", "http://www.zgsjpx.com/about.html")] == "85 authorisation_claim"
