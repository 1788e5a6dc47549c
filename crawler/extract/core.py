"""The one orchestrating function: a decoded news page in, an article dict out.

`extract_article` parses the page once and asks each concern for its piece: the body (`body`), the
headline (`title`), the publication time (`dates`), the author (`byline`), the source media (`media`)
and the language (`language`). The byline and dateline are looked for in the head region, from the
headline to the start of the body, and in the tail region just after the body.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from crawler.extract.body import find_body
from crawler.extract.byline import find_author
from crawler.extract.dates import SHANGHAI, find_published
from crawler.extract.htmlprocessing import load_html, page_texts
from crawler.extract.language import find_language
from crawler.extract.media import find_media
from crawler.extract.metadata import json_ld, meta_map
from crawler.extract.title import find_title
from crawler.extract.tuning import DEFAULT, Tuning

logger = logging.getLogger(__name__)

MAX_HTML_CHARS = 5_000_000


def _empty(problems: list[str]) -> dict[str, Any]:
    return {
        "title": "",
        "published_at": None,
        "author": None,
        "media": None,
        "body": "",
        "lang": None,
        "extractor": "none",
        "problems": problems,
    }


def extract_article(
    html: str, url: str, *, now: datetime | None = None, tuning: Tuning = DEFAULT
) -> dict[str, Any]:
    """Extract title, published_at, author, media, body, lang from a decoded page. Never raises.

    `extractor` says which path produced the body ("density", "trafilatura", "none"); `problems` lists
    short English codes (empty, too_large, unparsable, no_title, no_body, no_date) for the caller to count.
    `tuning` is for the benchmark's leave-one-site-out search; callers leave it at the default.
    """
    now = now or datetime.now(SHANGHAI)
    if not isinstance(html, str) or not html.strip():
        return _empty(["empty"])
    if len(html) > MAX_HTML_CHARS:
        logger.info("skipping %s: %d characters of HTML exceeds %d", url, len(html), MAX_HTML_CHARS)
        return _empty(["too_large"])
    try:
        return _extract(html, url or "", now, tuning)
    except Exception:  # the contract is "never raise": log loudly, return what is safe
        logger.exception("extraction failed for %s", url)
        return _empty(["error"])


def _extract(html: str, url: str, now: datetime, tuning: Tuning) -> dict[str, Any]:
    root = load_html(html)
    if root is None:
        return _empty(["unparsable"])
    problems: list[str] = []
    meta = meta_map(root)
    ld = json_ld(root)
    title, _title_el = find_title(root, meta)

    body, extractor = find_body(root, html, url, tuning)
    visible, dated = page_texts(root)

    h_start, h_end = _head_span(visible, title, body)
    head_text = visible[h_start:h_end] if h_start >= 0 else ""
    head_text += "\n" + "\n".join(body.split("\n")[:2])[:300]

    published = find_published(html, url, meta, ld, dated, (h_start, h_end), body, now)

    tail_text = "\n".join(body.split("\n")[-3:])[-400:]
    body_end = visible.find(tail_text[-30:]) if tail_text else -1
    if body_end >= 0:
        tail_text += visible[body_end + 30 : body_end + 200]
    author = find_author(head_text, tail_text, body, meta, ld)
    media = find_media(head_text, tail_text, meta)

    if not title:
        problems.append("no_title")
    if not body:
        problems.append("no_body")
    if published is None:
        problems.append("no_date")
    return {
        "title": title,
        "published_at": published,
        "author": author,
        "media": media,
        "body": body,
        "lang": find_language(root, body or visible),
        "extractor": extractor if body else "none",
        "problems": problems,
    }


def _head_span(page_text: str, title: str, body: str) -> tuple[int, int]:
    """Where bylines and the dateline live: from the headline to the start of the body (at most 800 chars).

    (-1, -1) when neither the headline nor the body can be found in the page text.
    """
    start = -1
    if title:
        for probe in (title[:20], title[:8]):
            start = page_text.find(probe)
            if start >= 0:
                break
    body_start = page_text.find(body[:30]) if body else -1
    if start >= 0 and body_start > start:
        return start, min(body_start, start + len(title) + 800)
    if start >= 0:
        return start, start + len(title) + 300
    if body_start > 0:
        return max(0, body_start - 300), body_start
    return -1, -1
