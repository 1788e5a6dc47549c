"""Pure evidence extraction from a fetched candidate site: names, claims, footer markers, look.

The check spider (or the benchmark's stand-in fetcher) calls
``extract_site_evidence(final_url, status, html, redirect_chain, favicon_bytes)`` and stores the
result; verdicts are left to :mod:`analysis.impersonation`. No network I/O happens here.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------------------------
# Footer markers (formats defined by the regulators, so they are code, not configuration)
# ----------------------------------------------------------------------------------------------
_PROVINCE_ABBR = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川蜀贵黔云滇藏陕秦甘陇青宁新"
ICP_RE = re.compile(
    rf"[{_PROVINCE_ABBR}]\s*ICP\s*[备证]\s*[:：]?\s*\d{{5,10}}\s*号?(?:\s*-\s*\d{{1,3}})?", re.I
)
POLICE_RE = re.compile(rf"[{_PROVINCE_ABBR}]\s*公网安备\s*[:：]?\s*\d{{12,16}}\s*号?")
# 政府网站标识码: labelled values (any shape, validated later) and bare bm-codes
SITE_CODE_LABELLED_RE = re.compile(
    r"(?:网站标识码|政府网站标识码|标识码|site_?code|sitecode)\s*[:：=]?\s*['\"]?\s*([A-Za-z]{0,2}[0-9xX]{6,12})",
    re.I,
)
SITE_CODE_BARE_RE = re.compile(r"(?<![A-Za-z0-9])(bm\d{8})(?![0-9])", re.I)
BADGE_MARKERS = ("dzjg", "党政机关", "conac.cn", "bszs.conac", "党政机关网站")

_SKIP_TAGS = {"script", "style", "noscript", "template", "head", "title"}
_CJK = "\u4e00-\u9fff"
_SENT_SPLIT_RE = re.compile(r"[。！？!?；;\n\r]+")
_TITLE_SPLIT_RE = re.compile(r"\s*[-_|｜—–·•]+\s*|\s{2,}")  # not "：": "审计署：…" is a news headline
_LABEL_RE = re.compile(
    r"(?:主办单位|主办|承办单位|承办|版权所有|Copyright|©|\(c\))\s*[:：]?\s*([^\s|｜，,。<>]{2,40})", re.I
)
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
# Small helpers shared with analysis.integrity
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


def tag_paths(root: lxml.html.HtmlElement | None, max_depth: int = 12) -> frozenset[str]:
    """Set of root-to-element tag paths ('html/body/div/ul/li/a'), a layout fingerprint."""
    if root is None:
        return frozenset()
    out: set[str] = set()
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "noscript"):
            continue
        path = []
        cur = el
        while cur is not None and len(path) < max_depth:
            if isinstance(cur.tag, str):
                path.append(cur.tag)
            cur = cur.getparent()
        out.add("/".join(reversed(path)))
    return frozenset(out)


def class_set(root: lxml.html.HtmlElement | None) -> frozenset[str]:
    """Set of CSS class names and ids used on the page ('.nav', '#footer')."""
    if root is None:
        return frozenset()
    out: set[str] = set()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for c in (el.get("class") or "").split():
            out.add("." + c.lower())
        if el.get("id"):
            out.add("#" + el.get("id").strip().lower())
    return frozenset(out)


def layout_similarity(
    a_paths: frozenset[str], a_classes: frozenset[str], b_paths: frozenset[str], b_classes: frozenset[str]
) -> float:
    """Mean of tag-path Jaccard and class/id-set Jaccard (class part skipped when both lack classes)."""
    p = jaccard(a_paths, b_paths)
    if not a_classes and not b_classes:
        return p
    return (p + jaccard(a_classes, b_classes)) / 2


def favicon_hash(favicon_bytes: bytes | None) -> str:
    """SHA-256 hex of the favicon/logo bytes ('' when there are none)."""
    return hashlib.sha256(favicon_bytes).hexdigest() if favicon_bytes else ""


def favicon_url(html: str, final_url: str) -> str:
    """Where the page's icon lives: ``<link rel=icon>`` if declared, else ``/favicon.ico``."""
    root = parse_html(html)
    if root is not None:
        for link in root.iter("link"):
            rel = (link.get("rel") or "").lower()
            if "icon" in rel and link.get("href"):
                return urljoin(final_url, link.get("href").strip())
    return urljoin(final_url, "/favicon.ico")


# ----------------------------------------------------------------------------------------------
# Extraction
# ----------------------------------------------------------------------------------------------
def extract_site_evidence(
    final_url: str,
    status: int,
    html: str,
    redirect_chain: Sequence[str] = (),
    favicon_bytes: bytes | None = None,
    *,
    lexicon: ExtractLexicon | None = None,
) -> SiteEvidence:
    """Read one fetched candidate page into :class:`SiteEvidence` (never raises on bad HTML)."""
    lex = lexicon or ExtractLexicon()
    root = parse_html(html)
    title = ""
    if root is not None:
        t = root.find(".//title")
        title = re.sub(r"\s+", " ", t.text_content()).strip() if t is not None else ""
    text = visible_text(root)
    raw = html or ""
    identity = _identity(root, title, text)
    org_names = _org_names(identity, text, lex)
    claims = _claims(title + "\n" + text, lex)
    codes = _site_codes(raw)
    badges = _badges(root)
    icp = tuple(dict.fromkeys(re.sub(r"\s+", "", m.group(0)) for m in ICP_RE.finditer(raw)))
    police = tuple(dict.fromkeys(re.sub(r"\s+", "", m.group(0)) for m in POLICE_RE.finditer(raw)))
    flat = text.replace(" ", "")
    fee = tuple(w for w in lex.fee_words if w in flat)
    training = tuple(w for w in lex.training_cert_words if w in flat)
    low = (title + " " + text).lower()
    parked = tuple(m for m in lex.parked_markers if m.lower() in low)
    return SiteEvidence(
        final_url=final_url,
        host=host_of(final_url),
        status=int(status),
        redirect_chain=tuple(redirect_chain),
        title=title,
        identity=identity,
        org_names=org_names,
        claims=claims,
        site_codes=codes,
        badges=badges,
        icp_numbers=icp,
        police_numbers=police,
        fee_terms=fee,
        training_terms=training,
        parked_markers=parked,
        meta_refresh=_meta_refresh(root, final_url),
        favicon_sha256=favicon_hash(favicon_bytes),
        text=text,
        shingles=shingles(text),
        tag_paths=tag_paths(root),
        classes=class_set(root),
    )


def _identity(root: lxml.html.HtmlElement | None, title: str, text: str) -> tuple[str, ...]:
    """How the site names itself: title segments, h1 / logo alt, 主办/版权所有 lines."""
    out: list[str] = []
    for seg in _TITLE_SPLIT_RE.split(title):
        seg = seg.strip()
        if len(seg) >= 2:
            out.append(seg)
    if root is not None:
        for el in root.iter("h1"):
            t = re.sub(r"\s+", "", el.text_content())
            if 2 <= len(t) <= 40:
                out.append(t)
        for img in root.iter("img"):
            cls = ((img.get("class") or "") + (img.get("id") or "") + (img.get("src") or "")).lower()
            alt = (img.get("alt") or "").strip()
            if alt and "logo" in cls and len(alt) <= 40:
                out.append(alt)
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            cls = ((el.get("class") or "") + " " + (el.get("id") or "")).lower()
            if re.search(r"logo|sitename|site-name|site_name|brand", cls):
                t = re.sub(r"\s+", "", el.text_content())
                if 2 <= len(t) <= 40:
                    out.append(t)
    for m in _LABEL_RE.finditer(text):
        val = re.sub(r"^\d{4}(?:\s*-\s*\d{4})?", "", m.group(1)).strip()
        if len(val) >= 2:
            out.append(val)
    return tuple(dict.fromkeys(out))


def _org_names(identity: Sequence[str], text: str, lex: ExtractLexicon) -> tuple[str, ...]:
    """Organisation-like names: identity strings plus prefix-anchored names found in the text."""
    forms = sorted(set(lex.org_forms) | {"网", "平台"}, key=len, reverse=True)
    form_alt = "|".join(map(re.escape, forms))
    prefix_alt = "|".join(map(re.escape, sorted(lex.national_prefixes, key=len, reverse=True)))
    names: list[str] = []
    for s in identity:
        s = re.sub(r"\s+", "", s)
        if re.search(f"(?:{form_alt})$", s) or any(s.startswith(p) for p in lex.national_prefixes):
            names.append(s)
    anchored = re.compile(rf"(?:{prefix_alt})[{_CJK}（）()A-Za-z]{{1,16}}?(?:{form_alt})")
    for m in anchored.finditer(text.replace(" ", "")):
        names.append(m.group(0))
    return tuple(dict.fromkeys(n for n in names if 3 <= len(n) <= 40))[:30]


def _claims(text: str, lex: ExtractLexicon) -> tuple[Claim, ...]:
    """Sentences that tie the site to the audit office, unless the sentence negates the tie."""
    out: list[Claim] = []
    for sent in _SENT_SPLIT_RE.split(text):
        s = re.sub(r"\s+", "", sent)
        if len(s) < 4:
            continue
        if any(w in s for w in lex.negation_words):
            continue
        official = [w for w in lex.official_status_words if w in s]
        if official:
            out.append(Claim("official_status", s[:160], tuple(official)))
        auth = _tied(s, lex.audit_refs, lex.authorisation_words)
        coop = _tied(s, lex.audit_refs, lex.cooperation_words)
        if auth:
            out.append(Claim("authorisation", s[:160], auth))
        elif coop:
            out.append(Claim("cooperation", s[:160], coop))
    return tuple(dict.fromkeys(out))[:20]


def _tied(sentence: str, refs: Sequence[str], verbs: Sequence[str], gap: int = 8) -> tuple[str, ...]:
    """(ref, verb) when an audit-office reference is followed closely by the verb.

    "受审计署委托" / "经审计署批准" / "与审计署合作" fire; "受国务院委托，审计署…" does not, because
    there the audit office is the one being entrusted, not the one authorising.
    """
    ref_alt = "|".join(map(re.escape, sorted(refs, key=len, reverse=True)))
    verb_alt = "|".join(map(re.escape, sorted(verbs, key=len, reverse=True)))
    if not ref_alt or not verb_alt:
        return ()
    m = re.search(rf"({ref_alt})[^，,。；;：:]{{0,{gap}}}?({verb_alt})", sentence)
    return (m.group(1), m.group(2)) if m else ()


def _site_codes(raw: str) -> tuple[str, ...]:
    codes = [m.group(1) for m in SITE_CODE_LABELLED_RE.finditer(raw)]
    codes += [m.group(1) for m in SITE_CODE_BARE_RE.finditer(raw)]
    return tuple(dict.fromkeys(c.lower() if c.lower().startswith("bm") else c for c in codes))


def _badges(root: lxml.html.HtmlElement | None) -> tuple[str, ...]:
    if root is None:
        return ()
    out: list[str] = []
    for el in root.iter("img", "a", "span", "div"):
        attrs = " ".join(el.get(a) or "" for a in ("alt", "title", "src", "href", "id", "class"))
        low = attrs.lower()
        if any(m.lower() in low for m in BADGE_MARKERS):
            out.append(attrs.strip()[:120])
    return tuple(dict.fromkeys(out))[:5]


def _meta_refresh(root: lxml.html.HtmlElement | None, base: str) -> str:
    if root is None:
        return ""
    for m in root.iter("meta"):
        if (m.get("http-equiv") or "").lower() == "refresh":
            content = m.get("content") or ""
            mm = re.search(r"url\s*=\s*['\"]?([^'\";]+)", content, re.I)
            if mm:
                return urljoin(base, mm.group(1).strip())
    return ""
