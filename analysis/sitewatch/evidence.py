"""Site check evidence: its types and the pure helpers its scoring shares with analysis.sitewatch.integrity.

:class:`SiteEvidence` is read from a fetched page by :mod:`crawler.extract.sitecheck` and scored by
:mod:`analysis.sitewatch.impersonation`. Here: the evidence dataclasses and word lists, hosts, text shingles and
Jaccard / layout similarity; and the lenient parser and visible text that :mod:`analysis.sitewatch.integrity` (which
still reads its own HTML) and the site check reading share. No network I/O happens here.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

logger = logging.getLogger(__name__)

_SKIP_TAGS = {"script", "style", "noscript", "template", "head", "title"}

# How a similarity score (0–1: text shingle Jaccard, layout similarity) is put into words, highest band first.
# The one place these words are decided: the scoring's signal labels and every page and sheet that shows a
# stored signal (signal_label) use it, so 0.44 is never called 高度相似.
SIMILARITY_BANDS: tuple[tuple[float, str], ...] = ((0.9, "高度相似"), (0.7, "较相似"), (0.0, "部分相似"))
SIMILARITY_SUBJECTS: dict[str, str] = {"text_similarity": "页面文字", "layout_similarity": "页面版式"}
_SCORE_RE = re.compile(r"([01](?:\.\d+)?)")


def similarity_band(score: float) -> str:
    """The words for a similarity score: ≥0.9 高度相似, ≥0.7 较相似, else 部分相似 (SIMILARITY_BANDS)."""
    for floor, words in SIMILARITY_BANDS:
        if score >= floor:
            return words
    return SIMILARITY_BANDS[-1][1]


def similarity_label(code: str, score: float) -> str:
    """'页面文字与官方网站部分相似' for a similarity signal code and its score (0.44)."""
    return f"{SIMILARITY_SUBJECTS.get(code, '页面')}与官方网站{similarity_band(score)}"


def signal_label(signal: dict) -> str:
    """The label to show for a stored signal ({code, label, weight, evidence}): similarity signals are worded
    from their score (kept in the evidence text, e.g. '文本相似度 0.44'), also for rows stored before the bands."""
    code = signal.get("code") or ""
    if code in SIMILARITY_SUBJECTS:
        m = _SCORE_RE.search(str(signal.get("evidence") or ""))
        if m:
            return similarity_label(code, float(m.group(1)))
    return str(signal.get("label") or "")
_PUNCT_RE = re.compile(r"[\s\u3000\W_]+", re.UNICODE)


@dataclass(frozen=True)
class ExtractLexicon:
    """Word lists used while reading a page (built from config/impersonation.yaml)."""

    audit_refs: tuple[str, ...] = ("审计署", "审计厅", "审计局", "审计机关", "国家审计")
    authorisation_words: tuple[str, ...] = ("授权", "指定", "委托", "批准", "认可")
    cooperation_words: tuple[str, ...] = ("合作", "联合")
    training_cert_words: tuple[str, ...] = ("培训", "证书", "认证", "资格", "考试")
    official_status_words: tuple[str, ...] = ("官方网站", "唯一指定", "官方指定", "官方认证")
    negation_words: tuple[str, ...] = ("未授权", "未经授权", "从未授权", "谨防", "假冒", "冒充")
    fee_words: tuple[str, ...] = ("报名费", "培训费", "收费", "缴费", "费用")
    parked_markers: tuple[str, ...] = ("域名出售", "域名转让", "domain is for sale", "buy this domain")
    org_forms: tuple[str, ...] = (
        "协会",
        "学会",
        "研究会",
        "研究院",
        "促进会",
        "联合会",
        "委员会",
        "联盟",
        "中心",
    )
    national_prefixes: tuple[str, ...] = ("中华人民共和国", "中国", "中华", "全国", "国家", "华夏")


@dataclass(frozen=True)
class Claim:
    """One sentence on the page that claims a tie to the audit office (or official status)."""

    kind: str  # "authorisation" | "cooperation" | "official_status"
    text: str  # the sentence, trimmed
    words: tuple[str, ...]  # the words that fired


@dataclass(frozen=True)
class SiteEvidence:
    """Everything kept about one candidate site; verdict-free."""

    final_url: str
    host: str
    status: int
    redirect_chain: tuple[str, ...] = ()
    title: str = ""
    identity: tuple[str, ...] = ()  # self-descriptions: title segments, h1/logo alt, 主办/版权所有
    org_names: tuple[str, ...] = ()
    claims: tuple[Claim, ...] = ()
    site_codes: tuple[str, ...] = ()
    badges: tuple[str, ...] = ()  # the attribute/text that showed a 党政机关 badge
    icp_numbers: tuple[str, ...] = ()
    police_numbers: tuple[str, ...] = ()
    fee_terms: tuple[str, ...] = ()
    training_terms: tuple[str, ...] = ()
    parked_markers: tuple[str, ...] = ()
    meta_refresh: str = ""
    favicon_sha256: str = ""
    text: str = ""
    shingles: frozenset[int] = field(default_factory=frozenset)
    tag_paths: frozenset[str] = field(default_factory=frozenset)
    classes: frozenset[str] = field(default_factory=frozenset)

    def to_dict(self) -> dict:
        """JSON-friendly form for storage (the shingles are omitted: recompute from text)."""
        d = asdict(self)
        d.pop("shingles")
        d["tag_paths"] = sorted(self.tag_paths)
        d["classes"] = sorted(self.classes)
        d["claims"] = [asdict(c) for c in self.claims]
        return d


# ----------------------------------------------------------------------------------------------
# Small helpers shared with analysis.sitewatch.integrity
# ----------------------------------------------------------------------------------------------
def parse_html(html: str | bytes) -> lxml.html.HtmlElement | None:
    """Parse HTML leniently; ``None`` for empty or unparsable input."""
    if not html:
        return None
    try:
        if isinstance(html, str):
            # lxml refuses str input that carries an XML encoding declaration
            html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        logger.debug("unparsable html: %s", exc)
        return None


def host_of(url: str) -> str:
    """Lower-case host of a URL without port ('' when absent)."""
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def host_matches(host: str, domains: Iterable[str]) -> bool:
    """True when ``host`` equals one of ``domains`` or is a subdomain of one."""
    host = host.lower().rstrip(".")
    for d in domains:
        d = d.lower().lstrip(".").rstrip(".")
        if d and (host == d or host.endswith("." + d)):
            return True
    return False


def visible_text(root: lxml.html.HtmlElement | None) -> str:
    """Visible text of a document (script/style/head dropped), whitespace collapsed per block."""
    if root is None:
        return ""
    parts: list[str] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            if el.tail:
                parts.append(el.tail)
            continue
        if el.tag in _SKIP_TAGS:
            if el.tail:
                parts.append(el.tail)
            continue
        if _has_skipped_ancestor(el):
            continue
        if el.text:
            parts.append(el.text)
        if el.tail:
            parts.append(el.tail)
        if el.tag in ("br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "section", "footer", "header"):
            parts.append("\n")
    text = "".join(parts)
    lines = [re.sub(r"[ \t\u3000\xa0]+", " ", ln).strip() for ln in text.splitlines()]
    return "\n".join(ln for ln in lines if ln)


def _has_skipped_ancestor(el: lxml.html.HtmlElement) -> bool:
    p = el.getparent()
    while p is not None:
        if isinstance(p.tag, str) and p.tag in _SKIP_TAGS:
            return True
        p = p.getparent()
    return False


def normalise_for_shingles(text: str) -> str:
    """Drop whitespace, punctuation and digits so that dates and counters do not matter."""
    return re.sub(r"\d+", "", _PUNCT_RE.sub("", text)).lower()


def shingles(text: str, k: int = 5) -> frozenset[int]:
    """Hashed character k-gram set of normalised text (stable across processes)."""
    t = normalise_for_shingles(text)
    if len(t) < k:
        return frozenset({_stable_hash(t)}) if t else frozenset()
    return frozenset(_stable_hash(t[i : i + k]) for i in range(len(t) - k + 1))


def _stable_hash(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "big")


def jaccard(a: Iterable, b: Iterable) -> float:
    """Jaccard similarity of two sets (0.0 when both are empty)."""
    sa, sb = set(a), set(b)
    if not sa and not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def layout_similarity(
    a_paths: frozenset[str], a_classes: frozenset[str], b_paths: frozenset[str], b_classes: frozenset[str]
) -> float:
    """Mean of tag-path Jaccard and class/id-set Jaccard (class part skipped when both lack classes)."""
    p = jaccard(a_paths, b_paths)
    if not a_classes and not b_classes:
        return p
    return (p + jaccard(a_classes, b_classes)) / 2
