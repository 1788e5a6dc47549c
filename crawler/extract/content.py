"""Is this body text at all? A JPEG, PDF, archive or program served as `text/html` (a misconfigured server, a
download link in a list) must not be decoded into a "document": it is recognised before decoding, by its
magic bytes (the `filetype` library's signatures) or by a high share of control characters, and dropped.

Pure function over the raw bytes; the spiders count the drop as `binary_content`.
"""

from __future__ import annotations

import codecs

import filetype

SNIFF_BYTES = 8192
# C0 controls other than tab, newline, form feed and carriage return (and DEL): text has almost none
_CONTROL = frozenset([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
MAX_CONTROL_SHARE = 0.10
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _utf16_without_bom(head: bytes) -> bool:
    """NULs on every other byte and (almost) nowhere else: UTF-16 text of a Latin-script page, not binary."""
    even, odd = head[0::2], head[1::2]
    for zeros, other in ((even, odd), (odd, even)):
        if zeros and zeros.count(0) >= 0.9 * len(zeros) and other.count(0) <= 0.02 * len(other):
            return True
    return False


def binary_kind(body: bytes) -> str | None:
    """What binary content `body` is ("jpg", "pdf", "zip", "exe", ..., or "control_characters"), or None
    when it may be text. Magic bytes are not looked for in a body that opens like markup (`<` after a BOM
    and whitespace); UTF-16 and UTF-32 text (with or without a byte-order mark) is text."""
    head = bytes(body[:SNIFF_BYTES])
    if head.startswith(_WIDE_BOMS):
        return None
    head = head.removeprefix(codecs.BOM_UTF8)
    if not head:
        return None
    if not head.lstrip(b" \t\r\n\x0c").startswith(b"<"):
        kind = filetype.guess(head)
        if kind is not None:
            return kind.extension
    controls = sum(1 for b in head if b in _CONTROL)
    if controls > MAX_CONTROL_SHARE * len(head) and not _utf16_without_bom(head):
        return "control_characters"
    return None
