"""The 信息检索 page's door to the store: a page of full-text hits as escaped, highlighted HTML, the total, event
choices, and the links other pages use to open the search filtered to the documents behind a number.

A search is an `jobs.exports.ExportRequest` of kind documents (its `query` and filters), so the page, its
total and its CSV / Excel / Parquet export cover exactly the same documents (store.exports).
Crawled text is escaped (html.escape) piece by piece before any markup is added; the only live links are
the documents' own http(s) URLs (the 原文 the user asked to open).
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from config.vocabulary import LEVEL_LABELS, SENTIMENT_LABELS, TARGET_LABELS, UNKNOWN_LEVEL
from dashboard.data import engine, fmt_time, safe_link
from dashboard.links import display_url
from jobs import exports as job
from store import search as q
from store.fulltext import Snippet, query_terms, snippet

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
COUNT_CAP = 10_000  # hits counted exactly up to this many; beyond, the page says "more than" (store.search.count_hits)
SNIPPET_CHARS = 140
PAGE_PATH = "search"  # the page's URL path (views/search.py)
# URL query parameters the page reads (links from other pages): name -> ExportRequest field
# (`id`: documents by id; `n`: only the count a link shows, ignored by the page)
LINK_PARAMS = ("q", "event", "level", "sentiment", "target", "source", "plan", "region", "from", "to", "id")
MAX_LINK_IDS = 200  # beyond this a link names the documents by their filters instead of their ids

STYLE = (
    "<style>.yq-hit{margin:0 0 1rem 0}.yq-title{font-size:1.05rem;font-weight:600}"
    ".yq-meta{color:#666;font-size:.85rem;margin:.1rem 0}.yq-snippet{font-size:.92rem;line-height:1.5}"
    ".yq-hit mark{background:#ffe58f;padding:0 1px}</style>"
)


def marked_html(s: Snippet) -> str:
    """A snippet as HTML: every part escaped, matches wrapped in <mark>."""
    pieces = [f"<mark>{html.escape(p)}</mark>" if hit else html.escape(p) for p, hit in zip(s.parts, s.hits, strict=True)]
    return ("…" if s.before else "") + "".join(pieces) + ("…" if s.after else "")


def _region(r: dict[str, Any]) -> str:
    named = "".join(x for x in (r.get("region_province"), r.get("region_city"), r.get("region_county")) if x)
    return named or (r.get("region") or "")


def hit_html(r: dict[str, Any], terms: tuple[str, ...], tz_name: str) -> str:
    """One hit: highlighted title (a link to the original when it is http(s)), facts, highlighted snippet."""
    title = r.get("title") or "（无标题）"
    title_html = marked_html(snippet(title, terms, width=max(len(title), 1)))
    url = display_url(safe_link(r.get("url")))
    if url:
        title_html = (f'<a href="{html.escape(url, quote=True)}" target="_blank" '
                      f'rel="noopener noreferrer nofollow">{title_html}</a>')  # fmt: skip
    when = fmt_time(r.get("published_at") or r.get("first_seen_at"), tz_name)
    level = LEVEL_LABELS.get(r.get("level") or "", UNKNOWN_LEVEL)
    senti = SENTIMENT_LABELS.get(r.get("sentiment_label") or "none", SENTIMENT_LABELS["none"])
    facts = [when, r.get("source") or "", level, senti]
    if r.get("target"):
        facts.append(TARGET_LABELS.get(r["target"], r["target"]))
    if _region(r):
        facts.append(_region(r))
    if r.get("event_id") is not None:
        facts.append(f"事件 {int(r['event_id'])}")
    meta = " · ".join(html.escape(str(f)) for f in facts if f)
    body = marked_html(snippet(r.get("body") or "", terms, width=SNIPPET_CHARS))
    return (f'<div class="yq-hit"><div class="yq-title">{title_html}</div><div class="yq-meta">{meta}</div>'
            f'<div class="yq-snippet">{body}</div></div>')  # fmt: skip


@dataclass(frozen=True)
class SearchPage:
    total: int  # COUNT_CAP + 1 when there are more than COUNT_CAP (`capped`)
    ids: tuple[int, ...]  # the hits on this page, in order
    html: str  # the hits, escaped and highlighted ('' when none)
    capped: bool = False  # more than COUNT_CAP hits: `total` is a lower bound


@st.cache_data(ttl=60, show_spinner=False)
def search(db_url: str, tz_name: str, request: job.ExportRequest, page: int = 1,
           page_size: int = PAGE_SIZE) -> SearchPage:  # fmt: skip
    """Hits of `request` (its query and filters) on page `page` (1-based), newest first, and the total."""
    flt = request.filter(tz_name)
    with engine(db_url).connect() as conn:
        total = q.count_hits(conn, flt, cap=COUNT_CAP)
        rows = q.search_page(conn, flt, limit=page_size, offset=(max(1, page) - 1) * page_size)
    terms = query_terms(request.query)
    body = "".join(hit_html(r, terms, tz_name) for r in rows)
    return SearchPage(total=total, ids=tuple(int(r["id"]) for r in rows), html=STYLE + body if rows else "",
                      capped=total > COUNT_CAP)  # fmt: skip


@st.cache_data(ttl=60, show_spinner=False)
def event_choices(db_url: str, ids: tuple[int, ...] = ()) -> dict[int, str]:
    """Event id -> title for the 事件 filter: recent events and the ones already picked."""
    with engine(db_url).connect() as conn:
        return dict(q.event_choices(conn, ids))


def search_link(**filters: Any) -> str:
    """A relative link that opens 信息检索 filtered to some documents, e.g. search_link(event=3,
    level="central"); values may be lists (repeated parameters); `all_time=True` lifts the date range."""
    params: list[tuple[str, str]] = []
    for name, value in filters.items():
        if value is None or value == "" or value == ():
            continue
        key = "all" if name == "all_time" else name
        if key not in LINK_PARAMS and key not in ("all", "n"):
            raise ValueError(f"unknown search link parameter {name}")
        values = value if isinstance(value, list | tuple) else [value]
        params += [(key, "1" if v is True else str(v)) for v in values]
    return f"{PAGE_PATH}?{urlencode(params)}" if params else PAGE_PATH


def documents_link(ids: list[int] | tuple[int, ...], **fallback: Any) -> str:
    """A link to exactly the documents `ids` (all dates), showing their count (`n`); when there are more
    than MAX_LINK_IDS, to the documents matching `fallback` filters instead (e.g. event and source)."""
    ids = sorted({int(i) for i in ids})
    if len(ids) <= MAX_LINK_IDS:
        return search_link(id=ids, all_time=True, n=len(ids))
    return search_link(**fallback, all_time=True, n=len(ids))


LINK_COUNT = r"[?&]n=(\d+)"  # LinkColumn display_text: show the count a link carries
