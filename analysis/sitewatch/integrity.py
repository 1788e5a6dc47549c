"""Own-site integrity checks (防篡改): defacement, injected scripts/iframes, 暗链, bad words, cloaking,
and the government-site inspection checks (stale columns, blank columns, broken links).

Pure functions over HTML the snapshot spider fetched; no network I/O. The flow is
``baseline_fingerprint(html, url)`` once on a known-good page, then
``check_page(html, url, baseline, now=...)`` on every later snapshot.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urljoin

import lxml.html
from cssselect import SelectorError

from analysis.sitewatch.evidence import host_matches, host_of, jaccard, parse_html, shingles, visible_text
from config.vocabulary import (
    REGION_LABELS,
    SEVERITY_HIGH,
    SEVERITY_LABELS,
    SEVERITY_LOW,
    SEVERITY_MEDIUM,
    SEVERITY_RANK,
)

logger = logging.getLogger(__name__)


# Fixed regions: the first element matching any selector of a region is fingerprinted.
DEFAULT_REGION_SELECTORS: dict[str, tuple[str, ...]] = {
    "header": (
        "header",
        "#header",
        ".header",
        "#head",
        ".head",
        "#top",
        ".top",
        ".site-header",
        "[role=banner]",
    ),
    "nav": ("nav", "#nav", ".nav", "#menu", ".menu", ".navbar", ".navigation", "[role=navigation]"),
    "footer": (
        "footer",
        "#footer",
        ".footer",
        "#foot",
        ".foot",
        "#bottom",
        ".bottom",
        ".copyright",
        "[role=contentinfo]",
    ),
}
REGION_MIN_SIMILARITY = 0.7

# Gambling / pornography lexicon. Strong words are flagged on their own; weak words ("彩票",
# "澳门") only with a strong word, and legitimate contexts are reported at low severity.
GAMBLING_WORDS = (
    "博彩",
    "赌场",
    "百家乐",
    "六合彩",
    "葡京",
    "新葡京",
    "时时彩",
    "北京赛车",
    "真人荷官",
    "老虎机",
    "娱乐城",
    "赌球",
    "赌博",
    "下注",
    "投注网",
    "彩金",
    "开户送",
    "威尼斯人",
    "太阳城",
    "金沙娱乐",
    "皇冠体育",
    "澳门赌",
    "澳门银河",
    "网上赌",
    "棋牌娱乐",
    "bet365",
    "德州扑克",
    "捕鱼游戏",
)
PORN_WORDS = (
    "色情",
    "成人视频",
    "成人影院",
    "黄色网站",
    "裸聊",
    "一夜情",
    "约炮",
    "午夜福利",
    "av女优",
    "无码",
    "porn",
    "情色",
    "激情视频",
    "福利视频",
)
WEAK_WORDS = ("彩票", "澳门")
LEGIT_CONTEXTS = (
    "体育彩票",
    "福利彩票",
    "彩票公益金",
    "彩票资金",
    "彩票发行",
    "彩票销售",
    "彩票管理",
    "彩票市场",
    "澳门特别行政区",
    "澳门回归",
    "港澳",
)

_HIDE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("display:none", re.compile(r"display\s*:\s*none")),
    ("visibility:hidden", re.compile(r"visibility\s*:\s*hidden")),
    ("font-size 0–2px", re.compile(r"font-size\s*:\s*(?:0|[0-2](?:\.\d+)?px|0(?:\.\d+)?(?:em|rem|pt))\b")),
    ("opacity:0", re.compile(r"opacity\s*:\s*0(?:\.0+)?\s*(?:;|$|!)")),
    (
        "off-screen position",
        re.compile(r"(?:left|top|right|text-indent|margin-left|margin-top)\s*:\s*-\s*\d{3,}"),
    ),
    ("clip rect(0)", re.compile(r"clip\s*:\s*rect\(\s*0")),
)
_TINY_BOX_RE = re.compile(r"(?:^|[;\s])(?:height|width|max-height)\s*:\s*(?:0|[0-2])(?:px)?\s*(?:;|$|!)")
_OVERFLOW_HIDDEN_RE = re.compile(r"overflow\s*:\s*hidden")
_DATE_RE = re.compile(r"(20\d{2}|19\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")


@dataclass(frozen=True)
class Finding:
    """One integrity problem: machine kind, severity, a Chinese summary, and the evidence behind it."""

    kind: str
    severity: str
    summary: str
    evidence: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "severity_label": SEVERITY_LABELS[self.severity],
            "summary": self.summary,
            "evidence": self.evidence,
        }


# ----------------------------------------------------------------------------------------------
# Baseline
# ----------------------------------------------------------------------------------------------
def baseline_fingerprint(html: str, url: str, selectors: Mapping[str, Sequence[str]] | None = None) -> dict:
    """Fingerprint a known-good page: fixed regions, script/iframe hosts, words already present.

    ``selectors`` maps a region name to CSS selectors (first match wins) and replaces the defaults
    for the regions it names. The result is JSON-serialisable so it can be stored.
    """
    root = parse_html(html)
    sel = _selectors(selectors)
    regions: dict[str, dict] = {}
    for name, sels in sel.items():
        el, used = _find_region(root, sels)
        if el is not None:
            regions[name] = _region_fp(el, used)
    title = _title(root)
    if title:
        regions["title"] = {
            "selector": "title",
            "text": title[:200],
            "shingles": sorted(shingles(title, 2)),
            "hash": _h(title),
        }
    return {
        "url": url,
        "host": host_of(url),
        "selectors": {k: list(v) for k, v in sel.items()},
        "regions": regions,
        "script_hosts": sorted(_ext_hosts(root, url, "script", "src")),
        "iframe_hosts": sorted(_ext_hosts(root, url, "iframe", "src")),
        "inline_scripts": sorted(_inline_script_hashes(root)),
        "words": sorted(set().union(*_bad_words(_all_text(root)))),
        # hidden external links already on the known-good page (e.g. a 友情链接 drop-down)
        "hidden_links": sorted(
            {link["href"] for f in find_hidden_links(html, url) for link in f.evidence["links"]}
        ),
    }


def _selectors(selectors: Mapping[str, Sequence[str]] | None) -> dict[str, tuple[str, ...]]:
    out = dict(DEFAULT_REGION_SELECTORS)
    for k, v in (selectors or {}).items():
        out[k] = tuple(v)
    return out


def _find_region(
    root: lxml.html.HtmlElement | None, sels: Sequence[str]
) -> tuple[lxml.html.HtmlElement | None, str]:
    if root is None:
        return None, ""
    for s in sels:
        try:
            found = root.cssselect(s)
        except (SelectorError, SyntaxError, ValueError) as exc:
            logger.warning("bad region selector %r: %s", s, exc)
            continue
        if found:
            return found[0], s
    return None, ""


def _region_fp(el: lxml.html.HtmlElement, selector: str) -> dict:
    text = visible_text(el)
    structure = [
        f"{e.tag}.{'.'.join(sorted((e.get('class') or '').split()))}"
        for e in el.iter()
        if isinstance(e.tag, str) and e.tag not in ("script", "style")
    ]
    links = sorted({(a.get("href") or "").strip() for a in el.iter("a") if a.get("href")})
    return {
        "selector": selector,
        "text": text[:300],
        "hash": _h(text),
        "shingles": sorted(shingles(text, 3)),
        "structure": sorted(set(structure)),
        "links": links[:200],
    }


def _h(s: str) -> str:
    return hashlib.sha256(s.encode("utf-8")).hexdigest()[:16]


def _title(root: lxml.html.HtmlElement | None) -> str:
    if root is None:
        return ""
    t = root.find(".//title")
    return re.sub(r"\s+", " ", t.text_content()).strip() if t is not None else ""


# ----------------------------------------------------------------------------------------------
# Page check
# ----------------------------------------------------------------------------------------------
def check_page(
    html: str,
    url: str,
    baseline: Mapping,
    *,
    now: datetime,
    allowed_script_hosts: Iterable[str] = (),
) -> list[Finding]:
    """Compare a fresh snapshot with its baseline; return findings, most severe first."""
    root = parse_html(html)
    checked_at = now.isoformat(timespec="seconds")
    if root is None:
        return [
            Finding(
                "blank_page",
                SEVERITY_HIGH,
                "页面为空或无法解析，可能被篡改或服务异常",
                {"url": url, "checked_at": checked_at},
            )
        ]
    allowed = tuple(allowed_script_hosts)
    findings: list[Finding] = []
    findings += _check_regions(root, url, baseline, checked_at)
    findings += _check_embeds(root, url, baseline, allowed, checked_at)
    findings += _check_inline_scripts(root, url, baseline, checked_at)
    findings += _new_hidden_links(html, url, baseline)
    findings += _check_words(root, url, baseline, checked_at)
    findings.sort(key=lambda f: -SEVERITY_RANK[f.severity])
    return findings


def _new_hidden_links(html: str, url: str, baseline: Mapping) -> list[Finding]:
    known = set(baseline.get("hidden_links", []))
    out = []
    for f in find_hidden_links(html, url):
        links = [link for link in f.evidence["links"] if link["href"] not in known]
        if links:
            tricks = sorted({t.split("（")[0] for link in links for t in link["tricks"]})
            summary = f"发现 {len(links)} 个指向外部网站的隐藏链接（暗链），手法：{'、'.join(tricks)}"
            out.append(Finding(f.kind, f.severity, summary, {**f.evidence, "links": links}))
    return out


def _check_regions(
    root: lxml.html.HtmlElement, url: str, baseline: Mapping, checked_at: str
) -> list[Finding]:
    out: list[Finding] = []
    sels = baseline.get("selectors") or DEFAULT_REGION_SELECTORS
    for name, fp in (baseline.get("regions") or {}).items():
        label = REGION_LABELS.get(name, name)
        if name == "title":
            now_title = _title(root)
            sim = jaccard(shingles(now_title, 2), fp.get("shingles", []))
            if sim < REGION_MIN_SIMILARITY:
                out.append(
                    Finding(
                        "defacement",
                        SEVERITY_HIGH,
                        f"{label}被改动：“{now_title[:40]}”",
                        {
                            "url": url,
                            "region": name,
                            "similarity": round(sim, 2),
                            "baseline": fp.get("text", ""),
                            "current": now_title[:200],
                            "checked_at": checked_at,
                        },
                    )
                )
            continue
        el, _ = _find_region(root, [fp.get("selector", "")] + list(sels.get(name, ())))
        if el is None:
            out.append(
                Finding(
                    "defacement",
                    SEVERITY_HIGH,
                    f"固定区域“{label}”缺失，页面结构可能被篡改",
                    {"url": url, "region": name, "selector": fp.get("selector"), "checked_at": checked_at},
                )
            )
            continue
        cur = _region_fp(el, fp.get("selector", ""))
        if cur["hash"] == fp.get("hash"):
            continue
        text_sim = jaccard(cur["shingles"], fp.get("shingles", []))
        struct_sim = jaccard(cur["structure"], fp.get("structure", []))
        if min(text_sim, struct_sim) < REGION_MIN_SIMILARITY:
            out.append(
                Finding(
                    "defacement",
                    SEVERITY_HIGH,
                    f"固定区域“{label}”内容被改动（文字相似度 {text_sim:.2f}）",
                    {
                        "url": url,
                        "region": name,
                        "text_similarity": round(text_sim, 2),
                        "structure_similarity": round(struct_sim, 2),
                        "baseline": fp.get("text", ""),
                        "current": cur["text"],
                        "checked_at": checked_at,
                    },
                )
            )
        else:
            new_links = sorted(set(cur["links"]) - set(fp.get("links", [])))
            ext = [
                h
                for h in new_links
                if host_of(urljoin(url, h)) and not _same_site(host_of(urljoin(url, h)), url)
            ]
            if ext:
                out.append(
                    Finding(
                        "defacement",
                        SEVERITY_MEDIUM,
                        f"固定区域“{label}”新增外部链接 {len(ext)} 个",
                        {"url": url, "region": name, "new_links": ext[:20], "checked_at": checked_at},
                    )
                )
    return out


def _registrable(host: str) -> str:
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in ("gov", "com", "org", "edu", "net", "ac") and labels[-1] == "cn":
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _same_site(host: str, page_url: str) -> bool:
    page = host_of(page_url)
    return bool(host) and (host == page or _registrable(host) == _registrable(page))


def _ext_hosts(root: lxml.html.HtmlElement | None, url: str, tag: str, attr: str) -> set[str]:
    if root is None:
        return set()
    out = set()
    for el in root.iter(tag):
        src = (el.get(attr) or "").strip()
        if not src or src.startswith(("data:", "javascript:", "about:")):
            continue
        h = host_of(urljoin(url, src))
        if h and not _same_site(h, url):
            out.add(h)
    return out


def _check_embeds(
    root: lxml.html.HtmlElement, url: str, baseline: Mapping, allowed: Sequence[str], checked_at: str
) -> list[Finding]:
    out: list[Finding] = []
    known_scripts = set(baseline.get("script_hosts", []))
    known_iframes = set(baseline.get("iframe_hosts", []))
    for el in root.iter("script"):
        src = (el.get("src") or "").strip()
        if not src:
            continue
        full = urljoin(url, src)
        h = host_of(full)
        if h and not _same_site(h, url) and h not in known_scripts and not host_matches(h, allowed):
            out.append(
                Finding(
                    "external_script",
                    SEVERITY_HIGH,
                    f"页面新增外部脚本：{h}",
                    {"url": url, "src": full, "host": h, "checked_at": checked_at},
                )
            )
    for el in root.iter("iframe", "frame"):
        src = (el.get("src") or "").strip()
        full = urljoin(url, src) if src else ""
        h = host_of(full) if full else ""
        hidden = _tiny_frame(el)
        external = bool(h) and not _same_site(h, url) and not host_matches(h, allowed)
        if (external and h not in known_iframes) or (hidden and external):
            what = "隐藏的" if hidden else ""
            out.append(
                Finding(
                    "iframe",
                    SEVERITY_HIGH,
                    f"页面新增{what}外部 iframe：{h}",
                    {"url": url, "src": full, "host": h, "hidden": hidden, "checked_at": checked_at},
                )
            )
    return out


def _tiny_frame(el: lxml.html.HtmlElement) -> bool:
    w, hgt = (el.get("width") or "").strip(), (el.get("height") or "").strip()
    style = (el.get("style") or "").lower()
    tiny = any(re.fullmatch(r"[0-2](?:px)?", v) for v in (w, hgt) if v)
    return tiny or bool(_hide_reasons(style)) or bool(_TINY_BOX_RE.search(style))


_SUSPICIOUS_JS = (
    (
        re.compile(r"document\.write\s*\(\s*['\"][^'\"]*<\s*(?:script|iframe)", re.I),
        "document.write 写入脚本或 iframe",
    ),
    (
        re.compile(r"document\.referrer[\s\S]{0,200}(?:baidu|sogou|so\.com|sm\.cn|google|bing)", re.I),
        "按搜索引擎来源跳转",
    ),
    (
        re.compile(r"(?:baidu|sogou|so\.com|sm\.cn|google|bing)[\s\S]{0,200}document\.referrer", re.I),
        "按搜索引擎来源跳转",
    ),
    (re.compile(r"eval\s*\(\s*function\s*\(\s*p\s*,\s*a\s*,\s*c\s*,\s*k", re.I), "eval 混淆代码"),
    (
        re.compile(r"createElement\(\s*['\"]script['\"]\s*\)[\s\S]{0,300}\.src\s*=\s*['\"]https?://", re.I),
        "动态加载外部脚本",
    ),
    (re.compile(r"String\.fromCharCode\((?:\s*\d+\s*,){20,}", re.I), "字符编码混淆"),
)


def _inline_script_hashes(root: lxml.html.HtmlElement | None) -> set[str]:
    if root is None:
        return set()
    return {
        _h(re.sub(r"\s+", "", s.text or ""))
        for s in root.iter("script")
        if not s.get("src") and (s.text or "").strip()
    }


def _check_inline_scripts(
    root: lxml.html.HtmlElement, url: str, baseline: Mapping, checked_at: str
) -> list[Finding]:
    known = set(baseline.get("inline_scripts", []))
    out: list[Finding] = []
    for s in root.iter("script"):
        code = s.text or ""
        if s.get("src") or not code.strip() or _h(re.sub(r"\s+", "", code)) in known:
            continue
        why = [label for pat, label in _SUSPICIOUS_JS if pat.search(code)]
        if why:
            out.append(
                Finding(
                    "suspicious_script",
                    SEVERITY_HIGH,
                    f"页面新增可疑内联脚本（{'；'.join(dict.fromkeys(why))}）",
                    {
                        "url": url,
                        "snippet": code.strip()[:300],
                        "reasons": list(dict.fromkeys(why)),
                        "checked_at": checked_at,
                    },
                )
            )
    return out


# ----------------------------------------------------------------------------------------------
# Hidden links (暗链)
# ----------------------------------------------------------------------------------------------
def _hide_reasons(style: str) -> list[str]:
    s = style.lower()
    out = [label for label, pat in _HIDE_RULES if pat.search(s)]
    if _TINY_BOX_RE.search(s) and _OVERFLOW_HIDDEN_RE.search(s):
        out.append("tiny box + overflow:hidden")
    return out


def _css_hidden_elements(root: lxml.html.HtmlElement) -> dict[lxml.html.HtmlElement, list[str]]:
    """Elements hidden by rules in <style> blocks -> reasons (keys keep the lxml proxies alive)."""
    hidden: dict[lxml.html.HtmlElement, list[str]] = {}
    for st in root.iter("style"):
        css = re.sub(r"/\*[\s\S]*?\*/", "", st.text or "")
        css = re.sub(r"@media[^{]*\{", "", css)  # flatten simple media blocks
        for m in re.finditer(r"([^{}]+)\{([^{}]*)\}", css):
            reasons = _hide_reasons(m.group(2))
            if not reasons:
                continue
            for sel in m.group(1).split(","):
                sel = sel.strip()
                if not sel or sel.startswith("@") or ":" in sel.replace("::", ":"):
                    continue  # pseudo-classes (:hover menus) are not hiding tricks
                try:
                    for el in root.cssselect(sel):
                        hidden.setdefault(el, []).extend(f"{r}（样式 {sel}）" for r in reasons)
                except (SelectorError, SyntaxError, ValueError):
                    continue
    return hidden


def _element_hidden(
    el: lxml.html.HtmlElement, css_hidden: Mapping[lxml.html.HtmlElement, list[str]]
) -> list[str]:
    cur = el
    while cur is not None:
        if isinstance(cur.tag, str):
            reasons = list(css_hidden.get(cur, []))
            reasons += [f"{r}（行内样式）" for r in _hide_reasons(cur.get("style") or "")]
            if cur.get("hidden") is not None:
                reasons.append("hidden 属性")
            if cur.tag == "marquee":
                w, h = cur.get("width") or "", cur.get("height") or ""
                if any(re.fullmatch(r"[0-9](?:px)?", v.strip()) for v in (w, h) if v):
                    reasons.append("marquee 极小尺寸")
            if reasons:
                return reasons
        cur = cur.getparent()
    return []


def find_hidden_links(html: str, url: str) -> list[Finding]:
    """Links to other sites that a visitor cannot see (暗链): CSS, inline style, tiny boxes, JS-written.

    Hidden links to the site's own pages (drop-down menus, skip links) are not reported.
    """
    root = parse_html(html)
    if root is None:
        return []
    css_hidden = _css_hidden_elements(root)
    hits: list[dict] = []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        full = urljoin(url, href)
        h = host_of(full)
        if not h or _same_site(h, url):
            continue
        reasons = _element_hidden(a, css_hidden)
        if reasons:
            hits.append(
                {
                    "href": full,
                    "text": re.sub(r"\s+", " ", a.text_content()).strip()[:60],
                    "tricks": list(dict.fromkeys(reasons)),
                }
            )
    for s in root.iter("script"):
        code = s.text or ""
        if "document.write" in code and re.search(
            r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*[01]px", code
        ):
            for m in re.finditer(r"href\s*=\s*\\?['\"]?(https?://[^'\"\\\s>]+)", code):
                if not _same_site(host_of(m.group(1)), url):
                    hits.append({"href": m.group(1), "text": "", "tricks": ["脚本写入的隐藏链接"]})
    if not hits:
        return []
    tricks = sorted({t.split("（")[0] for h in hits for t in h["tricks"]})
    return [
        Finding(
            "hidden_link",
            SEVERITY_HIGH,
            f"发现 {len(hits)} 个指向外部网站的隐藏链接（暗链），手法：{'、'.join(tricks)}",
            {"url": url, "links": hits[:50]},
        )
    ]


# ----------------------------------------------------------------------------------------------
# Gambling / pornography words
# ----------------------------------------------------------------------------------------------
def _all_text(root: lxml.html.HtmlElement | None) -> str:
    """All text including hidden blocks, title and meta keywords/description (SEO injections live there)."""
    if root is None:
        return ""
    parts = [root.text_content()]
    for m in root.iter("meta"):
        if (m.get("name") or "").lower() in ("keywords", "description"):
            parts.append(m.get("content") or "")
    return re.sub(r"\s+", "", " ".join(parts))


def _bad_words(text: str) -> tuple[set[str], set[str], set[str]]:
    """(strong words, weak words outside legitimate context, legitimate contexts found)."""
    low = text.lower()
    strong = {w for w in GAMBLING_WORDS + PORN_WORDS if w.lower() in low}
    legit = {c for c in LEGIT_CONTEXTS if c in text}
    stripped = text
    for c in LEGIT_CONTEXTS:
        stripped = stripped.replace(c, "")
    weak = {w for w in WEAK_WORDS if w in stripped}
    return strong, weak, legit


def find_bad_words(html: str, known: Iterable[str] = ()) -> list[Finding]:
    """Gambling/porn words in a page; words listed in ``known`` (already in the baseline) are skipped."""
    root = parse_html(html)
    return _words_findings(_all_text(root), set(known), "")


def _check_words(root: lxml.html.HtmlElement, url: str, baseline: Mapping, checked_at: str) -> list[Finding]:
    out = _words_findings(_all_text(root), set(baseline.get("words", [])), url)
    for f in out:
        f.evidence["checked_at"] = checked_at
    return out


def _words_findings(text: str, known: set[str], url: str) -> list[Finding]:
    strong, weak, legit = _bad_words(text)
    strong -= known
    out: list[Finding] = []
    if strong:
        words = sorted(strong)
        out.append(
            Finding(
                "bad_words",
                SEVERITY_HIGH,
                f"页面出现涉赌涉黄词语：{'、'.join(words[:8])}",
                {"url": url, "words": words, "context": _contexts(text, words)},
            )
        )
    elif weak - known:
        words = sorted(weak - known)
        out.append(
            Finding(
                "bad_words",
                SEVERITY_LOW,
                f"页面出现“{'、'.join(words)}”字样，未见其他涉赌词语，请人工确认",
                {"url": url, "words": words, "context": _contexts(text, words)},
            )
        )
    elif legit - known:
        out.append(
            Finding(
                "bad_words",
                SEVERITY_LOW,
                f"页面出现“{'、'.join(sorted(legit))}”，属常见合法表述，仅供核对",
                {"url": url, "words": sorted(legit), "context": _contexts(text, sorted(legit))},
            )
        )
    return out


def _contexts(text: str, words: Sequence[str], width: int = 20) -> list[str]:
    out = []
    for w in words[:8]:
        i = text.lower().find(w.lower())
        if i >= 0:
            out.append(text[max(0, i - width) : i + len(w) + width])
    return out


# ----------------------------------------------------------------------------------------------
# Cloaking (content differs for search-engine crawlers or visitors arriving from a search engine)
# ----------------------------------------------------------------------------------------------
CLOAK_MIN_SIMILARITY = 0.8
_JS_REDIRECT_RE = re.compile(
    r"(?:window\.|document\.|top\.)?location(?:\.href)?\s*=\s*['\"](https?://[^'\"]+)|"
    r"location\.replace\(\s*['\"](https?://[^'\"]+)",
    re.I,
)


def _variant(html: str) -> dict:
    root = parse_html(html)
    text = visible_text(root)
    redirects = []
    if root is not None:
        for m in root.iter("meta"):
            if (m.get("http-equiv") or "").lower() == "refresh":
                mm = re.search(r"url\s*=\s*['\"]?([^'\";]+)", m.get("content") or "", re.I)
                if mm:
                    redirects.append(mm.group(1).strip())
        for s in root.iter("script"):
            for mm in _JS_REDIRECT_RE.finditer(s.text or ""):
                redirects.append(mm.group(1) or mm.group(2))
    return {
        "title": _title(root),
        "shingles": shingles(text),
        "text": text,
        "words": _bad_words(_all_text(root))[0],
        "redirects": redirects,
    }


def compare_variants(html_browser: str, html_spider: str, html_referer: str) -> list[Finding]:
    """Detect cloaking: the page fetched as a browser vs as Baiduspider vs with a Baidu referer."""
    b = _variant(html_browser)
    out: list[Finding] = []
    for which, html, kind, label in (
        ("spider", html_spider, "cloaking", "以搜索引擎爬虫（Baiduspider）访问"),
        ("referer", html_referer, "cloaking_referer", "从百度搜索结果进入（带百度 Referer）"),
    ):
        if html is None:
            continue
        v = _variant(html)
        sim = jaccard(b["shingles"], v["shingles"])
        new_words = sorted(v["words"] - b["words"])
        new_redirects = [r for r in v["redirects"] if r not in b["redirects"]]
        title_changed = (
            b["title"] != v["title"] and jaccard(shingles(b["title"], 2), shingles(v["title"], 2)) < 0.7
        )
        reasons = []
        if sim < CLOAK_MIN_SIMILARITY:
            reasons.append(f"正文相似度仅 {sim:.2f}")
        if title_changed:
            reasons.append(f"标题变为“{v['title'][:40]}”")
        if new_words:
            reasons.append(f"出现涉赌涉黄词语 {'、'.join(new_words[:5])}")
        if new_redirects:
            reasons.append(f"跳转到 {new_redirects[0][:80]}")
        if reasons:
            out.append(
                Finding(
                    kind,
                    SEVERITY_HIGH,
                    f"{label}时页面内容与普通访问不同：{'；'.join(reasons)}",
                    {
                        "variant": which,
                        "similarity": round(sim, 2),
                        "title_browser": b["title"],
                        "title_variant": v["title"],
                        "new_words": new_words,
                        "redirects": new_redirects,
                    },
                )
            )
    return out


# ----------------------------------------------------------------------------------------------
# Government-site inspection checks (政府网站检查指标)
# ----------------------------------------------------------------------------------------------
def _as_date(d: date | datetime | str) -> date | None:
    if isinstance(d, datetime):
        return d.date()
    if isinstance(d, date):
        return d
    m = _DATE_RE.search(str(d))
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def column_dates(html: str, selector: str) -> list[date]:
    """Dates (YYYY-MM-DD, YYYY年M月D日 …) of the items of one column, read from its list element."""
    root = parse_html(html)
    if root is None:
        return []
    try:
        els = root.cssselect(selector)
    except (SelectorError, SyntaxError, ValueError):
        logger.warning("bad column selector %r", selector)
        return []
    out = []
    for el in els:
        for m in _DATE_RE.finditer(el.text_content()):
            d = _as_date(m.group(0))
            if d:
                out.append(d)
    return out


def check_column_update(
    column: str,
    dates: Sequence[date | datetime | str],
    *,
    now: datetime | date,
    max_days: int = 14,
    url: str = "",
) -> list[Finding]:
    """A column whose newest item is older than ``max_days`` (动态要闻类 14 天, 通知公告/政策类 180 天)."""
    parsed = [d for d in (_as_date(x) for x in dates) if d]
    today = now.date() if isinstance(now, datetime) else now
    if not parsed:
        return check_blank_column(column, [], url=url)
    newest = max(parsed)
    age = (today - newest).days
    if age > max_days:
        sev = SEVERITY_HIGH if age > 2 * max_days else SEVERITY_MEDIUM
        return [
            Finding(
                "stale_column",
                sev,
                f"栏目“{column}”已 {age} 天未更新（最近更新 {newest.isoformat()}，要求 {max_days} 天内）",
                {
                    "column": column,
                    "url": url,
                    "newest": newest.isoformat(),
                    "age_days": age,
                    "max_days": max_days,
                },
            )
        ]
    return []


def check_blank_column(column: str, items: Sequence, *, url: str = "") -> list[Finding]:
    """A column with no entries (空白栏目)."""
    real = [i for i in items if str(i).strip()]
    if real:
        return []
    return [
        Finding(
            "blank_column",
            SEVERITY_HIGH,
            f"栏目“{column}”为空白栏目，无任何内容",
            {"column": column, "url": url},
        )
    ]


def check_columns(
    columns: Mapping[str, Sequence[date | datetime | str]],
    *,
    now: datetime | date,
    max_days: int = 14,
    max_days_by_column: Mapping[str, int] | None = None,
    url: str = "",
) -> list[Finding]:
    """Stale and blank checks for many columns: ``{column name: item dates}``."""
    out: list[Finding] = []
    per = max_days_by_column or {}
    for name, dates in columns.items():
        out += check_column_update(name, dates, now=now, max_days=per.get(name, max_days), url=url)
    return out


def check_broken_links(
    statuses: Mapping[str, int | None], *, page_url: str = "", max_broken: int = 5
) -> list[Finding]:
    """Links whose final status is an error (≥ 400) or no answer (``None``/0).

    More than ``max_broken`` broken links on one page is high severity (the inspection's
    首页不可用链接 rule); fewer are medium.
    """
    broken = {u: s for u, s in statuses.items() if not s or s >= 400}
    if not broken:
        return []
    sev = SEVERITY_HIGH if len(broken) > max_broken else SEVERITY_MEDIUM
    listed = [{"href": u, "status": s or "无响应"} for u, s in sorted(broken.items())]
    return [
        Finding(
            "broken_links",
            sev,
            f"页面有 {len(broken)} 个不可用链接（共检查 {len(statuses)} 个）",
            {"url": page_url, "links": listed[:100], "checked": len(statuses)},
        )
    ]
