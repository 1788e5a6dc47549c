"""Chinese numerals, read and written: the one place that knows 一二三, 十百千万亿, 两 and 零.

- `read_chinese`: a numeral in Chinese characters to an int (十五 → 15, 一百零八 → 108, 两千 → 2000,
  一亿二千万 → 120000000; a digit after a unit counts in the next lower unit, as spoken: 一万二 → 12000).
- `parse_count`: a count as news text writes it, Arabic or Chinese, vague amounts read as lower bounds
  (十几 → 11, 数十 → 20, 近百 → 90, 20多 → 20): casualty counts in analysis.opinion.response.
- `parse_decimal`: a decimal in Arabic or Chinese (5.9, 五点五): earthquake magnitudes.
- `parse_engagement`: an engagement or hot count as pages and APIs give it (1234, "1.2万", "30亿", "10w+"; malformed → None).
- `write_chinese`: an int in Chinese characters (the demo corpus numbers its list items with it).

Pure functions, no tables to load. Relative times (三天前, 半小时前) are read in crawler.extract.dates
with `read_chinese`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
SMALL_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
LARGE_UNITS: dict[str, int] = {"万": 10_000, "亿": 100_000_000}
APPROX_PREFIXES = ("上", "近", "逾", "约", "超")  # 上百, 近百, 逾千, 约三十, 超(过)百
APPROX_SUFFIXES = "余多来"  # 百余, 20多, 十来
VAGUE_DIGITS = "几数"  # 几十, 数百, 十几


def read_chinese(text: str, *, ranges: bool = False, elide: bool = True) -> int | None:
    """The integer a numeral in Chinese characters writes, or None when `text` is empty or holds another
    character (Arabic digits included).

    `ranges`: two digits side by side are an approximate range (七八 "seven or eight", 三四十 "thirty or
    forty") and read as the later one (8, 40); without it they make the text no numeral (None), except
    after a zero (一百零八).  `elide`: a final digit right after a unit counts in the next lower unit, as
    in speech (一万二 → 12000, 三百五 → 350); without it the digit is read as ones (一万二 → 10002)."""
    if not text:
        return None
    total, section, num = 0, 0, None
    prev = ""
    for ch in text:
        if ch in DIGITS:
            if not ranges and prev in DIGITS and DIGITS[prev] != 0:
                return None
            num = DIGITS[ch]
        elif ch in SMALL_UNITS:
            section += (1 if num is None else num) * SMALL_UNITS[ch]
            num = None
        elif ch == "万":
            section += num or 0
            total += (section or 1) * 10_000
            section, num = 0, None
        elif ch == "亿":
            total = (total + section + (num or 0) or 1) * 100_000_000
            section, num = 0, None
        else:
            return None
        prev = ch
    if elide and num is not None and len(text) >= 2:
        unit = SMALL_UNITS.get(text[-2]) or LARGE_UNITS.get(text[-2])
        if unit:
            num *= unit // 10
    return total + section + (num or 0)


def parse_count(token: str) -> int | None:
    """Parse a count written in Arabic or Chinese numerals, reading vague amounts as lower bounds.

    "6" → 6, "二十三" → 23, "十几" → 11, "数十" → 20, "百余" → 100, "上百" → 100, "近百" → 90, "20多" → 20,
    "七八" → 8. Returns None when the token holds no number.
    """
    s = unicodedata.normalize("NFKC", token).strip()
    near = s.startswith("近")
    while s and s[0] in APPROX_PREFIXES:
        s = s[1:]
    s = s.rstrip(APPROX_SUFFIXES)
    if not s:
        return None
    if s.isdigit():
        value = int(s)
        return value * 9 // 10 if near and value >= 10 else value
    # 几/数 before a unit is "a few" (几十 → 20); after a unit it is "and some" (十几 → 11).
    chars = list(s)
    for i, ch in enumerate(chars):
        if ch in VAGUE_DIGITS:
            chars[i] = "二" if i + 1 < len(chars) and chars[i + 1] in "十百千万" else "一"
    value = read_chinese("".join(chars), ranges=True, elide=False)
    if value is None:
        return None
    if near and value >= 10:
        value = value * 9 // 10
    return value


def parse_decimal(token: str) -> float | None:
    """Parse a decimal written in Arabic or Chinese numerals: "5.9", "5．9", "五点五", "7" → float."""
    s = unicodedata.normalize("NFKC", token).strip()
    try:
        return float(s)
    except ValueError:
        pass
    whole, _, frac = s.partition("点")
    w = parse_count(whole)
    if w is None:
        return None
    digits = [DIGITS.get(ch) for ch in frac]
    if any(d is None for d in digits):
        return None
    return float(f"{w}.{''.join(str(d) for d in digits) or '0'}")


_ENGAGEMENT = re.compile(r"^([0-9]+(?:\.[0-9]+)?)\s*(万|亿|千|百万|千万|w|k|m)?\+?$", re.IGNORECASE)
_ENGAGEMENT_UNITS = {None: 1, "千": 1_000, "k": 1_000, "万": 10_000, "w": 10_000, "百万": 1_000_000, "m": 1_000_000,
                     "千万": 10_000_000, "亿": 100_000_000}  # fmt: skip


def parse_engagement(value: Any) -> int | None:
    """An engagement or hot count from what a page or API gave: int, finite float, "1,234", "1.2万", "30亿",
    "10w+". Missing (None, "", "-") is 0; malformed ("1.2.3", inf, NaN, "abc") is None."""
    if value is None or isinstance(value, bool):
        return 0 if value is None else None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else None
    s = str(value).strip().replace(",", "").replace("，", "").replace(" ", "")
    if s in ("", "-", "--"):
        return 0
    m = _ENGAGEMENT.match(s)
    if not m:
        return None
    try:
        n = Decimal(m.group(1)) * _ENGAGEMENT_UNITS[m.group(2).lower() if m.group(2) else None]
    except (InvalidOperation, KeyError):
        return None
    return int(n)


_WRITE_DIGITS = "零一二三四五六七八九"


def _write_section(n: int) -> str:
    """1..9999 in characters, 零 for skipped places (一千零五), 十 alone for 10..19 only at the top."""
    out, zero = "", False
    for unit, char in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // unit % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _WRITE_DIGITS[d] + char
    return out


def write_chinese(n: int) -> str:
    """`n` (0 <= n < 10**12) in Chinese characters: 0 → 零, 15 → 十五, 20 → 二十, 108 → 一百零八,
    12000 → 一万二千, 100000005 → 一亿零五."""
    if not 0 <= n < 10**12:
        raise ValueError(f"write_chinese takes 0 <= n < 10**12, not {n}")
    if n == 0:
        return "零"
    parts = [(n // 100_000_000, "亿"), (n // 10_000 % 10_000, "万"), (n % 10_000, "")]
    out, gap = "", False
    for value, unit in parts:
        if value == 0:
            gap = bool(out)
            continue
        if out and (gap or value < 1000):
            out += "零"  # a gap inside the number: 一万零五, 一亿零一千
        out += _write_section(value) + unit
        gap = False
    return out[1:] if out.startswith("一十") else out  # 十五, 十万: not 一十五, 一十万
