"""审计结果公告 reads: the office's own announcements (documents of sources of kind `official`) and the documents
that report on each (analysis.opinion.announcements names the ways: reprint group, event, number, subject).

Number and subject matches use the full-text search (store.fulltext), from a day before the 公告 onwards;
documents of official sources never count as reception (the office quoting itself is not coverage).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from config.vocabulary import LINK_EVENT, LINK_NUMBER, LINK_REPRINT, LINK_SUBJECT
from store.exports import ExportFilter, document_order, time_window
from store.fulltext import text_clause
from store.schema import documents, sources

OFFICIAL_KIND = "official"
MAX_LINKED = 5000  # documents per way of linking one 公告
LEAD = timedelta(days=1)  # number and subject matches count from this long before the 公告
ANNOUNCEMENT_COLUMNS = ("id", "url", "title", "source", "published_at", "first_seen_at", "reprint_group", "event_id")
RECEPTION_COLUMNS = (
    "id", "url", "title", "source", "level", "platform", "published_at", "first_seen_at", "sentiment_label",
    "target", "event_id", "reprint_group",
)  # fmt: skip


def _official_sources():
    return select(sources.c.name).where(sources.c.kind == OFFICIAL_KIND)


def _announcement_select():
    d = documents.c
    return select(*(d[c] for c in ANNOUNCEMENT_COLUMNS), func.substr(d.body, 1, 300).label("body_head")).where(
        d.source.in_(_official_sources())
    )


def official_document(conn: Connection, doc_id: int) -> dict[str, Any] | None:
    """The 公告 with id `doc_id` (as official_documents gives it); None when it is not one."""
    row = conn.execute(_announcement_select().where(documents.c.id == int(doc_id))).mappings().first()
    return dict(row) if row else None


def official_documents(
    conn: Connection, start: datetime | None = None, end: datetime | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """公告 (documents of official sources) in [start, end) by document time, newest first, with the first
    300 characters of the body as `body_head` (where a number may be when the title has none)."""
    stmt = (
        _announcement_select()
        .where(*time_window(ExportFilter(start=start, end=end)))
        .order_by(*document_order(newest_first=True))
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def reporting_documents(
    conn: Connection, announcement: dict[str, Any], *, numbers: tuple[str, ...] = (), subject: str | None = None
) -> tuple[list[dict[str, Any]], dict[int, set[str]]]:
    """The documents reporting on `announcement` (RECEPTION_COLUMNS, oldest first) and, per id, the ways
    they do (config.vocabulary LINK_* codes): its reprint group, its event, its number cited (any of the
    spellings `numbers`), its `subject` named (both searched from LEAD before the 公告 on)."""
    d = documents.c
    not_official = d.source.not_in(_official_sources())
    own = int(announcement["id"])
    links: dict[int, set[str]] = {}

    def add(stmt, how: str) -> None:
        for i in conn.execute(stmt.where(not_official, d.id != own).limit(MAX_LINKED)).scalars():
            links.setdefault(int(i), set()).add(how)

    if announcement.get("reprint_group") is not None:
        add(select(d.id).where(d.reprint_group == announcement["reprint_group"]), LINK_REPRINT)
    if announcement.get("event_id") is not None:
        add(select(d.id).where(d.event_id == announcement["event_id"]), LINK_EVENT)
    since = (announcement.get("published_at") or announcement["first_seen_at"]) - LEAD
    window = time_window(ExportFilter(start=since))
    for how, term in [*((LINK_NUMBER, n) for n in numbers), (LINK_SUBJECT, subject)]:
        if term:  # numbers and subjects are rare: always through the trigram index (never a window scan)
            add(select(d.id).where(text_clause(conn, (term,)), *window), how)
    docs: list[dict[str, Any]] = []
    ids = sorted(links)
    for at in range(0, len(ids), 500):
        chunk = ids[at : at + 500]
        stmt = select(*(d[c] for c in RECEPTION_COLUMNS)).where(d.id.in_(chunk))
        docs += [dict(r) for r in conn.execute(stmt).mappings()]
    docs.sort(key=lambda r: (r["published_at"] or r["first_seen_at"], r["id"]))
    return docs, links
