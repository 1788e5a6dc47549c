"""Main text: our block-density extractor and trafilatura, and the choice between them.

The density extractor (GNE / readability family) scores every container by the punctuated, non-link
text inside it and penalises link and menu text; trafilatura runs beside it and the better-looking
result is kept.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from typing import Any

from crawler.extract.htmlprocessing import Line, attr_text, text_lines
from crawler.extract.utils import BOILERPLATE, SENT_PUNCT, nonspace_len

logger = logging.getLogger(__name__)

_NEG_ATTR = re.compile(
    r"comment|share|related|recommend|relate|footer|copyright|breadcrumb|crumb|sidebar|side-bar|"
    r"\bnav|menu|advert|\bads?\b|banner|hot-?news|rank|tags?\b|pager|pagination|login|toolbar|"
    r"xgyd|xgxw|tuijian|pinglun|bottom|\bfoot",
    re.I,
)
_POS_ATTR = re.compile(r"article|content|main|\btext|body|artibody|endtext|zhengwen|detail|post|entry", re.I)

LINK_PENALTY = 0.5  # weight of a link line's characters against a container
SHORT_PENALTY = 0.3  # weight of a short unpunctuated line's characters (menus, labels)


def find_body(root: Any, html: str, url: str) -> tuple[str, str]:
    """(body, extractor): the density extractor's and trafilatura's bodies, the better one kept."""
    density, _node = _density_body(root)
    traf = _trafilatura_body(html, url)
    return _choose(density, traf)


def _line_quality(line: Line) -> float:
    """Positive for sentence-like text, negative for links and short unpunctuated fragments."""
    plain = line.chars - line.link_chars
    if line.boiler or (line.chars and line.link_chars / line.chars > 0.5):
        return -LINK_PENALTY * line.chars
    punct = sum(1 for c in line.text if c in SENT_PUNCT)
    if plain >= 10 and punct >= 1:
        return float(plain) * min(1.0, 0.6 + punct * 0.2)
    if plain >= 40:
        return plain * 0.5
    return -SHORT_PENALTY * plain


def _density_body(root: Any) -> tuple[str, Any]:
    body = root.find(".//body")
    if body is None:
        body = root
    lines = text_lines(body)
    if not lines:
        return "", None
    scores: dict[Any, float] = {}
    parent_of: dict[Any, Any] = {}
    for line in lines:
        q = _line_quality(line)
        el = line.el
        while el is not None:
            scores[el] = scores.get(el, 0.0) + q
            if el is body:
                break
            parent = el.getparent()
            parent_of[el] = parent
            el = parent
    best, best_score = None, 0.0
    for el, score in scores.items():
        attr = attr_text(el)
        weight = 1.0
        if _NEG_ATTR.search(attr) and not _POS_ATTR.search(attr):
            weight = 0.6
        elif _POS_ATTR.search(attr):
            weight = 1.1
        s = score * weight
        if s > best_score:
            best, best_score = el, s
    if best is None:
        return "", None
    chosen = [ln for ln in lines if _within(ln.el, best, parent_of)]
    return _assemble(chosen), best


def _within(el: Any, ancestor: Any, parent_of: dict[Any, Any]) -> bool:
    while el is not None:
        if el is ancestor:
            return True
        el = parent_of.get(el)
    return False


def _assemble(lines: list[Line]) -> str:
    kept: list[Line] = []
    for line in lines:
        if line.boiler or (line.chars and line.link_chars / line.chars > 0.5 and line.chars < 80):
            continue
        if line.chars < 60 and BOILERPLATE.search(line.text):
            continue
        kept.append(line)

    # trim menus and bylines at both ends: short lines without sentence punctuation
    def weak(line: Line) -> bool:
        return line.chars < 20 and not any(c in SENT_PUNCT for c in line.text)

    while kept and weak(kept[0]):
        kept.pop(0)
    while kept and weak(kept[-1]):
        kept.pop()
    return "\n".join(line.text for line in kept)


def _trafilatura_body(text: str, url: str) -> str:
    try:
        import trafilatura
    except Exception:  # not installed or broken: the density extractor stands alone
        logger.debug("trafilatura unavailable", exc_info=True)
        return ""
    try:
        out = trafilatura.extract(
            text,
            url=url or None,
            include_comments=False,
            include_tables=True,
            favor_precision=False,
            deduplicate=False,
        )
    except Exception:  # trafilatura raises on some malformed trees; treat as "found nothing"
        logger.debug("trafilatura failed", exc_info=True)
        return ""
    return out or ""


def _chars(text: str) -> Counter[str]:
    return Counter(c for c in text if not c.isspace())


def _prose_score(text: str) -> float:
    """Characters in lines that read like prose, minus those in lines that look like menus or table cells."""
    score = 0.0
    for line in text.split("\n"):
        n = nonspace_len(line)
        if not n:
            continue
        punct = sum(1 for c in line if c in SENT_PUNCT)
        cells = line.count("|")
        if n >= 10 and punct and cells * 20 < n and not (n < 80 and BOILERPLATE.search(line)):
            score += n
        else:
            score -= n
    return score


def _clean_trafilatura(text: str) -> str:
    lines = [ln.strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln and not (nonspace_len(ln) < 80 and BOILERPLATE.search(ln)))


def _choose(density: str, traf: str) -> tuple[str, str]:
    traf = _clean_trafilatura(traf)
    if not traf.strip():
        return density, "density"
    if not density.strip():
        return traf, "trafilatura"
    d, t = _chars(density), _chars(traf)
    common = sum((d & t).values())
    d_in_t = common / max(1, sum(d.values()))
    t_in_d = common / max(1, sum(t.values()))
    if d_in_t >= 0.9 and t_in_d >= 0.6:
        return density, "density"  # they agree; ours is the tighter cut
    if _prose_score(traf) > _prose_score(density) * 1.1 + 20:
        return traf, "trafilatura"
    return density, "density"
