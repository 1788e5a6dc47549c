"""Normalise crawled Chinese text: full-width to half-width, site boilerplate and URLs out, sentences split.

Pure string functions used by reprint detection and event clustering. They never change the meaning of
the body text; they only remove what differs between two copies of the same article on different sites
(source and editor lines, share bars, breadcrumbs, links, spacing and punctuation width).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

logger = logging.getLogger(__name__)

# Full-width ASCII (U+FF01..U+FF5E) maps to U+0021..U+007E; the ideographic space to a plain space.
_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_HALFWIDTH[0x3000] = 0x20

_URL = re.compile(r"(?:https?://|ftp://|www\.)[^\s\u3000<>\"'，。；、）)】\]]+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")

# Words that open a boilerplate line when followed by a colon: source, editor, author, reprint notice.
_LABELS = (
    "来源|稿源|文章来源|本文来源|新闻来源|信息来源|消息来源|出处|责任编辑|责编|编辑|主编|审核|审校|校对|"
    "作者|撰文|供稿|通讯员|记者|摄影|图片来源|原标题|原文标题|原文链接|原文地址|本文链接|转载请注明|"
    "发布时间|发布日期|更新时间|时间|日期|浏览次数|阅读次数|点击数|浏览量|字号|分享到|分享|关键词|标签|"
    "相关阅读|相关新闻|相关链接|延伸阅读|推荐阅读|上一篇|下一篇|免责声明|声明|版权声明|纠错"
)
_LABEL_LINE = re.compile(rf"^\s*[【\[(（]?\s*(?:{_LABELS})\s*[】\])）]?\s*[:：]")
# Boilerplate inside a line: "(来源：人民网)", "【责任编辑：张三】".
_LABEL_INLINE = re.compile(rf"[【\[(（]\s*(?:{_LABELS})\s*[:：][^】\])）\n]{{0,40}}[】\])）]")
# A trailing "来源：xx 责任编辑：yy" run at the very end of a one-line body.
_LABEL_TAIL = re.compile(rf"(?:\s*(?:{_LABELS})\s*[:：]\s*[^\s:：。！？]{{1,20}}){{1,4}}\s*$")
# Short lines made of navigation / share / copyright furniture.
_FURNITURE = re.compile(
    r"^\s*(?:"
    r"首页\s*[>›»/].*|.*\s[>›»]\s.*[>›»]\s.*|当前位置\s*[:：].*|您的位置\s*[:：].*|"
    r"分享到.*|扫一扫.*|扫描二维码.*|长按识别二维码.*|微信扫一扫.*|"
    r"\[?\s*打印(?:本页)?\s*\]?\s*\[?\s*关闭(?:窗口)?\s*\]?|【?\s*(?:打印|关闭|返回顶部|收藏|大|中|小)\s*】?|"
    r"(?:版权所有|copyright|©).*|.*(?:ICP备|ICP证|公网安备).*|"
    r"(?:点击|欢迎)(?:进入|关注|订阅|下载).{0,30}|(?:本文|本站|此文)(?:为|系)?转载.{0,60}|"
    r"如(?:有|涉及)?侵权.{0,40}|未经(?:授权|许可).{0,40}"
    r")\s*$",
    re.IGNORECASE,
)
_FURNITURE_MAX_LEN = 80
_NOT_ALNUM = re.compile(r"[\W_]+")  # \w is exactly str.isalnum() plus "_"
_SENTENCE_PUNCT = re.compile(r"[。！？!?]")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\ufeff]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;…])(?![”’\"'」』）)])|(?<=[。！？!?][”’\"'」』）)])|\n+")


def to_halfwidth(text: str) -> str:
    """Map full-width letters, digits and ASCII punctuation (and U+3000) to their half-width forms."""
    return text.translate(_HALFWIDTH)


def strip_urls(text: str) -> str:
    """Remove URLs and e-mail addresses."""
    return _EMAIL.sub(" ", _URL.sub(" ", text))


def is_boilerplate_line(line: str) -> bool:
    """True for a short line that is site furniture: source/editor lines, breadcrumbs, share bars, copyright."""
    stripped = line.strip()
    if not stripped:
        return True
    if len(stripped) > _FURNITURE_MAX_LEN:
        return False
    label = _LABEL_LINE.match(stripped)
    if label:
        # "记者：你怎么看？" in an interview is content; "记者：张三" is not. Furniture never ends a sentence.
        return not _SENTENCE_PUNCT.search(stripped[label.end() :])
    return bool(_FURNITURE.match(stripped))


def strip_boilerplate(text: str) -> str:
    """Drop boilerplate lines, inline "(来源：…)" notes, a trailing "来源：… 责任编辑：…" run and URLs."""
    text = strip_urls(text)
    kept = [line for line in text.splitlines() if not is_boilerplate_line(line)]
    body = "\n".join(kept)
    body = _LABEL_INLINE.sub(" ", body)
    body = _LABEL_TAIL.sub("", body)
    return body


@lru_cache(maxsize=256)  # analysis normalises one body for several signals in a row
def normalize_text(text: str) -> str:
    """Readable normal form: NFC, half-width, boilerplate and URLs out, spaces collapsed, lines kept."""
    if not text:
        return ""
    text = to_halfwidth(unicodedata.normalize("NFC", text))
    text = strip_boilerplate(text)
    text = _SPACES.sub(" ", text)
    text = _BLANK_LINES.sub("\n", text)
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def content_chars(text: str) -> str:
    """The letters, digits and CJK characters of the normalised text, lower-cased, nothing else.

    Two copies of an article that differ only in spacing, punctuation width or site furniture give the
    same string, which is what character shingles for reprint detection are built from.
    """
    return _NOT_ALNUM.sub("", normalize_text(text).lower())


def split_sentences(text: str) -> list[str]:
    """Split on Chinese and Western sentence ends (keeping them) and on line breaks; drop empty pieces."""
    return [piece.strip() for piece in _SENTENCE_END.split(text) if piece and piece.strip()]


def split_paragraphs(text: str) -> list[str]:
    """Non-empty lines of the text, stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]
