"""信息检索 reads: one page of full-text hits with the filters of the exports (store.exports.ExportFilter).

Hits are ordered newest first (document time, then id: a total order, so pages never overlap and both
backends list the same documents in the same order); counts and exports use the same query
(store.exports.select_documents), so the page, its total and its export always agree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.engine import Connection

from store.exports import ExportFilter, count_documents, document_order, select_documents
from store.schema import documents, events

HIT_COLUMNS = (
    "id", "url", "title", "body", "source", "level", "platform", "published_at", "first_seen_at", "plans",
    "sentiment_label", "target", "event_id", "region_province", "region_city", "region_county", "region",
)  # fmt: skip
MAX_BODY_CHARS = 20_000  # a snippet needs the text around the first match, not a whole book


def search_page(conn: Connection, flt: ExportFilter, *, limit: int = 20, offset: int = 0) -> list[dict[str, Any]]:
    """Documents passing `flt` (its `text` terms included), newest first, `limit` from `offset`."""
    d = documents.c
    cols = [d[c] if c != "body" else d.body.label("body") for c in HIT_COLUMNS]
    limit, offset = max(0, int(limit)), max(0, int(offset))
    stmt = select_documents(conn, flt, *cols, reads=offset + limit).order_by(*document_order(newest_first=True))
    rows = conn.execute(stmt.limit(limit).offset(offset)).mappings().all()
    out = []
    for r in rows:
        row = dict(r)
        row["body"] = (row["body"] or "")[:MAX_BODY_CHARS]
        out.append(row)
    return out


def count_hits(conn: Connection, flt: ExportFilter, cap: int | None = None) -> int:
    """How many documents pass `flt` (the total over every page); with `cap`, counting stops past it (a
    result of cap + 1 means "more than cap": a common term over a year is a million documents, and counting
    them all costs seconds, while finding the first cap + 1 costs milliseconds)."""
    if cap is None:
        return count_documents(conn, flt)
    first = select_documents(conn, flt, literal(1), reads=int(cap) + 1).limit(int(cap) + 1).subquery()
    return int(conn.execute(select(func.count()).select_from(first)).scalar_one())


def hit_ids(conn: Connection, flt: ExportFilter, limit: int = 1000) -> list[int]:
    """The ids of the first `limit` hits in page order (tests and the CLI compare hit lists by these)."""
    stmt = select_documents(conn, flt, documents.c.id, reads=limit).order_by(*document_order(newest_first=True))
    return [int(i) for i in conn.execute(stmt.limit(limit)).scalars()]


def event_choices(conn: Connection, ids: tuple[int, ...] = (), limit: int = 300) -> list[tuple[int, str]]:
    """(id, title) of the `limit` most recently active events plus the events `ids`, newest first."""
    e = events.c
    stmt = select(e.id, e.title).order_by(e.last_seen_at.desc(), e.id.desc()).limit(limit)
    rows = [(int(i), t or "") for i, t in conn.execute(stmt)]
    known = {i for i, _ in rows}
    wanted = [int(i) for i in ids if int(i) not in known]
    if wanted:
        rows += [(int(i), t or "") for i, t in conn.execute(select(e.id, e.title).where(e.id.in_(wanted)))]
    return rows
