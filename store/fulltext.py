"""What a full-text match is (信息检索), defined once for SQL and for the snippets that show it.

A query is split on whitespace into terms (at most MAX_TERMS, each at most MAX_TERM_CHARS characters); a
document matches when every term occurs in its title or in its body as a substring, ASCII letters
case-insensitive and every other character exact (`fold`). Substring matching needs no word segmentation,
so 审计 finds 审计署 and 审计局 alike.

SQLite (migration 0007_w_search): terms of three characters or more go to the FTS5 trigram index
(`documents_fts MATCH '"term"'`, a substring match); the index also folds the case of non-ASCII letters,
so a term holding such letters is checked again with LIKE, which folds ASCII only. Shorter terms, which a
trigram index cannot look up, are matched with LIKE on the documents (the other filters, above all the time
window, narrow the scan). A two-character term alone (migration 0010_w_speed) is first looked up in the
index when it is rare: the documents holding a trigram that begins with it (the trigrams are listed from
`documents_fts_vocab`) plus those whose title or body ends with it (expression indexes), then checked with
LIKE; a term found in more than BIGRAM_DOCS_MAX documents is left to the scan, which meets it at once. PostgreSQL: LIKE for terms without ASCII letters (Chinese has no case, and LIKE
is several times faster than ILIKE), else a regular expression with each ASCII letter as [xX]; the pg_trgm
GIN indexes serve both. Both backends return the same documents; `snippet` marks the same occurrences.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from sqlalchemy import and_, func, literal_column, or_, select, text, union
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.expression import ColumnElement

from store.schema import documents

MAX_TERMS = 8
MAX_TERM_CHARS = 50
TRIGRAM = 3  # terms this long or longer use the FTS5 trigram index on SQLite
BIGRAM_DOCS_MAX = 20_000  # SQLite: a two-character term in more documents (by its trigrams) is scanned for
BIGRAM_TRIGRAMS_MAX = 1000  # ... as is one that begins more distinct trigrams than this
COMMON_TTL_S = 600.0  # a term found too common is scanned for without asking the index again for this long
_common: dict[tuple[str, str], float] = {}  # (database, folded term) -> until when it counts as common
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


def _bigram_candidates(conn: Connection, term: str, key: str):
    """SQLite: a SELECT of the ids of the documents that may hold the two-character `term` (every one that
    does, and few others), or None when the term is too common for the index to pay (or there is no index)."""
    folded = term.lower() if not _has_other_cased(term) else None
    if folded is None or len(folded) != 2:
        return None
    known = (conn.engine.url.render_as_string(hide_password=True), folded)
    if _common.get(known, 0.0) > time.monotonic():  # a scan finds a common term at once: no lookup
        return None
    vocab = text("SELECT term, doc FROM documents_fts_vocab WHERE term >= :lo AND term < :hi")
    trigrams: list[str] = []
    docs = 0
    try:
        result = conn.execute(vocab, {"lo": folded, "hi": folded + "\U0010ffff"})
    except OperationalError:  # a store without migration 0010_w_speed: scan
        return None
    try:
        for trigram, n in result:
            trigrams.append(str(trigram))
            docs += int(n)
            if docs > BIGRAM_DOCS_MAX or len(trigrams) > BIGRAM_TRIGRAMS_MAX:
                if len(_common) > 10_000:
                    _common.clear()
                _common[known] = time.monotonic() + COMMON_TTL_S
                return None
    finally:
        result.close()
    tail = documents.alias("tail_docs")
    two = literal_column("-2")  # a literal, so that the expression indexes apply
    parts = [
        select(tail.c.id).where(func.lower(func.substr(tail.c.title, two)) == folded),
        select(tail.c.id).where(func.lower(func.substr(tail.c.body, two)) == folded),
    ]
    if trigrams:
        match = text(f"documents_fts MATCH :{key}").bindparams(**{key: " OR ".join(_fts_phrase(t) for t in trigrams)})
        parts.append(select(literal_column("rowid")).select_from(text("documents_fts")).where(match))
    return union(*parts)


def text_clause(conn: Connection, terms: tuple[str, ...] | list[str], *, scan: bool = False) -> ColumnElement:
    """Documents whose title or body holds every term (see the module docstring); `terms` non-empty.

    `scan`: the other conditions leave few documents (store.exports decides), so on SQLite every term is
    matched with LIKE on those rather than looked up in the trigram index, which would list every document
    holding a common term first. The hits are the same either way."""
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
    for i, t in enumerate(terms):
        if not scan and not long_terms and len(t) == 2:
            candidates = _bigram_candidates(conn, t, f"fts_bigram_{i}")
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
