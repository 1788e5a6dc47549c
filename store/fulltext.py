"""What a full-text match is (信息检索), defined once for SQL and for the snippets that show it.

A query is split on whitespace into terms (at most MAX_TERMS, each at most MAX_TERM_CHARS characters); a
document matches when every term occurs in its title or in its body as a substring, ASCII letters
case-insensitive and every other character exact (`fold`). Substring matching needs no word segmentation,
so 审计 finds 审计署 and 审计局 alike.

SQLite (migration 0007_w_search): terms of three characters or more go to the FTS5 trigram index
(`documents_fts MATCH '"term"'`, a substring match); the index also folds the case of non-ASCII letters,
so a term holding such letters is checked again with LIKE, which folds ASCII only. Shorter terms, which a
trigram index cannot look up, are matched with LIKE; when they are the whole query (migration
0011_w_searchperf), each is first looked up in `documents_bigram`, an FTS5 index of every two-character
substring and every last character of the titles and bodies (a two-character term is one token, a
one-character one a prefix): the documents it lists are checked with LIKE. A term found in more than
`short_docs_max` documents (sqrt of the hits the statement needs in time order times the store's size; a
bounded count, so it costs at most that many index entries) is left to LIKE alone: a scan in time order meets
such a term soon, and a page of hits or a capped count stops early. In a small time window (store.exports) long terms are scanned for with LIKE, short ones too unless
the bigram index lists few documents.
PostgreSQL: LIKE for terms without ASCII letters (Chinese has no case, and LIKE is several times faster
than ILIKE), else a regular expression with each ASCII letter as [xX]; the pg_trgm GIN indexes serve both.
Both backends return the same documents; `snippet` marks the same occurrences.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import and_, func, literal_column, or_, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.expression import ColumnElement

from store.schema import documents

MAX_TERMS = 8
MAX_TERM_CHARS = 50
TRIGRAM = 3  # terms this long or longer use the FTS5 trigram index on SQLite
# SQLite, one- and two-character terms (bench.dashboard, bench.search): a statement that needs the first R hits
# in time order (a page: offset + limit; a capped count: cap + 1; by default HITS_READ, the dashboard's count
# cap dashboard.data_search.COUNT_CAP) costs, for a term in P of N documents, about P row reads by the index
# (every hit is read and sorted) and R * N / P by a scan in time order (which stops once it has R): the index
# pays up to P = sqrt(R * N), at least SHORT_DOCS_MIN.
HITS_READ = 10_000
SHORT_DOCS_MIN = 2_000
SCAN_SHARE = 4  # in a small time window (`scan`), up to a quarter of the window's documents (an index entry is
# cheaper than a LIKE, but the index lists the term's documents of every time)
_SPACE = re.compile(r"[\s\u3000]+")


def query_terms(query: str | None) -> tuple[str, ...]:
    """The terms of a query: whitespace-separated (full-width space too), duplicates dropped, in order."""
    terms: list[str] = []
    for raw in _SPACE.split(query or ""):
        term = raw.strip()[:MAX_TERM_CHARS]
        if term and term.lower() not in (t.lower() for t in terms):
            terms.append(term)
    return tuple(terms[:MAX_TERMS])


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_REGEX_SPECIAL = set(r".^$*+?()[]{}|\-")


def fold(text_: str) -> str:
    """The text as matching sees it: ASCII letters lower-cased, everything else unchanged."""
    return text_.translate(_ASCII_LOWER)


def _has_ascii_letter(term: str) -> bool:
    return any(c.isascii() and c.isalpha() for c in term)


def _has_other_cased(term: str) -> bool:
    """Whether the term holds a non-ASCII letter with case (Ä, Ω …): FTS5 folds those, LIKE does not."""
    return any(not c.isascii() and c.lower() != c.upper() for c in term)


def _pg_regex(term: str) -> str:
    """A POSIX regular expression matching `term` literally, ASCII letters in either case."""
    out = []
    for c in term:
        if c.isascii() and c.isalpha():
            out.append(f"[{c.lower()}{c.upper()}]")
        elif c in _REGEX_SPECIAL:
            out.append("\\" + c)
        else:
            out.append(c)
    return "".join(out)


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _indexable_short(term: str) -> bool:
    """Whether `term` can be looked up in documents_bigram: one or two characters, none a separator (Z*),
    which the tokenizer splits on (a term never holds one: terms are split on whitespace)."""
    return 1 <= len(term) <= 2 and not any(unicodedata.category(c).startswith("Z") for c in term)


def short_docs_max(conn: Connection, reads: int | None = None) -> int:
    """SQLite: up to how many documents a one- or two-character term is looked up in the bigram index by a
    statement that needs its first `reads` hits (default HITS_READ); the store's size is its largest id (one
    index step)."""
    n = conn.execute(select(func.max(documents.c.id))).scalar() or 0
    return max(SHORT_DOCS_MIN, math.isqrt(max(0, HITS_READ if reads is None else int(reads)) * int(n)))


def _short_candidates(conn: Connection, term: str, key: str, limit: int):
    """SQLite: a SELECT of the ids of the documents that may hold the one- or two-character `term` (every
    one that does, others only by case), or None when it is in more than `limit` documents (a bounded count:
    a common term is met at once by a scan in time order) or the store has no bigram index (before
    migration 0011_w_searchperf)."""
    if not _indexable_short(term):
        return None
    phrase = _fts_phrase(term) + ("*" if len(term) == 1 else "")
    match = text(f"documents_bigram MATCH :{key}").bindparams(**{key: phrase})
    found = select(literal_column("rowid")).select_from(text("documents_bigram")).where(match)
    probe = select(func.count()).select_from(found.limit(limit + 1).subquery())
    try:
        if int(conn.execute(probe).scalar_one()) > limit:
            return None
    except OperationalError:  # a store without migration 0011_w_searchperf: scan
        return None
    return found


def text_clause(
    conn: Connection, terms: tuple[str, ...] | list[str], *, scan: bool = False, window_docs: int | None = None,
    reads: int | None = None,
) -> ColumnElement:
    """Documents whose title or body holds every term (see the module docstring); `terms` non-empty.

    `scan`: the other conditions leave few documents (store.exports decides), so on SQLite every term is
    matched with LIKE on those rather than looked up in the trigram index, which would list every document
    holding a common term first; a short term is still looked up in the bigram index when it lists at most
    a SCAN_SHARE-th of `window_docs` (the documents of the window). `reads`: how many hits in time order the
    statement needs (short_docs_max). The hits are the same either way."""
    d = documents.c
    dialect = conn.dialect.name
    if dialect == "postgresql":
        parts = []
        for t in terms:
            if _has_ascii_letter(t):
                regex = _pg_regex(t)
                parts.append(or_(d.title.op("~")(regex), d.body.op("~")(regex)))
            else:
                pattern = _like_pattern(t)
                parts.append(or_(d.title.like(pattern, escape="\\"), d.body.like(pattern, escape="\\")))
        return and_(*parts)
    if dialect != "sqlite":
        raise NotImplementedError(f"unsupported database dialect: {dialect}")
    long_terms = [] if scan else [t for t in terms if len(t) >= TRIGRAM]
    parts: list[ColumnElement] = []
    if long_terms:
        fts = (
            select(literal_column("rowid"))
            .select_from(text("documents_fts"))
            .where(text("documents_fts MATCH :fts_query").bindparams(
                fts_query=" AND ".join(_fts_phrase(t) for t in long_terms)))
        )  # fmt: skip
        parts.append(d.id.in_(fts))
    limit = None
    for i, t in enumerate(terms):
        if not long_terms and _indexable_short(t):
            if limit is None:
                limit = (window_docs or 0) // SCAN_SHARE if scan else short_docs_max(conn, reads)
            candidates = _short_candidates(conn, t, f"fts_short_{i}", limit) if limit > 0 else None
            if candidates is not None:
                parts.append(d.id.in_(candidates))
        if scan or len(t) < TRIGRAM or _has_other_cased(t):
            pattern = _like_pattern(t)
            parts.append(or_(d.title.like(pattern, escape="\\"), d.body.like(pattern, escape="\\")))
    return and_(*parts)


@dataclass(frozen=True)
class Snippet:
    """Part of a text around its first match: `parts` alternate plain text and matched text (`hits[i]`
    tells which), `before`/`after` whether text was cut off there. Parts are raw (crawled) text: escape
    each before adding markup."""

    parts: tuple[str, ...]
    hits: tuple[bool, ...]
    before: bool
    after: bool

    @property
    def plain(self) -> str:
        return ("…" if self.before else "") + "".join(self.parts) + ("…" if self.after else "")


def _pattern(terms: tuple[str, ...] | list[str]) -> re.Pattern[str] | None:
    if not terms:
        return None
    alternatives = sorted({t for t in terms if t}, key=len, reverse=True)  # longest first
    return re.compile("|".join(re.escape(t) for t in alternatives), re.IGNORECASE | re.ASCII)


def snippet(text_: str | None, terms: tuple[str, ...] | list[str], width: int = 120) -> Snippet:
    """About `width` characters of `text_` around the first occurrence of any term, every occurrence in it
    marked (the whole text when it is no longer than `width`); the start of the text when no term occurs
    (e.g. a match in the title only)."""
    value = text_ or ""
    pattern = _pattern(terms)
    first = pattern.search(value) if pattern else None
    start = 0 if first is None or len(value) <= width else max(0, min(first.start() - width // 3, len(value) - width))
    end = min(len(value), start + width)
    window = value[start:end]
    parts: list[str] = []
    hits: list[bool] = []
    pos = 0
    for m in pattern.finditer(window) if pattern else ():
        if m.start() > pos:
            parts.append(window[pos : m.start()])
            hits.append(False)
        parts.append(m.group(0))
        hits.append(True)
        pos = m.end()
    if pos < len(window):
        parts.append(window[pos:])
        hits.append(False)
    return Snippet(parts=tuple(parts), hits=tuple(hits), before=start > 0, after=end < len(value))
