"""Chinese numerals (analysis.numerals): read, counted, decimal, amounts, written."""

from __future__ import annotations

import pytest

from analysis.numerals import parse_count, parse_decimal, parse_engagement, read_chinese, write_chinese


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("十", 10),
        ("十五", 15),
        ("二十", 20),
        ("一百零八", 108),
        ("两千", 2000),
        ("三万", 30000),
        ("一万二", 12000),
        ("三百五", 350),
        ("一万零五", 10005),
        ("一亿二千万", 120_000_000),
        ("三千亿", 300_000_000_000),
        ("〇", 0),
    ],
)
def test_read_chinese_reads_numerals(text, value):
    assert read_chinese(text) == value


def test_read_chinese_options_and_non_numerals():
    assert read_chinese("一万二", elide=False) == 10002
    assert read_chinese("三四十") is None and read_chinese("三四十", ranges=True) == 40
    assert read_chinese("七八", ranges=True) == 8
    for text in ("", "12", "十几", "五点五", "半"):
        assert read_chinese(text) is None


@pytest.mark.parametrize(
    ("token", "value"),
    [
        ("6", 6),
        ("１０１", 101),
        ("二十三", 23),
        ("十几", 11),
        ("数十", 20),
        ("百余", 100),
        ("上百", 100),
        ("两千", 2000),
        ("一百零五", 105),
        ("20多", 20),
        ("三万", 30000),
        ("近百", 90),
        ("七八", 8),
        ("一万二", 10002),  # counts read a final digit as ones, as they always have
        ("人", None),
    ],
)
def test_parse_count_reads_arabic_and_chinese_numerals(token, value):
    assert parse_count(token) == value


@pytest.mark.parametrize(
    ("token", "value"),
    [("5.9", 5.9), ("5．9", 5.9), ("五点五", 5.5), ("七", 7.0), ("七点", 7.0), ("大", None)],
)
def test_parse_decimal_reads_arabic_and_chinese_decimals(token, value):
    assert parse_decimal(token) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("3.5万", 35_000), ("30亿", 3_000_000_000), ("1.2亿", 120_000_000), ("128", 128), ("100万+", 1_000_000)],
)
def test_parse_engagement_reads_figures_with_wan_and_yi(text, value):
    assert parse_engagement(text) == value


def test_parse_engagement_missing_is_zero_and_malformed_is_none():
    assert parse_engagement("") == 0 and parse_engagement(None) == 0
    assert parse_engagement("万") is None and parse_engagement("1.2.3") is None
    assert parse_engagement(float("inf")) is None and parse_engagement("0.57万") == 5700


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "零"), (7, "七"), (10, "十"), (15, "十五"), (20, "二十"), (108, "一百零八"), (110, "一百一十"),
     (1005, "一千零五"), (12000, "一万二千"), (100_000, "十万"), (100_001_000, "一亿零一千")],
)  # fmt: skip
def test_write_chinese_writes_standard_numerals(n, text):
    assert write_chinese(n) == text


def test_write_chinese_round_trips_through_read_chinese():
    for n in [*range(0, 3000), 10_005, 99_999, 100_010, 12_345_678, 900_000_009, 10**12 - 1]:
        assert read_chinese(write_chinese(n)) == n
    with pytest.raises(ValueError):
        write_chinese(-1)
