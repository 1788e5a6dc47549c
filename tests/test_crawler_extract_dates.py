"""Tests for crawler.extract.dates: time strings and URLs to aware Asia/Shanghai datetimes."""

from __future__ import annotations

from datetime import datetime

import pytest

from crawler.extract.dates import SHANGHAI, date_from_url, parse_datetime

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
