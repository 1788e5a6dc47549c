"""The page as a tree and as lines: lenient parsing, hidden and boilerplate containers, visible text lines.

`text_lines` walks the tree once and cuts its visible text into lines at block boundaries and <br>; the
body extractor scores those lines and the metadata finders read the page text they join into.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from crawler.extract.utils import clean_space, nonspace_len

logger = logging.getLogger(__name__)

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
# containers whose whole content is boilerplate: comments, related links, share bars, footers
_BOILER_ATTR = re.compile(
    r"comment|reply|pinglun|related|relate[_-]|recommend|tuijian|xgxw|xgyd|share|sidebar|side-bar|footer|copyright|"
    r"breadcrumb",
    re.I,
)


def load_html(text: str) -> Any:
    """The page as an lxml tree (comments dropped), or None when it is empty or unparsable."""
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


def attr_text(el: Any) -> str:
    return f"{el.get('class', '')} {el.get('id', '')}"


def is_hidden(el: Any) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style or el.get("hidden") is not None


@dataclass
class Line:
    el: Any
    text: str = ""
    link_chars: int = 0
    chars: int = 0
    boiler: bool = False
    parts: list[str] = field(default_factory=list)


def text_lines(root: Any) -> list[Line]:
    """Walk the tree once and cut its visible text into lines at block boundaries and <br>."""
    lines: list[Line] = []
    cur = Line(root)

    def flush(next_el: Any) -> None:
        nonlocal cur
        text = clean_space("".join(cur.parts))
        if text:
            cur.text = text
            cur.chars = nonspace_len(text)
            lines.append(cur)
        cur = Line(next_el)

    def add(text: str | None, in_link: bool) -> None:
        if text:
            cur.parts.append(text)
            if in_link:
                cur.link_chars += nonspace_len(text)

    def walk(el: Any, block: Any, in_link: bool, boiler: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.lower()
        if not tag or tag in _DROP_TAGS or is_hidden(el):
            return
        is_block = tag in _BLOCK_TAGS
        link = in_link or tag == "a"
        if is_block and not boiler and tag not in ("body", "html"):
            boiler = bool(_BOILER_ATTR.search(attr_text(el)))
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


def page_text(root: Any) -> str:
    """The visible text of the page's <body>, one line per block (navigation, asides, footers dropped)."""
    return page_texts(root)[0]


def page_texts(root: Any) -> tuple[str, str]:
    """(text, dated): the page text, and the same text with every character of link-dominated and
    boilerplate lines (related-link lists, archives, comment and footer containers) blanked out, so that
    positions agree and a date in such a line is never read as the page's."""
    body = root.find(".//body")
    if body is None:
        return "", ""
    lines = text_lines(body)
    text = "\n".join(line.text for line in lines)
    dated = "\n".join(" " * len(line.text) if _linky(line) else line.text for line in lines)
    return text, dated


def _linky(line: Line) -> bool:
    return line.boiler or (line.chars > 0 and line.link_chars / line.chars > 0.5)
