"""Make crawled values storable (pure functions): text every database accepts, bounded lengths, counts that
fit a 64-bit column. Crawled text is untrusted: a lone surrogate, a NUL or a count of 1e400 must cost one
field at most, never the batch it travels in.

- Text (titles, bodies, authors, ...) is repaired: lone surrogates become U+FFFD, NULs and other code points
  no database stores (noncharacters U+FFFE/U+FFFF) are removed, length is bounded.
- Identities (URLs, post ids) are not repaired: "123\\ud800" cleaned to "123" would be another post's id, so
  an identity that needs repair makes the item unstorable (`unstorable_identity` says why; the pipeline
  quarantines it).
- Counts are parsed per field (`analysis.numerals.parse_engagement`: 1234, "1,234", "1.2万", "30亿"); a malformed count ("1.2.3",
  1e400, "NaN") is None, and `clamp_count` bounds the rest to 0..MAX_COUNT.
"""

from __future__ import annotations

import math
import re
from typing import Any

MAX_COUNT = 10**13  # more engagement than any platform has users many times over: absurd beyond this
MAX_URL = 2000  # PostgreSQL's unique btree index refuses entries above ~2,700 bytes
MAX_ID = 200

_SURROGATES = re.compile(r"[\ud800-\udfff]")
_UNSTORABLE = re.compile(r"[\x00\ufffe\uffff]")


def needs_repair(text: str) -> bool:
    """True when `text` holds a code point a database cannot store (lone surrogate, NUL, noncharacter)."""
    return bool(_SURROGATES.search(text) or _UNSTORABLE.search(text))


def repair_text(text: Any, max_len: int | None = None) -> str:
    """`text` as a string every backend stores: lone surrogates → U+FFFD, NUL / noncharacters removed,
    cut to `max_len` characters."""
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    if needs_repair(s):
        s = _UNSTORABLE.sub("", _SURROGATES.sub("\ufffd", s))
    return s[:max_len] if max_len is not None else s


def repair_tree(value: Any, max_len: int = 20_000) -> Any:
    """Repair every string (keys too) in nested dicts / lists / tuples; other values as they are."""
    if isinstance(value, str):
        return repair_text(value, max_len)
    if isinstance(value, dict):
        return {repair_text(k, 200): repair_tree(v, max_len) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [repair_tree(v, max_len) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def unstorable_identity(value: str | None, max_len: int, what: str) -> str | None:
    """Why an identity (URL, post id) cannot be stored as it is, or None when it can."""
    if not value:
        return None
    if needs_repair(value):
        return f"unencodable_{what}"
    if len(value) > max_len:
        return f"{what}_too_long"
    return None


def clamp_count(value: int) -> tuple[int, str | None]:
    """(value bounded to 0..MAX_COUNT, the problem if it had to be bounded)."""
    if value < 0:
        return 0, "count_negative"
    if value > MAX_COUNT:
        return MAX_COUNT, "count_absurd"
    return value, None
