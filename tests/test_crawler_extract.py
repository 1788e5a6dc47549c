"""Tests for crawler.extract / crawler.dates: decoding, date parsing, article extraction on fixture pages."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from bench.extraction import char_f1, truth_day
from crawler.dates import SHANGHAI, date_from_url, parse_datetime
from crawler.extract import MAX_HTML_CHARS, decode_html, decode_html_detailed, extract_article

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
CASES = sorted(p.with_name(p.name.replace(".expected.json", "")) for p in PAGES.rglob("*.expected.json"))
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=SHANGHAI)


def _load(case: Path) -> tuple[bytes, dict]:
    expected = json.loads(case.with_name(case.name + ".expected.json").read_text(encoding="utf-8"))
    return case.with_name(case.name + ".html").read_bytes(), expected


def test_fixture_pages_are_present():
    assert len(CASES) >= 7


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(PAGES)) for c in CASES])
def test_fixture_page_extracts_expected_fields(case: Path):
    raw, expected = _load(case)
    text, encoding = decode_html(raw)
    assert encoding == expected["encoding"]
    now = datetime.fromisoformat(expected["now"]) if "now" in expected else NOW
    out = extract_article(text, expected["url"], now=now)
    assert out["title"] == expected["title"]
    got_time = out["published_at"].isoformat() if out["published_at"] else None
    assert got_time == expected["published_at"]
    assert out["author"] == expected["author"]
    assert out["media"] == expected["media"]
    for snippet in expected["body_contains"]:
        assert snippet in out["body"]
    for snippet in expected["body_excludes"]:
        assert snippet not in out["body"]
    assert out["lang"] == "zh"
    assert out["extractor"] in ("density", "trafilatura")


# --- decoding -------------------------------------------------------------------------------------------


def test_decode_gbk_page_whose_meta_says_gb2312_uses_gb18030():
    raw, _ = _load(PAGES / "sina" / "gbk_meta_gb2312")
    text, encoding, path = decode_html_detailed(raw)
    assert (encoding, path) == ("gb18030", "meta")
    assert "朱镕基" in text  # 镕 is in GBK but not in GB2312


def test_decode_meta_utf8_but_bytes_gbk():
    raw, _ = _load(PAGES / "local" / "meta_utf8_bytes_gbk")
    text, encoding = decode_html(raw)
    assert encoding == "gb18030" and "市审计局通报部门预算执行审计情况" in text


def test_decode_meta_gb2312_but_bytes_utf8():
    raw, _ = _load(PAGES / "audit_gov" / "announcement_meta_gb2312_bytes_utf8")
    text, encoding = decode_html(raw, declared="gb2312")
    assert encoding == "utf-8" and "审计署办公厅" in text


@pytest.mark.parametrize(
    "raw, expected_encoding",
    [
        (b"\xef\xbb\xbf<p>\xe5\xae\xa1\xe8\xae\xa1</p>", "utf-8"),
        (b"\xff\xfe" + "<p>审计</p>".encode("utf-16-le"), "utf-16-le"),
    ],
)
def test_decode_strips_bom(raw: bytes, expected_encoding: str):
    text, encoding = decode_html(raw)
    assert encoding == expected_encoding and text == "<p>审计</p>"


def test_decode_http_header_charset_wins_over_missing_meta():
    raw = "<html><body><p>审计署公布2018年第3号审计结果公告，涉及资金情况。</p></body></html>".encode("gbk")
    text, encoding, path = decode_html_detailed(raw, declared="GBK")
    assert (encoding, path) == ("gb18030", "declared") and "审计结果公告" in text


def test_decode_tolerates_a_stray_bad_byte():
    good = "<meta charset=gbk><p>" + "审计整改工作推进会召开。" * 200 + "</p>"
    raw = good.encode("gbk") + b"\x81"  # a truncated double-byte character at the end
    text, encoding, path = decode_html_detailed(raw)
    assert encoding == "gb18030" and path == "meta-lenient" and text.count("审计整改") == 200


def test_decode_empty_bytes():
    assert decode_html(b"") == ("", "utf-8")


# --- dates ----------------------------------------------------------------------------------------------

DNOW = datetime(2024, 3, 10, 12, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2018年05月16日 10:20", "2018-05-16T10:20:00+08:00"),
        ("2018年5月6日", "2018-05-06T00:00:00+08:00"),
        ("发布时间：2018-05-16", "2018-05-16T00:00:00+08:00"),
        ("2018-05-16 10:20:30", "2018-05-16T10:20:30+08:00"),
        ("2018/5/16", "2018-05-16T00:00:00+08:00"),
        ("2018.05.16", "2018-05-16T00:00:00+08:00"),
        ("05-16 10:20", "2023-05-16T10:20:00+08:00"),  # no year: the latest such day not in the future
        ("03-09 10:20", "2024-03-09T10:20:00+08:00"),
        ("3小时前", "2024-03-10T09:00:00+08:00"),
        ("10分钟前", "2024-03-10T11:50:00+08:00"),
        ("昨天 10:20", "2024-03-09T10:20:00+08:00"),
        ("前天", "2024-03-08T00:00:00+08:00"),
        ("刚刚", "2024-03-10T12:00:00+08:00"),
        ("2018-05-16T02:20:00Z", "2018-05-16T10:20:00+08:00"),
        ("2018-05-16T10:20:00+02:00", "2018-05-16T16:20:00+08:00"),
        ("Wed, 16 May 2018 02:20:00 GMT", "2018-05-16T10:20:00+08:00"),
        ("Wed, 16 May 2018 10:20:00 +0800", "2018-05-16T10:20:00+08:00"),
        ("发布日期： 9/17/2004 5:54:13 PM", "2004-09-17T17:54:13+08:00"),
        ("２０１８年５月６日", "2018-05-06T00:00:00+08:00"),
    ],
)
def test_parse_datetime_formats(text: str, expected: str):
    got = parse_datetime(text, DNOW)
    assert got is not None and got.isoformat() == expected
    assert got.utcoffset().total_seconds() == 8 * 3600


@pytest.mark.parametrize(
    "text", ["2030-01-01", "1990-05-16", "2024-03-12 10:00", "没有日期", "", "2018-13-45"]
)
def test_parse_datetime_rejects_implausible_or_missing(text: str):
    assert parse_datetime(text, DNOW) is None


def test_parse_datetime_accepts_naive_now():
    assert parse_datetime("1小时前", datetime(2024, 3, 10, 12, 0)).isoformat() == "2024-03-10T11:00:00+08:00"


@pytest.mark.parametrize(
    "url, day",
    [
        ("http://politics.people.com.cn/n1/2018/0516/c1001-29993423.html", "2018-05-16"),
        ("http://www.xinhuanet.com/politics/2018-05/16/c_1122840000.htm", "2018-05-16"),
        ("http://news.example.cn/a/20180516/123.html", "2018-05-16"),
        ("http://example.cn/2018/05/16/slug", "2018-05-16"),
    ],
)
def test_date_from_url(url: str, day: str):
    got = date_from_url(url, DNOW)
    assert got is not None and got.date().isoformat() == day


def test_date_from_url_without_date():
    assert date_from_url("http://www.audit.gov.cn/n5/index.html", DNOW) is None


# --- robustness -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html", ["", "   ", "<html>", "<<<>>>", "\x00\x00", "<?xml version='1.0' encoding='gbk'?><p>审计</p>"]
)
def test_extract_never_raises_on_junk(html: str):
    out = extract_article(html, "http://x.test/", now=NOW)
    assert set(out) >= {"title", "published_at", "author", "media", "body", "lang", "extractor", "problems"}
    assert isinstance(out["body"], str) and isinstance(out["problems"], list)


def test_extract_empty_page_reports_problem():
    out = extract_article("", "", now=NOW)
    assert out["problems"] == ["empty"] and out["body"] == "" and out["extractor"] == "none"


def test_extract_huge_page_is_skipped_with_reason():
    html = "<html><body>" + "<p>审计。</p>" * (MAX_HTML_CHARS // 9 + 10) + "</body></html>"
    out = extract_article(html, "http://x.test/", now=NOW)
    assert out["problems"] == ["too_large"] and out["body"] == ""


def test_extract_page_without_date_reports_no_date():
    raw, expected = _load(PAGES / "blog" / "no_date")
    out = extract_article(decode_html(raw)[0], expected["url"], now=NOW)
    assert out["published_at"] is None and "no_date" in out["problems"]


def test_title_strips_site_suffix_without_heading():
    html = "<html><head><title>审计署发布2023年度审计工作报告_新浪新闻</title></head><body><p>正文。</p></body></html>"
    assert extract_article(html, "", now=NOW)["title"] == "审计署发布2023年度审计工作报告"


def test_published_time_from_json_ld():
    html = (
        '<html><head><script type="application/ld+json">{"@type":"NewsArticle","datePublished":'
        '"2021-04-01T02:00:00Z","author":{"@type":"Person","name":"王磊"}}</script></head>'
        "<body><h1>标题</h1><p>审计发现问题，已经整改到位，相关责任人被问责。</p></body></html>"
    )
    out = extract_article(html, "", now=NOW)
    assert out["published_at"].isoformat() == "2021-04-01T10:00:00+08:00"


def test_char_f1_is_bag_of_characters():
    assert char_f1("审计 署", "审计署") == 1.0
    assert char_f1("", "审计") == 0.0
    assert round(char_f1("审计", "审计署公告"), 3) == round(2 * 1.0 * 0.4 / 1.4, 3)


def test_truth_day_ignores_partial_or_unknown_dates():
    assert (
        truth_day("UNKNOWN", NOW) is None
        and truth_day("1998-3", NOW) is None
        and truth_day("2018", NOW) is None
    )
    assert truth_day("2005-5-7 21:23:57", NOW).date().isoformat() == "2005-05-07"


# --- conformance on real pages --------------------------------------------------------------------------


@pytest.mark.requires_shared_data
def test_cwced_conformance_floor(shared_data: Path):
    from bench.extraction import date_ok

    manifest = shared_data / "news_html" / "manifest.jsonl"
    rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r["set"] == "cwced" and r["gt_type"] == "human"]
    assert len(rows) >= 20
    f1s, dates = [], []
    for row in rows:
        html, _ = decode_html((manifest.parent / row["file"]).read_bytes())
        out = extract_article(html, row.get("url") or "", now=NOW)
        f1s.append(char_f1(out["body"], row["gt"]["content"]))
        day = truth_day(row["gt"].get("publish_time"), NOW)
        if day is not None:
            dates.append(date_ok(out["published_at"], day, NOW))
    assert sum(f1s) / len(f1s) >= 0.85
    assert sum(dates) / len(dates) >= 0.85


def test_author_stops_at_font_size_widget_on_trs_pages():
    """TRS government sites put 【字体：大 中 小】 right after the author; it is not part of the name."""
    html = (
        "<html><head><meta charset='utf-8'><title>临沂市审计局召开审计整改推进会</title></head><body>"
        "<h1>临沂市审计局召开审计整改推进会</h1><div>发布时间：2026-11-20 作者：潘浩然　　【字体：大 中 小】</div>"
        "<div class='content'><p>"
        + "会议要求各单位切实抓好审计整改工作，确保问题整改到位。" * 4
        + "</p></div></body></html>"
    )
    assert extract_article(html, "http://x.cn/a.html", now=NOW)["author"] == "潘浩然"


def test_bare_year_in_title_is_not_a_publication_date():
    html = (
        "<html><head><meta charset='utf-8'><title>召开2026年审计整改工作推进会</title></head><body>"
        "<h1>召开2026年审计整改工作推进会</h1><div class='content'><p>"
        + "会议要求各单位切实抓好审计整改工作，确保问题整改到位。" * 4
        + "</p></div></body></html>"
    )
    assert extract_article(html, "http://x.cn/zwgk/content_1.html", now=NOW)["published_at"] is None
