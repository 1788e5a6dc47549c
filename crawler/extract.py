"""Turn a fetched news page into an article: decode its bytes, then extract title, time, author, media, body.

Pure functions, no Scrapy. Body extraction runs two extractors and keeps the better-looking result:
our own block-density extractor (GNE / readability family: it scores every container by the punctuated,
non-link text inside it and penalises link and menu text), and trafilatura. Metadata comes from meta
tags and JSON-LD first, then the visible text next to the headline, then the URL. Nothing here raises
on bad input: missing pieces come back as None or "" and `problems` lists what went wrong.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from crawler.dates import RELATIVE_KINDS, SHANGHAI, date_from_url, find_datetimes, parse_datetime

__all__ = ["decode_html", "decode_html_detailed", "extract_article", "parse_datetime", "MAX_HTML_CHARS"]

logger = logging.getLogger(__name__)

MAX_HTML_CHARS = 5_000_000

# ---------------------------------------------------------------------------------------------------------
# decoding

_SUPERSETS = {
    "gb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "euc-cn": "gb18030",
    "hz-gb-2312": "gb18030",
    "gb18030": "gb18030",
    "big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "shift_jis": "cp932",
    "sjis": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "utf8": "utf-8",
    "unicode": "utf-8",
}
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([-\w.:]+)""", re.I)
_XML_CHARSET = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([-\w.:]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _superset(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    mapped = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(mapped).name
    except LookupError:
        return None


def _declared_charsets(body: bytes, declared: str | None) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    head = body[:8192]
    for path, name in (
        ("declared", declared),
        ("meta", (m.group(1).decode("ascii", "ignore") if (m := _META_CHARSET.search(head)) else None)),
        ("xml", (m.group(1).decode("ascii", "ignore") if (m := _XML_CHARSET.search(head)) else None)),
    ):
        enc = _superset(name)
        if enc and enc not in [e for _, e in out]:
            out.append((path, enc))
    return out


def _few_errors(body: bytes, encoding: str) -> str | None:
    """Decode leniently; accept when replacement characters are rare (a stray bad byte in a big page)."""
    try:
        text = body.decode(encoding, errors="replace")
    except LookupError:
        return None
    bad = text.count("\ufffd") - body.count("\xef\xbf\xbd".encode("latin-1"))
    return text if bad <= max(2, len(text) // 2000) else None


def decode_html_detailed(body: bytes, declared: str | None = None) -> tuple[str, str, str]:
    """Decode page bytes; returns (text, encoding, path) where path tells which rule decided.

    Order: BOM; strict UTF-8; the declared (HTTP header) then meta charset mapped to its superset
    (gb2312/gbk -> gb18030), strict then with few errors; strict GB18030 when the result is Chinese;
    charset-normalizer; finally UTF-8 with replacement characters.
    """
    if not body:
        return "", "utf-8", "empty"
    for bom, enc in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(enc, errors="replace"), enc, "bom"
    try:
        return body.decode("utf-8"), "utf-8", "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = [(p, e) for p, e in _declared_charsets(body, declared) if e != "utf-8"]
    for path, enc in candidates:
        try:
            return body.decode(enc), enc, path
        except (UnicodeDecodeError, LookupError):
            continue
    for path, enc in candidates:
        text = _few_errors(body, enc)
        if text is not None:
            return text, enc, path + "-lenient"
    try:
        text = body.decode("gb18030")
        if len(_CJK.findall(text[:20000])) >= 20:
            return text, "gb18030", "sniff-gb18030"
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:200_000]).best()
        if best is not None:
            enc = _superset(best.encoding) or best.encoding
            text = _few_errors(body, enc)
            if text is not None:
                return text, enc, "charset-normalizer"
    except Exception:  # charset-normalizer is a best effort; fall through to lossy UTF-8
        logger.debug("charset-normalizer failed", exc_info=True)
    text = _few_errors(body, "gb18030")
    if text is not None:
        return text, "gb18030", "lenient-gb18030"
    return body.decode("utf-8", errors="replace"), "utf-8", "utf-8-replace"


def decode_html(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode page bytes whatever the headers or meta claim; returns (text, encoding)."""
    text, encoding, path = decode_html_detailed(body, declared)
    logger.debug("decoded %d bytes as %s via %s", len(body), encoding, path)
    return text, encoding


# ---------------------------------------------------------------------------------------------------------
# parsing helpers

_DROP_TAGS = {
    "script", "style", "noscript", "iframe", "object", "embed", "svg", "canvas", "select", "option", "button",
    "input", "textarea", "link", "meta", "template", "map", "area", "nav", "aside", "footer", "head", "title",
    "audio", "video", "source", "picture", "label",
}  # fmt: skip
_BLOCK_TAGS = {
    "p", "div", "td", "th", "tr", "table", "tbody", "thead", "tfoot", "li", "ul", "ol", "dl", "dt", "dd", "h1",
    "h2", "h3", "h4", "h5", "h6", "article", "section", "main", "header", "blockquote", "pre", "center",
    "form", "fieldset", "body", "html", "figure", "figcaption", "address", "caption", "hr", "br", "font-block",
}  # fmt: skip
_PUNCT = set("，。！？；：、“”‘’（）《》…,.!?;:")
_SENT_PUNCT = set("，。！？；、”")
_NEG_ATTR = re.compile(
    r"comment|share|related|recommend|relate|footer|copyright|breadcrumb|crumb|sidebar|side-bar|"
    r"\bnav|menu|advert|\bads?\b|banner|hot-?news|rank|tags?\b|pager|pagination|login|toolbar|"
    r"xgyd|xgxw|tuijian|pinglun|bottom|\bfoot",
    re.I,
)
# containers whose whole content is boilerplate: comments, related links, share bars, footers
_BOILER_ATTR = re.compile(
    r"comment|reply|pinglun|related|relate[_-]|recommend|tuijian|xgxw|xgyd|share|sidebar|side-bar|footer|copyright|"
    r"breadcrumb",
    re.I,
)
_POS_ATTR = re.compile(r"article|content|main|\btext|body|artibody|endtext|zhengwen|detail|post|entry", re.I)
_BOILERPLATE = re.compile(
    r"^(?:[【\[（(]?\s*(?:责任编辑|编辑|责编|校对|审核|审校|监制|值班编辑)\s*[：:].{0,30}$)|"
    r"版权所有|Copyright|©|ICP备|ICP证|未经.{0,10}(?:授权|许可).{0,12}(?:转载|使用)|"
    r"^(?:分享到|打印本页|关闭窗口|打印|关闭|返回顶部|【打印】|【关闭】|字号|纠错|扫一扫|点击进入|相关新闻|相关阅读|延伸阅读|推荐阅读|热点推荐)|"
    r"^上一篇|^下一篇|^(?:我要)?(?:发表)?评论|^网友评论|^(?:查看|更多).{0,8}(?:评论|新闻|>>)",
    re.I,
)
_WS = re.compile(r"\s+")


def _clean_space(text: str) -> str:
    return _WS.sub(" ", text.replace("\u3000", " ").replace("\xa0", " ")).strip()


def _nonspace_len(text: str) -> int:
    return sum(1 for c in text if not c.isspace())


def _parse(text: str) -> Any:
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    text = text.replace("\x00", "")
    if not text.strip():
        return None
    try:
        return lxml_html.document_fromstring(
            text, parser=lxml_html.HTMLParser(recover=True, remove_comments=True)
        )
    except (etree.ParserError, ValueError, TypeError):
        logger.debug("lxml could not parse the page", exc_info=True)
        return None


def _attr_text(el: Any) -> str:
    return f"{el.get('class', '')} {el.get('id', '')}"


def _hidden(el: Any) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style or el.get("hidden") is not None


# ---------------------------------------------------------------------------------------------------------
# density extractor


LINK_PENALTY = 0.5  # weight of a link line's characters against a container
SHORT_PENALTY = 0.3  # weight of a short unpunctuated line's characters (menus, labels)


@dataclass
class _Line:
    el: Any
    text: str = ""
    link_chars: int = 0
    chars: int = 0
    boiler: bool = False
    parts: list[str] = field(default_factory=list)


def _lines(root: Any) -> list[_Line]:
    """Walk the tree once and cut its visible text into lines at block boundaries and <br>."""
    lines: list[_Line] = []
    cur = _Line(root)

    def flush(next_el: Any) -> None:
        nonlocal cur
        text = _clean_space("".join(cur.parts))
        if text:
            cur.text = text
            cur.chars = _nonspace_len(text)
            lines.append(cur)
        cur = _Line(next_el)

    def add(text: str | None, in_link: bool) -> None:
        if text:
            cur.parts.append(text)
            if in_link:
                cur.link_chars += _nonspace_len(text)

    def walk(el: Any, block: Any, in_link: bool, boiler: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.lower()
        if not tag or tag in _DROP_TAGS or _hidden(el):
            return
        is_block = tag in _BLOCK_TAGS
        link = in_link or tag == "a"
        if is_block and not boiler and tag not in ("body", "html"):
            boiler = bool(_BOILER_ATTR.search(_attr_text(el)))
        if is_block:
            flush(el)
        elif not cur.parts:
            cur.el = block
        cur.boiler = cur.boiler or boiler
        add(el.text, link)
        for child in el:
            walk(child, el if is_block else block, link, boiler)
            if child.tail:
                if is_block and not cur.parts:
                    cur.el = el
                add(child.tail, link and tag == "a")
        if is_block:
            flush(block)

    try:
        walk(root, root, False, False)
        flush(root)
    except RecursionError:
        logger.debug("page nested too deep for the density walk")
    return lines


def _line_quality(line: _Line) -> float:
    """Positive for sentence-like text, negative for links and short unpunctuated fragments."""
    plain = line.chars - line.link_chars
    if line.boiler or (line.chars and line.link_chars / line.chars > 0.5):
        return -LINK_PENALTY * line.chars
    punct = sum(1 for c in line.text if c in _SENT_PUNCT)
    if plain >= 10 and punct >= 1:
        return float(plain) * min(1.0, 0.6 + punct * 0.2)
    if plain >= 40:
        return plain * 0.5
    return -SHORT_PENALTY * plain


def _density_body(root: Any) -> tuple[str, Any]:
    body = root.find(".//body")
    if body is None:
        body = root
    lines = _lines(body)
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
        attr = _attr_text(el)
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


def _assemble(lines: list[_Line]) -> str:
    kept: list[_Line] = []
    for line in lines:
        if line.boiler or (line.chars and line.link_chars / line.chars > 0.5 and line.chars < 80):
            continue
        if line.chars < 60 and _BOILERPLATE.search(line.text):
            continue
        kept.append(line)

    # trim menus and bylines at both ends: short lines without sentence punctuation
    def weak(line: _Line) -> bool:
        return line.chars < 20 and not any(c in _SENT_PUNCT for c in line.text)

    while kept and weak(kept[0]):
        kept.pop(0)
    while kept and weak(kept[-1]):
        kept.pop()
    return "\n".join(line.text for line in kept)


# ---------------------------------------------------------------------------------------------------------
# trafilatura and the choice between extractors


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
        n = _nonspace_len(line)
        if not n:
            continue
        punct = sum(1 for c in line if c in _SENT_PUNCT)
        cells = line.count("|")
        if n >= 10 and punct and cells * 20 < n and not (n < 80 and _BOILERPLATE.search(line)):
            score += n
        else:
            score -= n
    return score


def _clean_trafilatura(text: str) -> str:
    lines = [ln.strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln and not (_nonspace_len(ln) < 80 and _BOILERPLATE.search(ln)))


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


# ---------------------------------------------------------------------------------------------------------
# metadata

_TITLE_SEP = re.compile(r"\s*(?:_|\||｜|--+|——|—|–|\s-\s|-(?=[^-]{2,12}$))\s*")
_DATE_META = (
    "article:published_time", "og:article:published_time", "og:published_time", "pubdate", "publishdate",
    "publish_date", "publishtime", "publish-date", "published_time", "article.published", "sailthru.date",
    "dc.date.issued", "dc.date", "dcterms.created", "dcterms.date", "datepublished", "date", "weibo:article:create_at",
    "firstpublishedtime", "releasedate", "contentpublishtime", "ptime", "created",
)  # fmt: skip
_AUTHOR_META = (
    "citation_author",
    "article:author",
    "author",
    "dc.creator",
    "byline",
    "sailthru.author",
    "contentauthor",
)
_MEDIA_META = ("source", "article:source", "contentsource", "mediaid", "copyright-source")
_SITE_META = ("og:site_name", "sitename", "site_name", "application-name")
_MEDIA_PATTERNS = [
    re.compile(
        r"(?:来\s*源|稿\s*源|出\s*处|来\s*自|转\s*自|消息来源|新闻来源|信息来源|文章来源)\s*[：:]\s*(?P<m>[^\s\d|｜:：,，。<>]{2,30})"
    ),
]
_MEDIA_STOP = re.compile(r"(?:作者|记者|编辑|责任|发布|时间|日期|点击|浏览|阅读|字号|【|\[|\().*$")
_DATE_LABEL = re.compile(
    r"(?:发布|发表|更新|出版|录入|添加|上传|提交|刊发|稿件)\s*(?:时间|日期)\s*[：:]?|(?:时间|日期)\s*[：:]|发布于|发表于|由\S{1,12}于|published|posted",
    re.I,
)
_COPYRIGHT = re.compile(r"copyright|版权所有|©|ICP", re.I)


def _meta_map(root: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = (
            meta.get("property") or meta.get("name") or meta.get("itemprop") or meta.get("http-equiv") or ""
        ).strip()
        val = (meta.get("content") or "").strip()
        if key and val and key.lower() not in out:
            out[key.lower()] = val
    for el in root.xpath("//*[@itemprop='datePublished' or @itemprop='author']"):
        key = el.get("itemprop").lower()
        val = (el.get("content") or el.get("datetime") or el.text_content() or "").strip()
        if val and key not in out:
            out[key] = val
    return out


def _json_ld(root: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for script in root.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except (ValueError, TypeError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                found.append(item)
                if "@graph" in item:
                    stack.append(item["@graph"])
    return found


def _ld_author(item: dict[str, Any]) -> str | None:
    author = item.get("author")
    if isinstance(author, list) and author:
        author = author[0]
    if isinstance(author, dict):
        author = author.get("name")
    return author.strip() if isinstance(author, str) and author.strip() else None


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


def _title(root: Any, meta: dict[str, str]) -> tuple[str, Any]:
    """Headline: the page heading that the <title> (or og:title) starts with, else <title> minus its site suffix."""
    raw = ""
    title_el = root.find(".//title")
    if title_el is not None:
        raw = _clean_space(title_el.text_content() or "")
    og = _clean_space(meta.get("og:title", "") or meta.get("title", ""))
    source = raw or og
    stripped = _strip_site_suffix(source)
    norm_stripped = _norm_title(stripped)
    norm_sources = [n for n in (_norm_title(raw), _norm_title(og)) if n]
    best, best_el, best_rank = "", None, (-1, -1)
    for el in _headline_candidates(root):
        text = _clean_space(el.text_content() or "")
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
        text = _clean_space(el.text_content() or "")
        if 4 <= len(text) <= 120:
            return text, el
    return "", None


_NAME_WORDS = re.compile(
    r"^(?:本报|本台|本网|记者|编辑|责编|来源|时间|日期|新闻|报道|通讯员|实习生|摄影|综合|整理|网友|转载|原创|未知|佚名|"
    r"匿名|管理员|admin|administrator|发布|作者|阅读|评论|分享|打印|关闭|首页|正文|返回|更多|点击|详情|字号|图片|视频|"
    r"责任编辑|文章|专栏|博客|我的|个人|中国|新华社|人民网|新华网|小编|本站|网站|关注|粉丝|收藏|点赞|转发|举报|回复|"
    r"登录|注册|申请版主|版主|楼主|精华|置顶|热门|推荐|相关|最新|查看|全文|原文|简介|目录|上一页|下一页)$",
    re.I,
)
# common Chinese surnames (the 百家姓 ones still in wide use); a bare name without a byline label must start with one
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范"
    "金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂"
    "章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解"
    "牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑"
    "郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆"
    "朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战"
    "慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
)
_COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
    "令狐",
)


def _surname_ok(name: str) -> bool:
    return name[:1] in _SURNAMES or name[:2] in _COMPOUND_SURNAMES or "·" in name


_CJK_NAME = re.compile(r"^[\u4e00-\u9fa5]{2,4}$|^[\u4e00-\u9fa5]{1,6}·[\u4e00-\u9fa5·]{1,10}$")
_LATIN_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]{1,24}$")
_REPORT_TAIL = re.compile(r"(?:[\u4e00-\u9fa5]{0,6}报道|发自.*|摄影?|/?文|电|讯|供稿|撰稿)$")


def _names_after(text: str, *, latin: bool, surname: bool = False, short: bool = False) -> str | None:
    """The run of person names at the start of `text` (tokens split by spaces or 、), or None."""
    text = re.split(r"[）)\]】【\[。；;：:！!？?\n]", text.strip(), maxsplit=1)[0]
    tokens = [t for t in re.split(r"[ \t\u3000\xa0、，,/]+", text) if t]
    merged: list[str] = []
    for token in tokens:  # "王 勇" is a two-character name padded with a space
        if (
            merged
            and len(merged[-1]) == 1
            and len(token) == 1
            and _CJK.match(token)
            and _CJK.match(merged[-1])
        ):
            merged[-1] += token
        else:
            merged.append(token)
    names: list[str] = []
    for token in merged:
        token = token.strip("（([【 |")
        tail = _REPORT_TAIL.search(token) if len(token) > 2 and not _LATIN_NAME.match(token) else None
        if tail:
            token = token[: tail.start()]
        if short and len(token) > 3 and "·" not in token:
            break  # unlabelled names: 2-3 characters, as nearly all Chinese names are
        ok = (_CJK_NAME.match(token) and (not surname or _surname_ok(token))) or (
            latin and _LATIN_NAME.match(token) and not token.isdigit()
        )
        if not ok or _NAME_WORDS.match(token):
            break
        names.append(token)
        if tail:
            break
    return " ".join(names) if names else None


_BYLINE_LABELS = [
    # (priority, label pattern, latin names allowed, surname required)
    (
        0,
        re.compile(r"(?:作\s*者|撰\s*稿|撰\s*文|执笔人?|作者署名|(?:^|[\s（(])文)\s*[：:/｜|]\s*", re.M),
        True,
        False,
    ),
    (0, re.compile(r"本[贴帖]由\s*(?=\S+?于)"), True, False),
    (1, re.compile(r"[（(]\s*(?:[\u4e00-\u9fa5]{0,6}记者|通讯员)\s*"), False, False),
    (1, re.compile(r"(?:记\s*者|实习生|通讯员|特约撰稿人?)\s*[：:]?\s*"), False, True),
    (3, re.compile(r"(?:责任编辑|责\s*编|编\s*辑)\s*[：:]\s*"), True, False),
]
_PAREN_NAMES = re.compile(
    r"[（(]\s*((?:[\u4e00-\u9fa5·]{2,10}[ \u3000、]*){1,6}?)\s*(?:[\u4e00-\u9fa5]{2,6}报道)?\s*[)）]\s*$"
)
_BRACKET_NAMES = re.compile(r"[\[【]\s*([\u4e00-\u9fa5·、 ]{2,20}?)\s*[\]】]")


def _author_candidates(head: str, tail: str, body_tail: str = "") -> list[tuple[int, int, str]]:
    """(priority, position, name) for bylines in the head region (title to body) and the body's end."""
    found: list[tuple[int, int, str]] = []
    for offset, region in ((0, head), (100_000, tail)):
        for prio, label, latin, surname in _BYLINE_LABELS:
            for m in label.finditer(region):
                line_rest = region[m.end() :].split("\n", 1)[0]
                name = _names_after(line_rest, latin=latin, surname=surname)
                if name:
                    found.append((prio, offset + m.start(), name))
    for line in (body_tail or tail).split("\n")[-3:]:
        m = _PAREN_NAMES.search(line.strip())
        if m:
            name = _names_after(m.group(1), latin=False, surname=True, short=True)
            if name:
                found.append((2, 200_000, name))
    for m in _BRACKET_NAMES.finditer(head):
        name = _names_after(m.group(1), latin=False, surname=True, short=True)
        if name and len(name.replace(" ", "")) >= len(m.group(1).replace(" ", "").replace("、", "")) - 1:
            found.append((2, 250_000 + m.start(), name))
    for i, line in enumerate(head.split("\n")[1:4]):
        line = line.strip()
        if 2 <= len(line) <= 30 and re.fullmatch(r"[\u4e00-\u9fa5·、 ]+", line):
            name = _names_after(line, latin=False, surname=True, short=True)
            if name and len(name.replace(" ", "")) >= len(line.replace(" ", "").replace("、", "")) - 1:
                found.append((2, 300_000 + i, name))
    found.sort(key=lambda f: (f[0], f[1]))
    return found


def _media_from_text(text: str) -> str | None:
    for pattern in _MEDIA_PATTERNS:
        for m in pattern.finditer(text):
            media = _MEDIA_STOP.sub("", m.group("m")).strip(" ,，、/|")
            if 2 <= len(media) <= 30:
                return media
    return None


def _page_text(root: Any) -> str:
    body = root.find(".//body")
    if body is None:
        return ""
    return "\n".join(line.text for line in _lines(body))


def _on_short_line(text: str, pos: int, limit: int = 50) -> bool:
    """Relative times ("3小时前", "昨天 10:20") count only on a short metadata line, not in running text."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return (end if end >= 0 else len(text)) - start <= limit


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
        near = [f for f in near if f[2] not in RELATIVE_KINDS or _on_short_line(page_text, f[0])]
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


def _lang(root: Any, text: str) -> str | None:
    lang = (root.get("lang") or root.get("xml:lang") or "").strip().lower()
    sample = text[:3000]
    cjk = len(_CJK.findall(sample))
    latin = len(re.findall(r"[A-Za-z]", sample))
    if cjk and cjk >= latin * 0.25:
        return "zh"
    if latin:
        return lang.split("-")[0] if lang else "en"
    return lang.split("-")[0] if lang else None


# ---------------------------------------------------------------------------------------------------------
# the public entry point


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


def extract_article(html: str, url: str, *, now: datetime | None = None) -> dict[str, Any]:
    """Extract title, published_at, author, media, body, lang from a decoded page. Never raises.

    `extractor` says which path produced the body ("density", "trafilatura", "none"); `problems` lists
    short English codes (empty, too_large, unparsable, no_title, no_body, no_date) for the caller to count.
    """
    now = now or datetime.now(SHANGHAI)
    if not isinstance(html, str) or not html.strip():
        return _empty(["empty"])
    if len(html) > MAX_HTML_CHARS:
        logger.info("skipping %s: %d characters of HTML exceeds %d", url, len(html), MAX_HTML_CHARS)
        return _empty(["too_large"])
    try:
        return _extract(html, url or "", now)
    except Exception:  # the contract is "never raise": log loudly, return what is safe
        logger.exception("extraction failed for %s", url)
        return _empty(["error"])


def _extract(html: str, url: str, now: datetime) -> dict[str, Any]:
    root = _parse(html)
    if root is None:
        return _empty(["unparsable"])
    problems: list[str] = []
    meta = _meta_map(root)
    ld = _json_ld(root)
    title, _title_el = _title(root, meta)

    density, _node = _density_body(root)
    traf = _trafilatura_body(html, url)
    body, extractor = _choose(density, traf)
    page_text = _page_text(root)

    h_start, h_end = _head_span(page_text, title, body)
    head_text = page_text[h_start:h_end] if h_start >= 0 else ""
    head_text += "\n" + "\n".join(body.split("\n")[:2])[:300]

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
        published, strong = _visible_date(page_text, (h_start, h_end), body, now)
        if not strong:
            published = _htmldate(html, url, now) or published
    if published is None:
        published = date_from_url(url, now)

    tail_text = "\n".join(body.split("\n")[-3:])[-400:]
    body_end = page_text.find(tail_text[-30:]) if tail_text else -1
    if body_end >= 0:
        tail_text += page_text[body_end + 30 : body_end + 200]
    candidates = _author_candidates(head_text, tail_text, "\n".join(body.split("\n")[-3:]))
    author = candidates[0][2] if candidates and candidates[0][0] < 3 else None
    if author is None:
        for item in ld:
            author = _ld_author(item)
            if author:
                break
    if author is None:
        for key in _AUTHOR_META:
            val = meta.get(key, "").strip()
            name = _names_after(re.split(r"[,;，；]", val)[0], latin=True, surname=True) if val else None
            if name:
                author = name
                break
    if author is None and candidates:
        author = candidates[0][2]  # only an editor's name was found

    media = _media_from_text(head_text) or _media_from_text(tail_text)
    if media is None:
        for key in _MEDIA_META + _SITE_META:
            if meta.get(key):
                media = meta[key].strip()[:60]
                break

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
        "lang": _lang(root, body or page_text),
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
