"""审计结果公告 and their reception: what identifies a 公告 in other documents, and what its reception adds up to.

Pure: titles and document records in, keys and counts out. A 公告 is a document of an `official` source
(the office's own 审计结果公告 column). Other documents report on it when they are
- a reprint of it (the same reprint group, analysis.opinion.reprints),
- in its event (analysis.opinion.events),
- citing its number (`2026年第3号`, or with full-width digits; a bare 第3号公告 is not enough,
  because every year has one), or
- naming its subject (the title after 公告：, e.g. 河北省保障性安居工程跟踪审计结果, without a leading
  "N个省（区、市）"), when that is specific enough (SUBJECT_MIN_CHARS).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from config.vocabulary import ANNOUNCEMENT_LINKS, LINK_NUMBER, LINK_SUBJECT

REASONS = ANNOUNCEMENT_LINKS  # codes; labels in config.vocabulary.ANNOUNCEMENT_LINK_LABELS
SUBJECT_MIN_CHARS = 8

_NUMBER = re.compile(r"(\d{4})\s*年\s*第\s*(\d{1,3})\s*号")
_SUBJECT_SPLIT = re.compile(r"公告\s*[：:]\s*")
_COUNT_PREFIX = re.compile(r"^[0-9０-９]+\s*个(?:省[（(]区、市[）)]|县[（(]市、区[）)]|省份|省|地区|市|县|部门|单位)")
_FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def _norm(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "")


def number_key(title: str | None, body_head: str | None = None) -> str | None:
    """The 公告's number as it is cited, e.g. '2026年第3号', from its title (else the start of its body)."""
    for text in (title, body_head):
        m = _NUMBER.search(_norm(text))
        if m:
            return f"{int(m.group(1))}年第{int(m.group(2))}号"
    return None


def number_variants(number: str) -> tuple[str, str]:
    """The ways a number is written in text: ASCII and full-width digits (2026年第3号, ２０２６年第３号)."""
    return number, number.translate(_FULL_WIDTH_DIGITS)


def subject_key(title: str | None) -> str | None:
    """What the 公告 is about, as reports name it (the title after 公告：, minus a leading count, as written);
    None when the title has no such part or it is shorter than SUBJECT_MIN_CHARS."""
    parts = _SUBJECT_SPLIT.split(title or "", maxsplit=1)
    if len(parts) < 2:
        return None
    subject = _COUNT_PREFIX.sub("", parts[1].strip())
    return subject if len(subject) >= SUBJECT_MIN_CHARS else None


def text_terms(title: str | None, body_head: str | None = None) -> tuple[tuple[str, str], ...]:
    """What reports of a 公告 are found by in their text: (LINK_NUMBER, each spelling of its number) and
    (LINK_SUBJECT, its subject), those it has."""
    number = number_key(title, body_head)
    subject = subject_key(title)
    return (*((LINK_NUMBER, n) for n in (number_variants(number) if number else ())),
            *(((LINK_SUBJECT, subject),) if subject else ()))  # fmt: skip


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_PREFIX = 3


def fold(text: str) -> str:
    """Text as full-text matching sees it (store.fulltext.fold): ASCII letters lower-cased, nothing else."""
    return text.translate(_ASCII_LOWER)


class TermIndex:
    """Many (key, kind, term) entries, matched at once against a text as full-text search matches a term:
    a substring of the title or the body, ASCII letters folded. Terms are filed under their first three
    characters, so a text is read once whatever the number of terms."""

    def __init__(self, entries: Iterable[tuple[Any, str, str]]) -> None:
        self._by_prefix: dict[str, list[tuple[str, Any, str]]] = {}
        self._short: list[tuple[str, Any, str]] = []
        for key, kind, term in entries:
            folded = fold(term)
            if not folded:
                continue
            if len(folded) < _PREFIX:
                self._short.append((folded, key, kind))
            else:
                self._by_prefix.setdefault(folded[:_PREFIX], []).append((folded, key, kind))

    def __bool__(self) -> bool:
        return bool(self._by_prefix or self._short)

    def find(self, *texts: str | None) -> set[tuple[Any, str]]:
        """The (key, kind) of every entry whose term occurs in one of `texts`."""
        found: set[tuple[Any, str]] = set()
        by_prefix = self._by_prefix
        for raw in texts:
            if not raw:
                continue
            text = fold(raw)
            for term, key, kind in self._short:
                if term in text:
                    found.add((key, kind))
            for i in range(len(text) - _PREFIX + 1):
                entries = by_prefix.get(text[i : i + _PREFIX])
                if entries:
                    for term, key, kind in entries:
                        if text.startswith(term, i):
                            found.add((key, kind))
        return found


@dataclass
class Reception:
    """How the documents reporting on one 公告 add up."""

    documents: int = 0
    by_reason: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))
    sentiment: dict[str, int] = field(default_factory=lambda: {"neg": 0, "neu": 0, "pos": 0, "none": 0})
    office_critical: int = 0  # negative about the audit office itself
    sources: int = 0
    events: tuple[int, ...] = ()
    ids: dict[str, list[int]] = field(default_factory=dict)  # what each count is made of: key -> doc ids


def reception(docs: Iterable[dict[str, Any]], reasons: dict[int, set[str]]) -> Reception:
    """Counts over `docs` (id, source, sentiment_label, target, event_id), `reasons[id]` the ways each reports
    on the 公告. `ids` holds the documents behind each count: 'all', each reason, 'neg' / 'neu' / 'pos' /
    'none', and 'office_critical'."""
    out = Reception()
    sources: set[str] = set()
    events: set[int] = set()
    ids: dict[str, list[int]] = {"all": [], "office_critical": []}
    for d in docs:
        i = int(d["id"])
        out.documents += 1
        ids["all"].append(i)
        for reason in sorted(reasons.get(i, ())):
            out.by_reason[reason] = out.by_reason.get(reason, 0) + 1
            ids.setdefault(reason, []).append(i)
        label = d.get("sentiment_label") if d.get("sentiment_label") in ("neg", "neu", "pos") else "none"
        out.sentiment[label] += 1
        ids.setdefault(label, []).append(i)
        if label == "neg" and d.get("target") == "office":
            out.office_critical += 1
            ids["office_critical"].append(i)
        sources.add(d.get("source") or "")
        if d.get("event_id") is not None:
            events.add(int(d["event_id"]))
    out.sources = len(sources - {""})
    out.events = tuple(sorted(events))
    out.ids = ids
    return out
