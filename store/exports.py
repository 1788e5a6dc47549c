"""Streaming reads for analyst exports: documents, events and the per-document facts trends are counted from.

Every reader yields rows from one streamed result (`stream_results=True` with `yield_per`: a server-side
cursor on PostgreSQL, SQLite's own stepping cursor), so a year of a million documents is never held in
memory; callers consume the iterator inside the connection's transaction. The filter is applied in SQL on
both backends (方案 through `json_each` on SQLite and `jsonb ?|` on PostgreSQL), so counts and exports
agree. A document's time is `published_at`, or `first_seen_at` when the page gave no date (as in
store.reports); an event's time is its first detection.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, literal, or_, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.expression import ColumnElement

from store.aggregates import distinct_values
from store.fulltext import text_clause
from store.schema import document_plans, documents, events

logger = logging.getLogger(__name__)

YIELD_PER = 2000  # rows fetched from the database per round trip
SENTIMENT_CODES = ("neg", "neu", "pos", "none")  # none: not analysed yet
LEVEL_CODES = ("central", "provincial", "municipal", "county", "self-media", "official", "none")
TARGET_CODES = ("office", "audited", "other", "none")

DOCUMENT_COLUMNS = (
    "id", "url", "title", "source", "level", "platform", "published_at", "first_seen_at", "author", "media",
    "plans", "terms", "sentiment_label", "sentiment_score", "target", "region", "region_province",
    "region_city", "region_county", "reprint_group", "event_id", "reposts", "comments", "likes", "reads",
    "keywords",
)  # fmt: skip
TREND_COLUMNS = ("time", "plans", "source", "level", "sentiment_label", "target", "region",
                 "region_province", "region_city", "region_county")  # fmt: skip
EVENT_COLUMNS = (
    "id", "title", "keywords", "first_seen_at", "first_source", "first_url", "first_published_at",
    "last_seen_at", "doc_count", "reprint_count", "source_count", "negative_share", "office_critical_count",
    "heat", "response_class", "deadline_at", "status", "assignee", "region",
)  # fmt: skip


@dataclass(frozen=True)
class ExportFilter:
    """Which rows an export covers. Times are aware instants, `start` inclusive and `end` exclusive (None:
    unbounded); an empty tuple means no restriction (`text`: full-text terms, see store.fulltext). Codes: SENTIMENT_CODES, LEVEL_CODES, TARGET_CODES
    ("none" = no value). A region matches the province, city or county named in the text or the source's
    region, exactly."""

    start: datetime | None = None
    end: datetime | None = None
    plans: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    sentiments: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    text: tuple[str, ...] = ()  # full-text terms, every one in the title or body (store.fulltext)
    events: tuple[int, ...] = ()  # documents of these events
    ids: tuple[int, ...] = ()  # these documents (links from a number to the documents behind it)

    def __post_init__(self) -> None:
        for name, values, allowed in (
            ("sentiment", self.sentiments, SENTIMENT_CODES),
            ("level", self.levels, LEVEL_CODES),
            ("target", self.targets, TARGET_CODES),
        ):
            bad = sorted(set(values) - set(allowed))
            if bad:
                raise ValueError(f"unknown {name} codes {bad}; use {allowed}")
        for when in (self.start, self.end):
            if when is not None and when.tzinfo is None:
                raise ValueError("ExportFilter needs timezone-aware start and end")

    @property
    def restricts_documents(self) -> bool:
        """Whether anything besides the time window narrows the documents."""
        return bool(
            self.plans or self.sources or self.levels or self.sentiments or self.targets or self.regions
            or self.text or self.events or self.ids
        )  # fmt: skip


def _coded(col, codes: Sequence[str], known: Sequence[str]) -> ColumnElement:
    """`col` in `codes`, where "none" also takes NULL and any value outside `known`."""
    named = [c for c in codes if c != "none"]
    parts = [col.in_(named)] if named else []
    if "none" in codes:
        parts += [col.is_(None), col.not_in([k for k in known if k != "none"])]
    return or_(*parts)


def _plan_clause(conn: Connection, plans: Sequence[str]) -> ColumnElement:
    """Documents that matched any of `plans` (document_plans, by index)."""
    dp = document_plans.c
    return exists(select(literal(1)).where(dp.document_id == documents.c.id, dp.plan.in_(list(plans))))


def time_window(flt: ExportFilter) -> list[ColumnElement]:
    """The stored document time (published, else first seen; indexed) inside the window."""
    where = []
    if flt.start is not None:
        where.append(documents.c.doc_time >= flt.start)
    if flt.end is not None:
        where.append(documents.c.doc_time < flt.end)
    return where


SCAN_WINDOW_MAX = 30_000  # SQLite: search by LIKE within a time window holding at most this many documents


def _window_docs(conn: Connection, flt: ExportFilter) -> int | None:
    """SQLite only: how many documents the time window of `flt` holds, counted through the time indexes up to
    SCAN_WINDOW_MAX + 1 (None: another backend, or no window). At most SCAN_WINDOW_MAX: scanning the window
    beats listing every hit of a common term from the trigram index (bench.search)."""
    if conn.dialect.name != "sqlite" or (flt.start is None and flt.end is None):
        return None
    bounded = select(literal(1)).select_from(documents).where(*time_window(flt)).limit(SCAN_WINDOW_MAX + 1)
    return int(conn.execute(select(func.count()).select_from(bounded.subquery())).scalar_one())


def _document_conditions(
    conn: Connection, flt: ExportFilter, *, with_time: bool = True, reads: int | None = None
) -> list[ColumnElement]:
    d = documents.c
    where = time_window(flt) if with_time else []
    if flt.plans:
        where.append(_plan_clause(conn, flt.plans))
    if flt.sources:
        where.append(d.source.in_(list(flt.sources)))
    if flt.levels:
        where.append(_coded(d.level, flt.levels, LEVEL_CODES))
    if flt.sentiments:
        where.append(_coded(d.sentiment_label, flt.sentiments, SENTIMENT_CODES))
    if flt.targets:
        where.append(_coded(d.target, flt.targets, TARGET_CODES))
    if flt.regions:
        names = list(flt.regions)
        where.append(
            or_(
                d.region_province.in_(names),
                d.region_city.in_(names),
                d.region_county.in_(names),
                d.region.in_(names),
            )
        )
    if flt.events:
        where.append(d.event_id.in_([int(e) for e in flt.events]))
    if flt.ids:
        where.append(d.id.in_([int(i) for i in flt.ids]))
    if flt.text:
        window = _window_docs(conn, flt) if with_time else None
        scan = window is not None and window <= SCAN_WINDOW_MAX
        where.append(text_clause(conn, flt.text, scan=scan, window_docs=window if scan else None, reads=reads))
    return where


def doc_time():
    """The time a document counts at: published, else first seen (stored as documents.doc_time)."""
    return documents.c.doc_time


def _stream(conn: Connection, stmt, yield_per: int) -> Iterator[Row]:
    result = conn.execution_options(stream_results=True, yield_per=yield_per).execute(stmt)
    try:
        yield from result
    finally:
        result.close()


def select_documents(conn: Connection, flt: ExportFilter, *columns: Any, reads: int | None = None):
    """SELECT `columns` FROM documents WHERE every condition of `flt`: the one query that document counts,
    exports, trend facts and search result pages are built from (each adds its order and limits)."""
    return select(*columns).select_from(documents).where(*_document_conditions(conn, flt, reads=reads))


def count_documents(conn: Connection, flt: ExportFilter) -> int:
    """How many documents `iter_documents` would yield."""
    return int(conn.execute(select_documents(conn, flt, func.count())).scalar_one())


def document_order(newest_first: bool = False) -> tuple[ColumnElement, ...]:
    """By document time, then id (a total order: paging and exports are stable)."""
    d = documents.c
    return (doc_time().desc(), d.id.desc()) if newest_first else (doc_time(), d.id)


def iter_documents(
    conn: Connection, flt: ExportFilter, *, newest_first: bool = False, yield_per: int = YIELD_PER
) -> Iterator[Row]:
    """Documents passing `flt` (no bodies), by time then id (oldest first unless `newest_first`).

    Rows carry DOCUMENT_COLUMNS by name; `plans`, `terms`, `keywords` as stored (JSON lists, or text
    on drivers that hand JSON back as text)."""
    d = documents.c
    stmt = select_documents(conn, flt, *(d[c] for c in DOCUMENT_COLUMNS)).order_by(*document_order(newest_first))
    return _stream(conn, stmt, yield_per)


def iter_trend_facts(
    conn: Connection, flt: ExportFilter, *, yield_per: int = 10 * YIELD_PER
) -> Iterator[Row]:
    """Per document passing `flt`, what trends are counted by (TREND_COLUMNS; `time` is the document's
    time), unordered."""
    d = documents.c
    stmt = select_documents(conn, flt, doc_time().label("time"), *(d[c] for c in TREND_COLUMNS[1:]))
    return _stream(conn, stmt, yield_per)


def _event_conditions(conn: Connection, flt: ExportFilter) -> list[ColumnElement]:
    e = events.c
    where: list[ColumnElement] = []
    if flt.start is not None:
        where.append(e.first_seen_at >= flt.start)
    if flt.end is not None:
        where.append(e.first_seen_at < flt.end)
    if flt.restricts_documents:  # an event is in when one of its documents passes every document filter
        where.append(
            exists(
                select(literal(1))
                .select_from(documents)
                .where(and_(documents.c.event_id == e.id, *_document_conditions(conn, flt, with_time=False)))
            )
        )
    return where


def count_events(conn: Connection, flt: ExportFilter) -> int:
    """How many events `iter_events` would yield."""
    stmt = select(func.count()).select_from(events).where(*_event_conditions(conn, flt))
    return int(conn.execute(stmt).scalar_one())


def iter_events(conn: Connection, flt: ExportFilter, *, yield_per: int = YIELD_PER) -> Iterator[Row]:
    """Events first detected in the window of `flt` (and, with document filters, having a document that
    passes them), by first detection then id; rows carry EVENT_COLUMNS (`first_url`: the 首发's URL)."""
    e = events.c
    first = documents.alias("first_doc")
    cols = [e[c] if c != "first_url" else first.c.url.label("first_url") for c in EVENT_COLUMNS]
    stmt = (
        select(*cols)
        .select_from(events.outerjoin(first, first.c.id == e.first_doc_id))
        .where(*_event_conditions(conn, flt))
        .order_by(e.first_seen_at, e.id)
    )
    return _stream(conn, stmt, yield_per)


def region_names(conn: Connection) -> list[str]:
    """Every province, city and county named in documents, plus source regions, sorted (filter choices)."""
    d = documents.c
    names: set[str] = set()
    for col in (d.region_province, d.region_city, d.region_county, d.region):
        names.update(v for v in distinct_values(conn, col) if v)  # one index probe per name
    return sorted(names)
