"""Publication time: parse the times written on Chinese news pages into aware Asia/Shanghai datetimes, and
find the one that dates an article (meta tags, JSON-LD, the dateline under the headline, htmldate, the URL).

Pure functions with a hand-written regex core (no dateparser: it is slow and guesses too freely on
Chinese text). `now` is always passed in, so relative forms ("3小时前", "昨天 10:20") are deterministic.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any

from analysis.numerals import read_chinese

logger = logging.getLogger(__name__)


def _shanghai() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Asia/Shanghai")
    except Exception:  # no tz database on this machine: China has had no DST since 1991
        return timezone(timedelta(hours=8), "Asia/Shanghai")


SHANGHAI = _shanghai()
# The one sanity rule for publication times, whatever the source kind (HTML page, RSS/Atom, Weibo, hot list,
# search result): none before MIN_YEAR (Chinese news sites, and the epoch-0 "1970" of a broken feed, are
# older than any real article), none later than FUTURE_SLACK after now (clock skew and date-only times in
# another timezone; "2099" is a template default).
MIN_YEAR = 1995
FUTURE_SLACK = timedelta(days=1)

_FW = str.maketrans("０１２３４５６７８９：／－．", "0123456789:/-.")

_TIME = r"(?:\s*(?:T|\s|日|,)?\s*(?P<H>[01]?\d|2[0-3])\s*[:：时]\s*(?P<M>[0-5]\d)(?:\s*[:：分]\s*(?P<S>[0-5]\d)(?:\.\d+)?)?)?"
_OFFSET = r"(?P<tz>Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("just_now", re.compile(r"刚刚|刚才")),
    (
        "ago",
        re.compile(
            r"(?P<n>\d{1,3}|[一二三四五六七八九十两半]{1,3})\s*(?:个)?\s*(?P<unit>秒|分钟|分|小时|天|日|周|星期)\s*(?:以)?前"
        ),
    ),
    (
        "relday",
        re.compile(
            r"(?P<day>今天|今日|昨天|昨日|前天)" + r"(?:\s*(?P<H>[01]?\d|2[0-3])\s*[:：时]\s*(?P<M>[0-5]\d))?"
        ),
    ),
    (
        "iso",
        re.compile(
            r"(?<!\d)(?P<Y>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)T(?P<H>[0-2]\d):(?P<M>[0-5]\d)"
            r"(?::(?P<S>[0-5]\d)(?:\.\d+)?)?\s*" + _OFFSET
        ),
    ),
    (
        "rfc822",
        re.compile(
            r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+)?\d{1,2}\s+"
            r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\s+\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?"
            r"(?:\s*(?:[+-]\d{4}|GMT|UT|UTC|[ECMP][SD]T|Z))?",
            re.I,
        ),
    ),
    (
        "cn_full",
        re.compile(
            r"(?<!\d)(?P<Y>(?:19|20)\d\d)\s*年\s*(?P<m>[01]?\d)\s*月\s*(?P<d>[0-3]?\d)\s*[日号]?" + _TIME
        ),
    ),
    (
        "num_full",
        re.compile(
            r"(?<![\d.])(?P<Y>(?:19|20)\d\d)(?P<sep>[-/.])(?P<m>[01]?\d)(?P=sep)(?P<d>[0-3]?\d)(?![\d])"
            + _TIME
        ),
    ),
    (
        "us",
        re.compile(
            r"(?<![\d/])(?P<m>[01]?\d)/(?P<d>[0-3]?\d)/(?P<Y>(?:19|20)\d\d)(?![\d/])"
            r"(?:\s+(?P<H>[01]?\d|2[0-3]):(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d))?(?:\s*(?P<ampm>[AaPp][Mm]))?)?"
        ),
    ),
    (
        "cn_md",
        re.compile(
            r"(?<![\d年])(?P<m>[01]?\d)\s*月\s*(?P<d>[0-3]?\d)\s*[日号]\s*(?P<H>[01]?\d|2[0-3])\s*[:：时]\s*(?P<M>[0-5]\d)"
        ),
    ),
    (
        "num_md",
        re.compile(
            r"(?<![\d\-/.])(?P<m>[01]?\d)-(?P<d>[0-3]?\d)\s+(?P<H>[01]?\d|2[0-3]):(?P<M>[0-5]\d)(?![\d])"
        ),
    ),
]


def _cn_number(text: str) -> float | None:
    """The number in "N分钟前": Arabic digits, a Chinese numeral (analysis.numerals), or 半 (half)."""
    if text.isdigit():
        return float(text)
    if text == "半":
        return 0.5
    n = read_chinese(text)
    return None if n is None else float(n)


def date_problem(dt: datetime, now: datetime) -> str | None:
    """Why `dt` cannot be a publication time seen at `now` ("date_future", "date_too_old"), or None.

    Both must be aware (a naive one is read as Asia/Shanghai). Every source kind applies this rule: the
    extractors use it to skip implausible candidates, the normaliser to drop an implausible date field."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=SHANGHAI)
    if dt.year < MIN_YEAR:
        return "date_too_old"
    if dt > _aware_now(now) + FUTURE_SLACK:
        return "date_future"
    return None


def _plausible(dt: datetime, now: datetime) -> bool:
    return date_problem(dt, now) is None


def _aware_now(now: datetime) -> datetime:
    if now.tzinfo is None:
        return now.replace(tzinfo=SHANGHAI)
    return now.astimezone(SHANGHAI)


def _build(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime | None:
    try:
        return datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)
    except ValueError:
        return None


def _from_match(kind: str, m: re.Match[str], now: datetime) -> datetime | None:
    g = m.groupdict()
    if kind == "just_now":
        return now
    if kind == "ago":
        n = _cn_number(g["n"])
        if n is None:
            return None
        unit = g["unit"]
        seconds = {"秒": 1, "分钟": 60, "分": 60, "小时": 3600, "天": 86400, "日": 86400}.get(unit, 7 * 86400)
        return now - timedelta(seconds=n * seconds)
    if kind == "relday":
        back = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}[g["day"]]
        day = now - timedelta(days=back)
        hh, mm = (int(g["H"]), int(g["M"])) if g.get("H") else (0, 0)
        return _build(day.year, day.month, day.day, hh, mm)
    if kind == "iso":
        try:
            iso = m.group(0).strip().replace("Z", "+00:00")
            dt = datetime.fromisoformat(iso)
        except ValueError:
            return None
        if dt.tzinfo is None:
            return dt.replace(tzinfo=SHANGHAI)
        return dt.astimezone(SHANGHAI)
    if kind == "rfc822":
        try:
            dt = parsedate_to_datetime(m.group(0))
        except (TypeError, ValueError, IndexError):
            return None
        if dt.tzinfo is None:
            return dt.replace(tzinfo=SHANGHAI)
        return dt.astimezone(SHANGHAI)
    hh = int(g["H"]) if g.get("H") else 0
    mi = int(g["M"]) if g.get("M") else 0
    ss = int(g["S"]) if g.get("S") else 0
    if kind == "us":
        if g.get("ampm") and g["ampm"].lower() == "pm" and hh < 12:
            hh += 12
        elif g.get("ampm") and g["ampm"].lower() == "am" and hh == 12:
            hh = 0
        return _build(int(g["Y"]), int(g["m"]), int(g["d"]), hh, mi, ss)
    if kind in ("cn_full", "num_full"):
        dt = _build(int(g["Y"]), int(g["m"]), int(g["d"]), hh, mi, ss)
        if dt is not None and g.get("tz"):
            off = g["tz"].replace(":", "")
            sign = 1 if off[0] == "+" else -1
            tz = timezone(sign * timedelta(hours=int(off[1:3]), minutes=int(off[3:5])))
            dt = dt.replace(tzinfo=tz).astimezone(SHANGHAI)
        return dt
    # month-day forms without a year: the most recent such day not in the future
    dt = _build(now.year, int(g["m"]), int(g["d"]), hh, mi)
    if dt is not None and dt > now + FUTURE_SLACK:
        dt = _build(now.year - 1, int(g["m"]), int(g["d"]), hh, mi)
    return dt


RELATIVE_KINDS = frozenset({"just_now", "ago", "relday", "cn_md", "num_md"})


def find_datetimes(text: str, now: datetime, *, relative: bool = True) -> list[tuple[int, datetime, str]]:
    """All plausible datetimes in `text` as (position, datetime, kind), sorted by position.

    Where two patterns overlap, the one starting first (then the longest) wins. With `relative=False`
    only forms that carry their own year are returned (for searching whole pages, where "昨日" or
    "刚刚" in running text would be misread as a publication time).
    """
    if not text:
        return []
    now = _aware_now(now)
    norm = text.translate(_FW)
    spans: list[tuple[int, int, str, re.Match[str]]] = []
    for kind, pattern in _PATTERNS:
        if not relative and kind in RELATIVE_KINDS:
            continue
        for m in pattern.finditer(norm):
            spans.append((m.start(), m.end(), kind, m))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out: list[tuple[int, datetime, str]] = []
    last_end = -1
    for start, end, kind, m in spans:
        if start < last_end:
            continue
        dt = _from_match(kind, m, now)
        if dt is None or not _plausible(dt, now):
            continue
        out.append((start, dt, kind))
        last_end = end
    return out


def parse_datetime(text: str, now: datetime) -> datetime | None:
    """The first plausible publication time written in `text`, aware in Asia/Shanghai, or None.

    Accepts Chinese (2018年05月16日 10:20), numeric (2018-05-16, 2018/5/16, 2018.05.16), month-day with a
    time (05-16 10:20, year taken from `now`), relative (3小时前, 昨天 10:20, 前天, 刚刚), ISO 8601 with an
    offset and RFC 822. Rejects times more than a day after `now` and years before 1995.
    """
    if not text or not isinstance(text, str):
        return None
    found = find_datetimes(text[:2000], now)
    return found[0][1] if found else None


_URL_DATE = [
    re.compile(r"(?<!\d)(?P<Y>(?:19|20)\d\d)[-/_]?(?P<m>[01]\d)[-/_]?/?(?P<d>[0-3]\d)(?!\d)"),
    re.compile(r"/(?P<Y>(?:19|20)\d\d)[-/_](?P<m>[01]?\d)[-/_](?P<d>[0-3]?\d)/"),
    re.compile(r"/(?P<Y>(?:19|20)\d\d)(?P<m>[01]\d)/(?P<d>[0-3]\d)/"),
]


def date_from_url(url: str, now: datetime) -> datetime | None:
    """A publication day encoded in a URL path (/2018-05/16/, /20180516/, /2018/05/16/), or None."""
    if not url:
        return None
    now = _aware_now(now)
    path = re.sub(r"^[a-z]+://[^/]+", "", url, flags=re.I)
    for pattern in _URL_DATE:
        for m in pattern.finditer(path):
            dt = _build(int(m["Y"]), int(m["m"]), int(m["d"]))
            if dt is not None and _plausible(dt, now):
                return dt
    return None


# ---------------------------------------------------------------------------------------------------------
# the publication time of a page

_DATE_META = (
    "article:published_time", "og:article:published_time", "og:published_time", "pubdate", "publishdate",
    "publish_date", "publishtime", "publish-date", "published_time", "article.published", "sailthru.date",
    "dc.date.issued", "dc.date", "dcterms.created", "dcterms.date", "datepublished", "date", "weibo:article:create_at",
    "firstpublishedtime", "releasedate", "contentpublishtime", "ptime", "created",
)  # fmt: skip
_DATE_LABEL = re.compile(
    r"(?:发布|发表|更新|出版|录入|添加|上传|提交|刊发|稿件)\s*(?:时间|日期)\s*[：:]?|(?:时间|日期)\s*[：:]|发布于|发表于|由\S{1,12}于|published|posted",
    re.I,
)
_COPYRIGHT = re.compile(r"copyright|版权所有|©|ICP", re.I)


def find_published(
    html: str,
    url: str,
    meta: dict[str, str],
    ld: list[dict[str, Any]],
    page_text: str,
    head: tuple[int, int],
    body: str,
    now: datetime,
) -> datetime | None:
    """When the article was published: meta tags, then JSON-LD, then the visible dateline (htmldate when
    that is weak), then a date in the URL."""
    published = None
    for key in _DATE_META:
        if key in meta:
            published = parse_datetime(meta[key], now)
            if published:
                break
    if published is None:
        for item in ld:
            for key in ("datePublished", "dateCreated", "uploadDate"):
                if isinstance(item.get(key), str):
                    published = parse_datetime(item[key], now)
                    if published:
                        break
            if published:
                break
    if published is None:
        published, strong = _visible_date(page_text, head, body, now)
        if not strong:
            published = _htmldate(html, url, now) or published
    if published is None:
        published = date_from_url(url, now)
    return published


def _on_short_line(text: str, pos: int, limit: int = 50) -> bool:
    """Relative times ("3小时前", "昨天 10:20") count only on a short metadata line, not in running text."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return (end if end >= 0 else len(text)) - start <= limit


def _relative_dateline(text: str, found: tuple[int, datetime, str]) -> bool:
    """A relative time ("3小时前", "昨天 10:20") dates the page only on a short metadata line; a bare
    "今天" / "昨天" without a clock time does so only after a date label ("发布时间：昨天"), since in a
    headline ("今天晚上…") it is running text."""
    pos, dt, kind = found
    if not _on_short_line(text, pos):
        return False
    if kind == "relday" and not (dt.hour or dt.minute):
        return bool(_DATE_LABEL.search(text[max(0, pos - 14) : pos]))
    return True


def _visible_date(
    page_text: str, head: tuple[int, int], body: str, now: datetime
) -> tuple[datetime | None, bool]:
    """(date, strong): a date between the headline and the body, or a labelled one, or the last one just
    before the body is strong; the first one in or after the body, or anywhere, is weak."""
    if not page_text:
        return None, False
    h_start, h_end = head
    found = [
        (pos, dt, kind)
        for pos, dt, kind in find_datetimes(page_text, now)
        if not _COPYRIGHT.search(page_text[max(0, pos - 40) : pos])
    ]
    if h_start >= 0:
        near = [f for f in found if h_start <= f[0] < h_end]
        near = [f for f in near if f[2] not in RELATIVE_KINDS or _relative_dateline(page_text, f)]
        if near:
            timed = [f for f in near if f[1].hour or f[1].minute or f[1].second]
            return (timed or near)[0][1], True
    absolute = [f for f in found if f[2] not in RELATIVE_KINDS]
    labelled = [f for f in absolute if _DATE_LABEL.search(page_text[max(0, f[0] - 14) : f[0]])]
    if labelled:
        return labelled[0][1], True
    body_start = page_text.find(body[:30]) if body else -1
    if body_start > 0:
        before = [f for f in absolute if max(0, body_start - 600) <= f[0] < body_start]
        if before:
            return before[-1][1], True
        after = [f for f in absolute if body_start <= f[0] <= body_start + len(body) + 300]
        if after:
            return after[0][1], False
    return (absolute[0][1] if absolute else None), False


def _htmldate(html: str, url: str, now: datetime) -> datetime | None:
    """htmldate's guess (scripts, archive markers, the latest plausible date): a last resort."""
    try:
        from htmldate import find_date

        found = find_date(
            html, url=url or None, original_date=True, extensive_search=True, outputformat="%Y-%m-%d"
        )
    except Exception:  # htmldate is optional and raises on odd trees
        logger.debug("htmldate failed", exc_info=True)
        return None
    if not found:
        return None
    if found.endswith("-01-01") and not re.search(r"(?<!\d)0?1\s*月\s*0?1\s*日|-01-01|/01/01|\.01\.01", html):
        return None  # htmldate pads a bare year ("2026年工作会") to 1 January: that is no publication date
    return parse_datetime(found, now)
