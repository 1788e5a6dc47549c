"""Keep the stored text links of the 审计结果公告 (store.announcements: the documents citing each 公告's number
or naming its subject) current, so the 公告反响 page reads them instead of searching the full text per 公告.

`update` (every analysis run): the documents stored since the last run are matched against every 公告 at once
(analysis.opinion.announcements.TermIndex: one pass over each text), and a new 公告 is searched for in the
documents before them (store full-text search). Ids are read up to the newest; the last RESCAN ids before the
record are read again, for a document whose insert committed after a newer one. Without a record, or when the official sources changed,
`rebuild` reads every document. Both finish in one transaction, so a killed run leaves the previous record.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from analysis.opinion.announcements import TermIndex, text_terms
from store import announcements as q

logger = logging.getLogger(__name__)

RESCAN = 1000  # document ids before the record read again by each update


def _match(conn: Connection, announcements: list[dict[str, Any]], after: int, upto: int,
           official: set[str]) -> list[tuple[int, str, int]]:  # fmt: skip
    """Links from the documents after..upto (ids) to `announcements`, by their text."""
    index = TermIndex((a["id"], kind, term) for a in announcements for kind, term in text_terms(a["title"], a["body_head"]))
    if not index:
        return []
    since = {a["id"]: q.since(a) for a in announcements}
    links = []
    for rows in q.text_of_documents(conn, after, upto):
        for r in rows:
            if r.source in official:
                continue
            for ann_id, kind in index.find(r.title, r.body):
                if ann_id != r.id and r.doc_time is not None and r.doc_time >= since[ann_id]:
                    links.append((int(ann_id), kind, int(r.id)))
    return links


def rebuild(engine: Engine, now: datetime | None = None) -> int:
    """Find the text links of every 公告 in every document afresh; returns the links stored."""
    with engine.begin() as conn:
        q.clear_links(conn)
        upto = q.max_document_id(conn)
        official = q.official_source_names(conn)
        links = _match(conn, q.all_announcements(conn), 0, upto, set(official))
        q.add_links(conn, links)
        q.set_links_state(conn, upto, official, now or datetime.now(UTC))
    logger.info("announcement links rebuilt: %d links up to document %d", len(links), upto)
    return len(links)


def update(engine: Engine, now: datetime | None = None) -> int:
    """Add the links of the documents stored since the last run (rebuilding when there is no usable record);
    returns the links added."""
    with engine.begin() as conn:
        before = q.stored_upto(conn)
    if before is None:
        return rebuild(engine, now)
    with engine.begin() as conn:
        upto = q.max_document_id(conn)
        if upto <= before:
            return 0
        official = q.official_source_names(conn)
        # new documents against every 公告 (new ones too), and the last RESCAN ids read before again: a
        # document whose transaction committed after a later id was read is not missed; new 公告 against
        # the documents before those (full-text search)
        again = max(0, before - RESCAN)
        known = q.stored_links(conn, after=again, upto=before)
        links = [r for r in _match(conn, q.all_announcements(conn), again, upto, set(official)) if r not in known]
        for ann in q.all_announcements(conn, after=before):
            terms = text_terms(ann["title"], ann["body_head"])
            links += [(int(ann["id"]), kind, i) for i, kind in q.text_links(conn, ann, terms, upto=again)]
        links = list(dict.fromkeys(links))
        q.add_links(conn, links)
        q.set_links_state(conn, upto, official, now or datetime.now(UTC))
    logger.info("announcement links: %d added for documents %d..%d", len(links), before + 1, upto)
    return len(links)
