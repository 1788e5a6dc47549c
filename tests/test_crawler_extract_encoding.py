"""Tests for crawler.extract.encoding: page bytes to text whatever the headers or meta claim."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extract import decode_html, decode_html_detailed

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"


def test_decode_gbk_page_whose_meta_says_gb2312_uses_gb18030():
    raw = (PAGES / "sina" / "gbk_meta_gb2312.html").read_bytes()
    text, encoding, path = decode_html_detailed(raw)
    assert (encoding, path) == ("gb18030", "meta")
    assert "朱镕基" in text  # 镕 is in GBK but not in GB2312


def test_decode_meta_utf8_but_bytes_gbk():
    raw = (PAGES / "local" / "meta_utf8_bytes_gbk.html").read_bytes()
    text, encoding = decode_html(raw)
    assert encoding == "gb18030" and "市审计局通报部门预算执行审计情况" in text


def test_decode_meta_gb2312_but_bytes_utf8():
    raw = (PAGES / "audit_gov" / "announcement_meta_gb2312_bytes_utf8.html").read_bytes()
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
