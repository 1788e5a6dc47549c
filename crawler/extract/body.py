"""Main text: our block-density extractor and trafilatura, and the choice between them.

The density extractor (GNE / readability family) scores every container by the punctuated, non-link
text inside it and penalises link and menu text; class and id names play no part beyond the
boilerplate roles `htmlprocessing` knows (comments, related items, share bars, footers). Trafilatura runs
beside it, and the two are reconciled by how their texts nest (see `_choose`).
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from crawler.extract.htmlprocessing import Line, text_lines
from crawler.extract.tuning import DEFAULT, Tuning
from crawler.extract.utils import BOILERPLATE, SENT_PUNCT, nonspace_len

logger = logging.getLogger(__name__)

NESTED = 0.95  # share of trafilatura's characters that must be in ours for its text to count as nested


def find_body(root: Any, html: str, url: str, tuning: Tuning = DEFAULT) -> tuple[str, str]:
    """(body, extractor): the density extractor's and trafilatura's bodies, the better one kept."""
    density, _node = _density_body(root, tuning)
    traf = _trafilatura_body(html, url)
    return _choose(density, traf, tuning)


def _line_quality(line: Line, tuning: Tuning = DEFAULT) -> float:
    """Positive for sentence-like text, negative for links and short unpunctuated fragments."""
    plain = line.chars - line.link_chars
    if line.boiler or (line.chars and line.link_chars / line.chars > 0.5):
        return -tuning.link_penalty * line.chars
    punct = sum(1 for c in line.text if c in SENT_PUNCT)
    if plain >= 10 and punct >= 1:
        return float(plain) * min(1.0, 0.6 + punct * 0.2)
    if plain >= 40:
        return plain * 0.5
    return -tuning.short_penalty * plain


def _density_body(root: Any, tuning: Tuning = DEFAULT) -> tuple[str, Any]:
    body = root.find(".//body")
    if body is None:
        body = root
    lines = text_lines(body)
    if not lines:
        return "", None
    scores: dict[Any, float] = {}
    parent_of: dict[Any, Any] = {}
    for line in lines:
        q = _line_quality(line, tuning)
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
        if score > best_score:
            best, best_score = el, score
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


def _clean_trafilatura(text: str) -> str:
    lines = [ln.strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln and not (nonspace_len(ln) < 80 and BOILERPLATE.search(ln)))


def _choose(density: str, traf: str, tuning: Tuning = DEFAULT) -> tuple[str, str]:
    """Ours, unless trafilatura's text is nested inside ours and clearly tighter (ours carries extra blocks
    around the same article: comments, related items, a second post). Two extractors that agree on the
    core and differ on the edges are best resolved toward the tighter cut; when they disagree on the
    core, ours stays (its container choice is the structural one)."""
    traf = _clean_trafilatura(traf)
    if not traf.strip():
        return density, "density"
    if not density.strip():
        return traf, "trafilatura"
    d, t = _chars(density), _chars(traf)
    common = sum((d & t).values())
    d_in_t = common / max(1, sum(d.values()))
    t_in_d = common / max(1, sum(t.values()))
    if t_in_d >= NESTED and d_in_t <= tuning.nested_ratio:
        return traf, "trafilatura"
    return density, "density"
