"""Tests for analysis.sitewatch.integrity (own-site integrity checks); all HTML is inline, nothing is fetched."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from analysis.sitewatch.integrity import (
    Finding,
    baseline_fingerprint,
    check_blank_column,
    check_broken_links,
    check_column_update,
    check_columns,
    check_page,
    column_dates,
    compare_variants,
    find_bad_words,
    find_hidden_links,
)

URL = "http://www.audit.gov.cn/"
NOW = datetime(2024, 6, 25, 9, 0)

BASE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>中华人民共和国审计署</title>
<script src="/js/app.js"></script><script src="https://hm.baidu.com/hm.js?x"></script>
<style>.dropdown{display:none}</style></head>
<body>
<div id="header"><img class="logo" src="/logo.png" alt="中华人民共和国审计署"><span>审计署门户网站</span></div>
<div id="nav"><a href="/">首页</a><a href="/n1/">机构概况</a><a href="/n2/">新闻发布</a><a href="/n5/">审计结果公告</a>
<ul class="dropdown"><li><a href="/n1/ld.html">领导简介</a></li></ul></div>
<div class="main"><ul id="yaowen">
<li><a href="/n2/1.html">审计署召开党组会议</a><span>2024-06-20</span></li>
<li><a href="/n2/2.html">审计署发布整改情况报告</a><span>2024-06-18</span></li></ul>
<ul id="gonggao"><li><a href="/n5/1.html">2024年第2号公告</a><span>2024-06-01</span></li></ul></div>
<div id="footer">版权所有：中华人民共和国审计署 京ICP备05000001号 网站标识码：bm56000001 访问量：123456</div>
</body></html>"""


def inject(html: str, where: str, snippet: str) -> str:
    assert where in html
    return html.replace(where, snippet + where, 1)


def kinds(findings: list[Finding], min_rank: int = 2) -> set[str]:
    rank = {"low": 1, "medium": 2, "high": 3}
    return {f.kind for f in findings if rank[f.severity] >= min_rank}


@pytest.fixture(scope="module")
def baseline() -> dict:
    return baseline_fingerprint(BASE, URL)


def test_baseline_is_json_serialisable_and_finds_regions(baseline):
    json.dumps(baseline, ensure_ascii=False)
    assert {"header", "nav", "footer", "title"} <= set(baseline["regions"])
    assert baseline["script_hosts"] == ["hm.baidu.com"]


def test_unchanged_page_has_no_findings(baseline):
    assert check_page(BASE, URL, baseline, now=NOW) == []


def test_news_list_and_counter_changes_are_tolerated(baseline):
    html = BASE.replace("审计署召开党组会议", "审计署举办开放日活动").replace("2024-06-20", "2024-06-24")
    html = html.replace("访问量：123456", "访问量：130777")
    assert check_page(html, URL, baseline, now=NOW) == []


def test_defacement_of_header(baseline):
    html = BASE.replace("<span>审计署门户网站</span>", "<h1>Hacked by xxx 网站已被黑</h1>")
    html = html.replace('<img class="logo" src="/logo.png" alt="中华人民共和国审计署">', "")
    f = check_page(html, URL, baseline, now=NOW)
    d = [x for x in f if x.kind == "defacement"]
    assert d and d[0].severity == "high" and d[0].evidence["region"] == "header" and "页头" in d[0].summary


def test_defacement_missing_region(baseline):
    html = BASE.replace('<div id="footer">', '<div id="x">')
    assert any(
        x.kind == "defacement" and x.evidence["region"] == "footer"
        for x in check_page(html, URL, baseline, now=NOW)
    )


def test_defacement_of_title(baseline):
    html = BASE.replace("<title>中华人民共和国审计署</title>", "<title>黑客入侵测试页</title>")
    assert any(
        x.kind == "defacement" and x.evidence["region"] == "title"
        for x in check_page(html, URL, baseline, now=NOW)
    )


def test_custom_region_selectors():
    html = BASE.replace(
        '<div class="main">', '<div class="banner">固定横幅：深入学习贯彻审计工作方针</div><div class="main">'
    )
    base = baseline_fingerprint(html, URL, selectors={"banner": [".banner"]})
    assert "banner" in base["regions"]
    changed = html.replace("固定横幅：深入学习贯彻审计工作方针", "彩票开奖结果实时查询入口")
    assert any(x.evidence.get("region") == "banner" for x in check_page(changed, URL, base, now=NOW))


def test_new_external_script(baseline):
    html = inject(BASE, "</head>", '<script src="http://js.bad-cdn.xyz/t.js"></script>')
    f = [x for x in check_page(html, URL, baseline, now=NOW) if x.kind == "external_script"]
    assert len(f) == 1 and f[0].evidence["host"] == "js.bad-cdn.xyz"


def test_external_script_allowed_host_and_same_site_are_fine(baseline):
    html = inject(
        BASE,
        "</head>",
        '<script src="https://cdn.trusted.example/x.js"></script>'
        '<script src="http://static.audit.gov.cn/y.js"></script>',
    )
    f = check_page(html, URL, baseline, now=NOW, allowed_script_hosts=["trusted.example"])
    assert "external_script" not in kinds(f)


def test_new_iframe(baseline):
    html = inject(
        BASE, '<div id="footer">', '<iframe src="http://www.yl-8888.test/" width="0" height="0"></iframe>'
    )
    f = [x for x in check_page(html, URL, baseline, now=NOW) if x.kind == "iframe"]
    assert f and f[0].evidence["hidden"] is True and f[0].evidence["host"] == "www.yl-8888.test"


def test_suspicious_inline_script(baseline):
    js = '<script>var r=document.referrer;if(r.indexOf("baidu")>-1){location.href="http://x.test/"}</script>'
    assert "suspicious_script" in kinds(check_page(inject(BASE, "</body>", js), URL, baseline, now=NOW))


@pytest.mark.parametrize(
    ("snippet", "trick"),
    [
        ('<div style="display:none"><a href="http://casino.test/">链接</a></div>', "display:none"),
        ('<div style="visibility: hidden"><a href="http://casino.test/">链接</a></div>', "visibility:hidden"),
        ('<p style="font-size:0px"><a href="http://casino.test/">链接</a></p>', "font-size"),
        ('<span style="font-size:1px"><a href="http://casino.test/">链接</a></span>', "font-size"),
        (
            '<div style="position:absolute;left:-9999px"><a href="http://casino.test/">链接</a></div>',
            "off-screen",
        ),
        ('<div style="text-indent:-5000px"><a href="http://casino.test/">链接</a></div>', "off-screen"),
        ('<div style="height:1px;overflow:hidden"><a href="http://casino.test/">链接</a></div>', "tiny box"),
        ('<div style="opacity:0;"><a href="http://casino.test/">链接</a></div>', "opacity"),
        ('<div hidden><a href="http://casino.test/">链接</a></div>', "hidden 属性"),
        (
            '<marquee height="1" width="1" scrollamount="3000"><a href="http://casino.test/">链接</a></marquee>',
            "marquee",
        ),
        (
            '<style>#lk{display:none}</style><div id="lk"><a href="http://casino.test/">链接</a></div>',
            "display:none",
        ),
        (
            '<style>.a1 .b2{position:absolute;top:-999px}</style><div class="a1"><p class="b2"><a href="http://casino.test/">链接</a></p></div>',
            "off-screen",
        ),
        (
            '<script>document.write(\'<div style="display:none"><a href="http://casino.test/">链接</a></div>\');</script>',
            "脚本写入",
        ),
    ],
)
def test_hidden_link_tricks(snippet, trick, baseline):
    html = inject(BASE, '<div id="footer">', snippet)
    found = find_hidden_links(html, URL)
    assert len(found) == 1 and found[0].kind == "hidden_link"
    assert found[0].evidence["links"][0]["href"] == "http://casino.test/"
    assert trick in " ".join(t for link in found[0].evidence["links"] for t in link["tricks"])
    assert "hidden_link" in kinds(check_page(html, URL, baseline, now=NOW))


def test_hidden_internal_menu_links_not_flagged():
    # the baseline has a display:none dropdown with links to the site's own pages
    assert find_hidden_links(BASE, URL) == []


def test_visible_external_link_not_hidden():
    html = inject(BASE, '<div id="footer">', '<a href="http://www.gov.cn/">中国政府网</a>')
    assert find_hidden_links(html, URL) == []


def test_gambling_words_injected(baseline):
    html = inject(BASE, '<div id="footer">', "<p>澳门葡京娱乐城，百家乐开户送彩金</p>")
    f = [x for x in check_page(html, URL, baseline, now=NOW) if x.kind == "bad_words"]
    assert f and f[0].severity == "high" and {"百家乐", "葡京"} <= set(f[0].evidence["words"])


def test_porn_words_in_meta_keywords(baseline):
    html = BASE.replace("<title>", '<meta name="keywords" content="成人视频,午夜福利"><title>')
    assert "bad_words" in kinds(check_page(html, URL, baseline, now=NOW))


def test_legit_lottery_context_is_low_and_explained():
    f = find_bad_words("<p>审计署公布彩票资金审计结果：福利彩票和体育彩票公益金使用规范</p>")
    assert len(f) == 1 and f[0].severity == "low" and "合法" in f[0].summary


def test_weak_word_alone_is_low():
    f = find_bad_words("<p>彩票站点布局调查</p>")
    assert f and f[0].severity == "low" and f[0].evidence["words"] == ["彩票"]


def test_words_already_in_baseline_not_reported_again():
    html = "<p>澳门赌场整治新闻：警方打击百家乐网络赌博</p>"
    base = baseline_fingerprint(html, URL)
    assert find_bad_words(html, base["words"]) == []
    assert kinds(find_bad_words(html)) == {"bad_words"}


def test_cloaking_spider_variant():
    spider = BASE.replace(
        "<title>中华人民共和国审计署</title>", "<title>澳门威尼斯人-百家乐</title>"
    ).replace(
        '<div class="main">',
        '<div class="main"><p>澳门威尼斯人赌场真人荷官百家乐老虎机六合彩投注开户送彩金</p>',
    )
    f = compare_variants(BASE, spider, BASE)
    assert [x.kind for x in f] == ["cloaking"]
    assert "百家乐" in f[0].evidence["new_words"]


def test_cloaking_referer_redirect():
    ref = inject(BASE, "</head>", '<script>window.location.href="http://www.bet.test/?from=baidu";</script>')
    f = compare_variants(BASE, BASE, ref)
    assert [x.kind for x in f] == ["cloaking_referer"] and f[0].evidence["redirects"] == [
        "http://www.bet.test/?from=baidu"
    ]


def test_identical_variants_no_cloaking():
    assert compare_variants(BASE, BASE.replace("123456", "123999"), BASE) == []


def test_stale_column():
    f = check_column_update("审计要闻", ["2024-05-01", date(2024, 4, 20)], now=NOW, max_days=14)
    assert len(f) == 1 and f[0].kind == "stale_column" and f[0].evidence["age_days"] == 55
    assert "审计要闻" in f[0].summary and f[0].severity == "high"


def test_fresh_column_ok_and_per_column_limits():
    assert check_column_update("审计要闻", ["2024年6月20日"], now=NOW, max_days=14) == []
    f = check_columns(
        {"审计要闻": ["2024-06-20"], "政策文件": ["2024-03-01"]},
        now=NOW,
        max_days_by_column={"政策文件": 180},
    )
    assert f == []
    f = check_columns({"政策文件": ["2023-10-01"]}, now=NOW, max_days_by_column={"政策文件": 180})
    assert [x.kind for x in f] == ["stale_column"]


def test_blank_column():
    assert [x.kind for x in check_blank_column("审计结果公告", [])] == ["blank_column"]
    assert [x.kind for x in check_blank_column("审计结果公告", ["  "])] == ["blank_column"]
    assert check_blank_column("审计结果公告", ["2024年第2号公告"]) == []
    assert [x.kind for x in check_columns({"空栏目": []}, now=NOW)] == ["blank_column"]


def test_column_dates_extraction():
    assert column_dates(BASE, "#yaowen li") == [date(2024, 6, 20), date(2024, 6, 18)]
    assert column_dates(BASE, "#nope li") == []


def test_broken_links():
    assert check_broken_links({"http://a/1": 200, "http://a/2": 301}) == []
    f = check_broken_links({"http://a/1": 200, "http://a/2": 404, "http://a/3": None}, page_url=URL)
    assert len(f) == 1 and f[0].severity == "medium" and len(f[0].evidence["links"]) == 2
    many = {f"http://a/{i}": 404 for i in range(6)}
    assert check_broken_links(many)[0].severity == "high"


def test_unparsable_snapshot_is_a_finding(baseline):
    f = check_page("", URL, baseline, now=NOW)
    assert f[0].kind == "blank_page" and f[0].evidence["checked_at"] == "2024-06-25T09:00:00"


def test_findings_sorted_by_severity(baseline):
    html = inject(BASE, "</head>", '<script src="http://js.bad.test/t.js"></script>')
    html = html.replace("访问量", "体育彩票销售点 访问量")
    f = check_page(html, URL, baseline, now=NOW)
    assert [x.severity for x in f] == sorted(
        (x.severity for x in f), key=lambda s: {"high": 0, "medium": 1, "low": 2}[s]
    )
    assert f[0].to_dict()["severity_label"] == "高"


def test_hidden_links_already_in_baseline_not_reported_again():
    menu = '<ul style="display:none"><li><a href="http://www.jiangsu.gov.cn/">江苏省政府</a></li></ul>'
    html = inject(BASE, '<div id="footer">', menu)
    base = baseline_fingerprint(html, URL)
    assert base["hidden_links"] == ["http://www.jiangsu.gov.cn/"]
    assert "hidden_link" not in kinds(check_page(html, URL, base, now=NOW))
    worse = inject(
        html, '<div id="footer">', '<div style="display:none"><a href="http://casino.test/">x</a></div>'
    )
    f = [x for x in check_page(worse, URL, base, now=NOW) if x.kind == "hidden_link"]
    assert [link["href"] for link in f[0].evidence["links"]] == ["http://casino.test/"]
