"""What a full-text match is (信息检索), defined once for SQL and for the snippets that show it.

A query is split on whitespace into terms (at most MAX_TERMS, each at most MAX_TERM_CHARS characters); a
document matches when every term occurs in its title or in its body as a substring, ASCII letters
case-insensitive. Substring matching needs no word segmentation, so 审计 finds 审计署 and 审计局 alike.

SQLite (migration 0007_w_search): terms of three characters or more go to the FTS5 trigram index
(`documents_fts MATCH '"term"'`, an exact substring match); shorter terms, which a trigram index cannot
look up, are matched with LIKE on the documents (the other filters, above all the time window, narrow
the scan). PostgreSQL: ILIKE on title and body, which the pg_trgm GIN indexes serve. Both return the same
documents; `snippet` marks the same occurrences in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import and_, literal_column, or_, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement

from store.schema import documents

MAX_TERMS = 8
MAX_TERM_CHARS = 50
TRIGRAM = 3  # terms this long or longer use the FTS5 trigram index on SQLite
_SPACE = re.compile(r"[\s\u3000]+")


def query_terms(query: str | None) -> tuple[str, ...]:
    """The terms of a query: whitespace-separated (full-width space too), duplicates dropped, in order."""
    terms: list[str] = []
    for raw in _SPACE.split(query or ""):
        term = raw.strip()[:MAX_TERM_CHARS]
        if term and term.lower() not in (t.lower() for t in terms):
            terms.append(term)
    return tuple(terms[:MAX_TERMS])


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def text_clause(conn: Connection, terms: tuple[str, ...] | list[str]) -> ColumnElement:
    """Documents whose title or body holds every term (see the module docstring); `terms` non-empty."""
    d = documents.c
    dialect = conn.dialect.name
    if dialect == "postgresql":
        return and_(
            *(or_(d.title.ilike(_like_pattern(t), escape="\\"), d.body.ilike(_like_pattern(t), escape="\\"))
              for t in terms)
        )  # fmt: skip
    if dialect != "sqlite":
        raise NotImplementedError(f"unsupported database dialect: {dialect}")
    long_terms = [t for t in terms if len(t) >= TRIGRAM]
    parts: list[ColumnElement] = []
    if long_terms:
        fts = (
            select(literal_column("rowid"))
            .select_from(text("documents_fts"))
            .where(text("documents_fts MATCH :fts_query").bindparams(
                fts_query=" AND ".join(_fts_phrase(t) for t in long_terms)))
        )  # fmt: skip
        parts.append(d.id.in_(fts))
    for t in terms:
        if len(t) < TRIGRAM:
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
