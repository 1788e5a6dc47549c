"""Headline: the page heading that the <title> (or og:title) starts with, else <title> minus its site suffix."""

from __future__ import annotations

import re
from typing import Any

from crawler.extract.utils import clean_space

_TITLE_SEP = re.compile(r"\s*(?:_|\||｜|--+|——|—|–|\s-\s|-(?=[^-]{2,12}$))\s*")


def page_title(root: Any) -> str:
    """The document's <title> text with whitespace collapsed ('' when it has none)."""
    title_el = root.find(".//title")
    return clean_space(title_el.text_content() or "") if title_el is not None else ""


def _norm_title(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text).lower()


def _headline_candidates(root: Any) -> list[Any]:
    body = root.find(".//body")
    if body is None:
        return []
    out = list(body.iter("h1", "h2", "h3"))
    out += body.xpath(
        ".//*[contains(translate(@class,'TITLE','title'),'title') or contains(translate(@id,'TITLE','title'),'title')]"
    )
    return out[:200]


def _strip_site_suffix(raw: str) -> str:
    parts = [p.strip() for p in _TITLE_SEP.split(raw) if p.strip()] if raw else []
    if len(parts) <= 1:
        return raw.strip()
    first = parts[0]
    return first if len(_norm_title(first)) >= 2 else max(parts, key=len)


def find_title(root: Any, meta: dict[str, str]) -> tuple[str, Any]:
    """Headline: the page heading that the <title> (or og:title) starts with, else <title> minus its site suffix."""
    raw = page_title(root)
    og = clean_space(meta.get("og:title", "") or meta.get("title", ""))
    source = raw or og
    stripped = _strip_site_suffix(source)
    norm_stripped = _norm_title(stripped)
    norm_sources = [n for n in (_norm_title(raw), _norm_title(og)) if n]
    best, best_el, best_rank = "", None, (-1, -1)
    for el in _headline_candidates(root):
        text = clean_space(el.text_content() or "")
        n = _norm_title(text)
        if not (2 <= len(n) <= 150) or not any(n in s for s in norm_sources):
            continue
        if len(n) < max(2, 0.5 * len(norm_stripped)) or len(n) > max(len(norm_stripped), 1) * 1.05 + 1:
            continue  # a section name inside the title, or the title with its site suffix
        rank = (1 if n == norm_stripped else 0, len(n))
        if rank > best_rank:
            best, best_el, best_rank = text, el, rank
    if best:
        return best, best_el
    if stripped:
        return stripped, None
    for el in _headline_candidates(root):
        text = clean_space(el.text_content() or "")
        if 4 <= len(text) <= 120:
            return text, el
    return "", None
