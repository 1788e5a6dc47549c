"""Source media (来源): a labelled source near the headline or after the body, else the source and site-name
meta tags."""

from __future__ import annotations

import re

_MEDIA_META = ("source", "article:source", "contentsource", "mediaid", "copyright-source")
_SITE_META = ("og:site_name", "sitename", "site_name", "application-name")
_MEDIA_PATTERNS = [
    re.compile(
        r"(?:来\s*源|稿\s*源|出\s*处|来\s*自|转\s*自|消息来源|新闻来源|信息来源|文章来源)\s*[：:]\s*(?P<m>[^\s\d|｜:：,，。<>]{2,30})"
    ),
]
_MEDIA_STOP = re.compile(r"(?:作者|记者|编辑|责任|发布|时间|日期|点击|浏览|阅读|字号|【|\[|\().*$")


def find_media(head_text: str, tail_text: str, meta: dict[str, str]) -> str | None:
    """The media that published the article first, as the page names it."""
    media = _media_from_text(head_text) or _media_from_text(tail_text)
    if media is None:
        for key in _MEDIA_META + _SITE_META:
            if meta.get(key):
                media = meta[key].strip()[:60]
                break
    return media


def _media_from_text(text: str) -> str | None:
    for pattern in _MEDIA_PATTERNS:
        for m in pattern.finditer(text):
            media = _MEDIA_STOP.sub("", m.group("m")).strip(" ,，、/|")
            if 2 <= len(media) <= 30:
                return media
    return None
