"""审计结果公告 reads: the office's own announcements (documents of sources of kind `official`) and the documents
that report on each (analysis.opinion.announcements names the ways: reprint group, event, number, subject).

Number and subject matches use the full-text search (store.fulltext), from a day before the 公告 onwards;
documents of official sources never count as reception (the office quoting itself is not coverage).

Stored text links: a full-text search per 公告 is slow on a large store (PostgreSQL's trigram index reads
the posting lists of common trigrams every time), so the analysis job (jobs.announcement_links) finds the
number and subject links once and keeps them in `announcement_links`, with a record in analysis_state of the
last document id it has read (`upto`) and the official sources it read them under. A document's text, time
and source never change once stored, so a link found stays true; a read takes the stored links of documents
up to `upto` and matches only the documents after it (read and matched here when they are few, LIVE_MAX;
else a full-text search). Without a record, for a 公告 after `upto`, or when the official sources changed
since, everything is searched as before (correct, slower). `reporting_documents_many` reads many 公告 in a
few queries (the 公告反响 list).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection

from config.vocabulary import LINK_EVENT, LINK_NUMBER, LINK_REPRINT, LINK_SUBJECT
from store.exports import ExportFilter, document_order, time_window
from store.fulltext import fold, text_clause
from store.queries import _insert
from store.schema import analysis_state, announcement_links, documents, sources

OFFICIAL_KIND = "official"
STATE_KEY = "announcement_links"
TEXT_LINKS = (LINK_NUMBER, LINK_SUBJECT)
LIVE_MAX = 5000  # documents after the stored links' record read and matched directly; more: full-text search
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


def official_source_names(conn: Connection) -> list[str]:
    return sorted(conn.execute(_official_sources()).scalars())


def links_state(conn: Connection) -> dict[str, Any] | None:
    """The stored text links' record ({'upto': last document id read, 'official': source names}), or None."""
    value = conn.execute(select(analysis_state.c.value).where(analysis_state.c.key == STATE_KEY)).scalar()
    if isinstance(value, str):
        value = json.loads(value)
    return value or None


def stored_upto(conn: Connection) -> int | None:
    """The last document id whose text links are stored, or None when the stored links cannot be used (never
    built, or the official sources changed since)."""
    state = links_state(conn)
    if state is None or list(state.get("official") or []) != official_source_names(conn):
        return None
    return int(state["upto"])


def _stored_and_newest(conn: Connection) -> tuple[int | None, int]:
    """stored_upto, and the newest document id (one round trip for the record and the id)."""
    newest = select(func.max(documents.c.id)).scalar_subquery()
    row = conn.execute(select(analysis_state.c.value, newest).where(analysis_state.c.key == STATE_KEY)).first()
    if row is None:
        return None, 0
    state = json.loads(row[0]) if isinstance(row[0], str) else row[0]
    if not state or list(state.get("official") or []) != official_source_names(conn):
        return None, 0
    return int(state["upto"]), int(row[1] or 0)


def set_links_state(conn: Connection, upto: int, official: list[str], now: datetime) -> None:
    conn.execute(delete(analysis_state).where(analysis_state.c.key == STATE_KEY))
    conn.execute(analysis_state.insert().values(key=STATE_KEY, value={"upto": int(upto), "official": official},
                                                updated_at=now))  # fmt: skip


def clear_links(conn: Connection) -> None:
    """Forget every stored link and the record (a rebuild starts here)."""
    conn.execute(delete(announcement_links))
    conn.execute(delete(analysis_state).where(analysis_state.c.key == STATE_KEY))


def add_links(conn: Connection, links: list[tuple[int, str, int]]) -> None:
    """Store (announcement id, kind, document id) links; ones already stored are kept."""
    rows = [{"announcement_id": a, "kind": k, "document_id": d} for a, k, d in dict.fromkeys(links)]
    for at in range(0, len(rows), 1000):
        conn.execute(_insert(conn, announcement_links).on_conflict_do_nothing(), rows[at : at + 1000])


def stored_links(conn: Connection, after: int, upto: int) -> set[tuple[int, str, int]]:
    """The stored (announcement id, kind, document id) links of the documents after..upto (ids)."""
    a = announcement_links.c
    stmt = select(a.announcement_id, a.kind, a.document_id).where(a.document_id > after, a.document_id <= upto)
    return {(int(i), k, int(d)) for i, k, d in conn.execute(stmt)}


def max_document_id(conn: Connection) -> int:
    return int(conn.execute(select(func.max(documents.c.id))).scalar() or 0)


def all_announcements(conn: Connection, after: int | None = None) -> list[dict[str, Any]]:
    """Every 公告 (as official_documents gives them), or those with an id above `after`."""
    stmt = _announcement_select()
    if after is not None:
        stmt = stmt.where(documents.c.id > after)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def text_of_documents(conn: Connection, after: int, upto: int, batch: int = 2000):
    """(id, title, body, doc_time, source) of the documents after..upto (ids), in id order, in batches."""
    d = documents.c
    while True:
        rows = conn.execute(
            select(d.id, d.title, d.body, d.doc_time, d.source)
            .where(d.id > after, d.id <= upto).order_by(d.id).limit(batch)
        ).all()  # fmt: skip
        if not rows:
            return
        yield rows
        after = rows[-1].id


def since(announcement: dict[str, Any]) -> datetime:
    """From when documents can report on `announcement` by its number or subject."""
    return (announcement.get("published_at") or announcement["first_seen_at"]) - LEAD


def text_links(conn: Connection, announcement: dict[str, Any], terms, *, upto: int | None = None,
               after: int | None = None) -> list[tuple[int, str]]:  # fmt: skip
    """(document id, kind) of the documents reporting on `announcement` by `terms` ((kind, term) pairs, see
    analysis.opinion.announcements.text_terms), searched in the full text: all of them, or only ids up to
    `upto` / after `after`."""
    d = documents.c
    where = [d.source.not_in(_official_sources()), d.id != int(announcement["id"]),
             *time_window(ExportFilter(start=since(announcement)))]  # fmt: skip
    if upto is not None:
        where.append(d.id <= upto)
    if after is not None:
        where.append(d.id > after)
    out: list[tuple[int, str]] = []
    for how, term in terms:
        if not term:
            continue
        # numbers and subjects are rare: through the trigram index (never a window scan); the documents after
        # `after` are few: matched directly (SQLite)
        clause = text_clause(conn, (term,), scan=after is not None)
        out += [(int(i), how) for i in conn.execute(select(d.id).where(clause, *where).limit(MAX_LINKED)).scalars()]
    return out


def _documents_after(conn: Connection, after: int) -> list[Any]:
    """(id, doc_time, folded title, folded body) of the documents of other than official sources after `after`."""
    d = documents.c
    stmt = select(d.id, d.doc_time, d.title, d.body).where(d.id > after, d.source.not_in(_official_sources()))
    return [(int(r.id), r.doc_time, fold(r.title or ""), fold(r.body or "")) for r in conn.execute(stmt)]


def _links_after(announcement: dict[str, Any], terms, after_docs: list[Any]) -> list[tuple[int, str]]:
    """text_links among `after_docs` (_documents_after), each term matched as the full-text search matches it
    (store.fulltext.fold: a substring of the title or body, ASCII letters folded)."""
    own, start = int(announcement["id"]), since(announcement)
    wanted = [(how, fold(term)) for how, term in terms if term]
    out = []
    for i, when, title, body in after_docs:
        if i != own and when is not None and when >= start:
            out += [(i, how) for how, term in wanted if term in title or term in body]
    return out


Wanted = tuple[dict[str, Any], tuple[str, ...], str | None]  # a 公告, the spellings of its number, its subject


def reporting_documents(
    conn: Connection, announcement: dict[str, Any], *, numbers: tuple[str, ...] = (), subject: str | None = None
) -> tuple[list[dict[str, Any]], dict[int, set[str]]]:
    """The documents reporting on `announcement` (RECEPTION_COLUMNS, oldest first) and, per id, the ways
    they do (config.vocabulary LINK_* codes): its reprint group, its event, its number cited (any of the
    spellings `numbers`), its `subject` named (both from LEAD before the 公告 on: the stored links, and a
    search of the documents not read for them yet)."""
    return reporting_documents_many(conn, [(announcement, numbers, subject)])[int(announcement["id"])]


def reporting_documents_many(
    conn: Connection, wanted: list[Wanted]
) -> dict[int, tuple[list[dict[str, Any]], dict[int, set[str]]]]:
    """reporting_documents of many 公告 at once ((announcement, numbers, subject) each), by 公告 id: a few
    queries for all of them, not several per 公告."""
    d = documents.c
    not_official = d.source.not_in(_official_sources())
    links: dict[int, dict[int, set[str]]] = {int(a["id"]): {} for a, _, _ in wanted}

    def link(ann_id: int, doc_id: int, how: str) -> None:
        if doc_id != ann_id:
            links[ann_id].setdefault(doc_id, set()).add(how)

    taken: dict[tuple[int, str], int] = {}
    for how, column, key in ((LINK_REPRINT, d.reprint_group, "reprint_group"), (LINK_EVENT, d.event_id, "event_id")):
        by_value: dict[Any, list[int]] = {}
        for a, _, _ in wanted:
            if a.get(key) is not None:
                by_value.setdefault(a[key], []).append(int(a["id"]))
        values = list(by_value)
        for at in range(0, len(values), 500):
            stmt = select(d.id, column).where(column.in_(values[at : at + 500]), not_official)
            for doc_id, value in conn.execute(stmt):
                for ann_id in by_value.get(value, ()):
                    if doc_id != ann_id and taken.get((ann_id, how), 0) < MAX_LINKED:  # as LIMIT per 公告 did
                        taken[(ann_id, how)] = taken.get((ann_id, how), 0) + 1
                        link(ann_id, int(doc_id), how)
    terms = {int(a["id"]): [*((LINK_NUMBER, n) for n in numbers), (LINK_SUBJECT, subject)] for a, numbers, subject in wanted}
    with_terms = [a for a, _, _ in wanted if any(t for _, t in terms[int(a["id"])])]
    upto, newest = _stored_and_newest(conn) if with_terms else (None, 0)
    stored = [a for a in with_terms if upto is not None and int(a["id"]) <= upto]
    after_docs = _documents_after(conn, upto) if stored and 0 < newest - upto <= LIVE_MAX else []
    ids = [int(a["id"]) for a in stored]
    a_ = announcement_links.c
    for at in range(0, len(ids), 500):
        stmt = select(a_.announcement_id, a_.document_id, a_.kind).where(
            a_.announcement_id.in_(ids[at : at + 500]), a_.kind.in_(TEXT_LINKS)
        )
        for ann_id, doc_id, how in conn.execute(stmt):
            link(int(ann_id), int(doc_id), how)
    stored_ids = set(ids)
    for a in with_terms:
        ann_id = int(a["id"])
        if ann_id not in stored_ids:
            found = text_links(conn, a, terms[ann_id])
        elif newest - upto > LIVE_MAX:
            found = text_links(conn, a, terms[ann_id], after=upto)
        else:
            found = _links_after(a, terms[ann_id], after_docs)
        for doc_id, how in found:
            link(ann_id, doc_id, how)
    every = sorted({i for found in links.values() for i in found})
    rows: dict[int, dict[str, Any]] = {}
    for at in range(0, len(every), 500):
        stmt = select(*(d[c] for c in RECEPTION_COLUMNS)).where(d.id.in_(every[at : at + 500]))
        rows.update({int(r["id"]): dict(r) for r in conn.execute(stmt).mappings()})
    out = {}
    for ann_id, found in links.items():
        docs = [dict(rows[i]) for i in found if i in rows]
        docs.sort(key=lambda r: (r["published_at"] or r["first_seen_at"], r["id"]))
        out[ann_id] = (docs, found)
    return out
