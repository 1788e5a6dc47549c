"""Bytes to text: BOM, strict UTF-8, the declared and meta charsets mapped to their supersets, sniffing."""

from __future__ import annotations

import codecs
import logging
import re

from crawler.extract.utils import CJK

logger = logging.getLogger(__name__)

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
        if len(CJK.findall(text[:20000])) >= 20:
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
