"""Tests for crawler.extract.extract_article: article extraction on fixture pages, junk input, real pages.

Decoding and date parsing have their own files (test_crawler_extract_encoding.py, _dates.py)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from bench.extraction import char_f1, truth_day
from crawler.extract import MAX_HTML_CHARS, decode_html, extract_article
from crawler.extract.dates import SHANGHAI

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


@pytest.mark.slow
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
