"""Read a fetched candidate site into evidence for the impersonation check: names, claims, footer markers,
look. Verdict-free: :mod:`analysis.sitewatch.impersonation` scores the evidence.

The check spider (or the benchmark's stand-in fetcher) calls
``extract_site_evidence(final_url, status, html, redirect_chain, favicon_bytes)``, or ``check_site(...)``
to read and score in one step. No network I/O happens here.

The <title> is read as the article extractor reads it (:func:`crawler.extract.title.page_title`); the tree
and its visible text, footers included, come from :mod:`analysis.sitewatch.evidence` because
:mod:`analysis.sitewatch.integrity` still reads its own HTML with the same two helpers.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from urllib.parse import urljoin

import lxml.html

from analysis.sitewatch.evidence import (
    Claim,
    ExtractLexicon,
    SiteEvidence,
    host_of,
    parse_html,
    shingles,
    visible_text,
)
from analysis.sitewatch.impersonation import OfficialProfile, SiteVerdict, score_site, site_lexicon
from config.impersonation import ImpersonationConfig
from crawler.extract.title import page_title

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

_CJK = "\u4e00-\u9fff"
_SENT_SPLIT_RE = re.compile(r"[。！？!?；;\n\r]+")
_TITLE_SPLIT_RE = re.compile(r"\s*[-_|｜—–·•]+\s*|\s{2,}")  # not "：": "审计署：…" is a news headline
_LABEL_RE = re.compile(
    r"(?:主办单位|主办|承办单位|承办|版权所有|Copyright|©|\(c\))\s*[:：]?\s*([^\s|｜，,。<>]{2,40})", re.I
)


def check_site(
    final_url: str,
    status: int,
    html: str,
    redirect_chain: Sequence[str] = (),
    favicon_bytes: bytes | None = None,
    *,
    official: OfficialProfile | None = None,
    cfg: ImpersonationConfig,
) -> SiteVerdict:
    """Extract evidence from one fetched candidate and score it (the spider's single entry point)."""
    ev = extract_site_evidence(
        final_url, status, html, redirect_chain, favicon_bytes, lexicon=site_lexicon(cfg)
    )
    return score_site(ev, official, cfg=cfg)


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
    title = page_title(root) if root is not None else ""
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


# ----------------------------------------------------------------------------------------------
# Look: layout fingerprint and icon
# ----------------------------------------------------------------------------------------------
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
