"""Reads and writes for events (hotspots): stage-2 document batches, analysis state, events, responses, audit log.

Plain SQLAlchemy Core over `store.schema`, the same on SQLite and PostgreSQL. Decisions (what an event is,
its heat, its class) are made in `analysis`; which status changes are allowed, and what goes to the audit
log (`store.audit`), in the workflow module of the orchestration layer above. This module only moves rows.
Event ids are the id of the event's first document (see `analysis.opinion.events`), so inserts carry explicit ids.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlalchemy.engine import Connection

from config.vocabulary import EVENT_HANDLING, EVENT_PENDING
from store.queries import _insert
from store.schema import analysis_state, audit_log, documents, events, responses

logger = logging.getLogger(__name__)

CHUNK = 500  # ids per IN (...) list

# Columns analysis recomputes on every run; status, assignee and notes belong to people and are never
# overwritten by analysis.
EVENT_COMPUTED = (
    "title", "keywords", "first_seen_at", "first_published_at", "first_doc_id", "first_source",
    "last_seen_at", "doc_count", "reprint_count", "source_count", "negative_share", "office_critical_count",
    "heat", "heat_components", "heat_history", "is_burst", "burst_z", "response_class", "response_reason",
    "response_rule", "response_terms", "deadline_at", "region", "updated_at",
)  # fmt: skip

STAGE2_COLUMNS = (
    documents.c.id, documents.c.title, documents.c.body, documents.c.source, documents.c.level,
    documents.c.platform, documents.c.published_at, documents.c.first_seen_at,
)  # fmt: skip


def _chunks(ids: Sequence[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def doc_time():
    """The time a document counts at: published, else first seen."""
    return func.coalesce(documents.c.published_at, documents.c.first_seen_at)


# ------------------------------------------------------------------------------------ analysis state


def get_state(conn: Connection, key: str) -> Any | None:
    """The JSON value stored under `key` in analysis_state, or None."""
    return conn.execute(
        select(analysis_state.c.value).where(analysis_state.c.key == key)
    ).scalar_one_or_none()


def all_states(conn: Connection) -> dict[str, Any]:
    """Every stored JSON value by key."""
    return {k: v for k, v in conn.execute(select(analysis_state.c.key, analysis_state.c.value))}


def put_state(conn: Connection, key: str, value: Any, now: datetime) -> None:
    """Store (insert or replace) a JSON value under `key`."""
    stmt = _insert(conn, analysis_state).values(key=key, value=value, updated_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[analysis_state.c.key], set_={"value": stmt.excluded.value, "updated_at": now}
    )
    conn.execute(stmt)


# ------------------------------------------------------------------------------------- stage-2 batches


def _pending():
    return and_(documents.c.stage2_at.is_(None), documents.c.analyzed_at.is_not(None))


def count_stage2_pending(conn: Connection) -> int:
    """Documents analysed by stage 1 and not yet placed in reprint groups and events."""
    return int(conn.execute(select(func.count()).select_from(documents).where(_pending())).scalar_one())


def _after(key: tuple[datetime, int]):
    t, doc_id = key
    return or_(doc_time() > t, and_(doc_time() == t, documents.c.id > doc_id))


def fetch_stage2_batch(
    conn: Connection, limit: int, after: tuple[datetime, int] | None = None
) -> list[dict[str, Any]]:
    """The next `limit` pending documents in time order (published, else first seen; then id), after the
    (time, id) key of the previous batch (keyset pagination: documents stay pending until the run ends)."""
    stmt = select(*STAGE2_COLUMNS).where(_pending())
    if after is not None:
        stmt = stmt.where(_after(after))
    rows = conn.execute(stmt.order_by(doc_time(), documents.c.id).limit(limit)).mappings()
    return [dict(r) for r in rows]


def mark_stage2_done(conn: Connection, upto: tuple[datetime, int] | None, now: datetime) -> int:
    """Mark pending documents up to and including the (time, id) key as through stage 2; returns count."""
    if upto is None:
        return 0
    res = conn.execute(update(documents).where(and_(_pending(), ~_after(upto))).values(stage2_at=now))
    return int(res.rowcount or 0)


def write_stage2(conn: Connection, results: Sequence[dict[str, Any]]) -> None:
    """Write per-document stage-2 results: each dict has `id` and the same set of document columns."""
    if not results:
        return
    keys = [k for k in results[0] if k != "id"]
    stmt = update(documents).where(documents.c.id == bindparam("_id")).values({k: bindparam(k) for k in keys})
    conn.execute(stmt, [{"_id": r["id"], **{k: r[k] for k in keys}} for r in results])


def clear_stage2_marks(conn: Connection) -> None:
    """Mark every document as not yet through stage 2 (the next run places them all again)."""
    conn.execute(update(documents).values(stage2_at=None))


def regroup_reprints(conn: Connection, old_groups: Sequence[Any], new_group: Any) -> int:
    """Documents of reprint groups folded into `new_group` get the new group id; returns rows changed."""
    if not old_groups:
        return 0
    res = conn.execute(
        update(documents)
        .where(documents.c.reprint_group.in_(list(old_groups)))
        .values(reprint_group=new_group)
    )
    return int(res.rowcount or 0)


# ------------------------------------------------------------------------------------------ events


EVENT_DOC_COLUMNS = (
    documents.c.id, documents.c.event_id, documents.c.url, documents.c.title, documents.c.source,
    documents.c.level, documents.c.platform, documents.c.published_at, documents.c.first_seen_at,
    documents.c.reposts, documents.c.comments, documents.c.likes, documents.c.reads, documents.c.sentiment_label,
    documents.c.sentiment_score, documents.c.target, documents.c.reprint_group, documents.c.region_province,
    documents.c.region_city, documents.c.region_county, documents.c.region_code,
)  # fmt: skip


def event_documents(conn: Connection, event_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Documents of each event (the columns heat, counts and sentiment mix need), oldest first."""
    out: dict[int, list[dict[str, Any]]] = {int(e): [] for e in event_ids}
    for chunk in _chunks(event_ids):
        rows = conn.execute(
            select(*EVENT_DOC_COLUMNS)
            .where(documents.c.event_id.in_(chunk))
            .order_by(doc_time(), documents.c.id)
        ).mappings()
        for r in rows:
            out[int(r["event_id"])].append(dict(r))
    return out


def document_texts(conn: Connection, ids: Sequence[int], chars: int = 800) -> dict[int, tuple[str, str]]:
    """id -> (title, first `chars` characters of the body)."""
    out: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(ids):
        rows = conn.execute(
            select(documents.c.id, documents.c.title, func.substr(documents.c.body, 1, chars)).where(
                documents.c.id.in_(chunk)
            )
        )
        for doc_id, title, body in rows:
            out[int(doc_id)] = (title or "", body or "")
    return out


# what a list of events rarely needs: their history (JSON) and the bookkeeping of who did what when
HISTORY_COLUMNS = ("keywords", "heat_components", "heat_history", "response_terms", "notes", "updated_at",
                   "assigned_by", "assigned_at", "acknowledged_by", "acknowledged_at", "last_seen_at", "burst_z")  # fmt: skip


def get_events(conn: Connection, ids: Sequence[int], *, history: bool = True) -> dict[int, dict[str, Any]]:
    """Stored event rows by id (missing ids are absent); without `history`, HISTORY_COLUMNS are left out
    (reading thousands of events for a report)."""
    cols = [c for c in events.c if history or c.name not in HISTORY_COLUMNS]
    out: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(ids):
        for r in conn.execute(select(*cols).where(events.c.id.in_(chunk))).mappings():
            out[int(r["id"])] = dict(r)
    return out


def get_event(conn: Connection, event_id: int, *, for_update: bool = False) -> dict[str, Any] | None:
    """The stored event row, or None. With `for_update`, the row is locked until the transaction ends, so a
    workflow's read-then-write cannot interleave with another one on the same event: PostgreSQL locks the row
    (SELECT ... FOR UPDATE: a second writer waits, then reads the committed row); SQLite has no row locks,
    so the transaction takes the database's write lock first (BEGIN IMMEDIATE; a second writer waits up to
    its busy timeout). Call it first in the transaction, before any other statement."""
    if not for_update:
        return get_events(conn, [event_id]).get(int(event_id))
    lock_for_write(conn)
    stmt = select(events).where(events.c.id == int(event_id)).with_for_update()
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row is not None else None


def lock_for_write(conn: Connection) -> None:
    """On SQLite, start the transaction with the write lock (BEGIN IMMEDIATE) unless it already holds it (the
    driver began it for an earlier write): what it reads from now on stays current until it commits. No-op
    on PostgreSQL (lock rows there: `get_event(..., for_update=True)`)."""
    if conn.dialect.name != "sqlite":
        return
    if not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def upsert_events(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert new events (status 待研判 unless given) or refresh the computed columns of known ones."""
    if not rows:
        return
    keys = set().union(*(r.keys() for r in rows))
    values = [{k: r.get(k) for k in keys} for r in rows]
    stmt = _insert(conn, events)
    stmt = stmt.on_conflict_do_update(
        index_elements=[events.c.id], set_={k: getattr(stmt.excluded, k) for k in EVENT_COMPUTED if k in keys}
    )
    conn.execute(stmt, values)


def live_event_ids(conn: Connection, since: datetime) -> list[int]:
    """Events with a document seen at or after `since` (candidates for a heat refresh)."""
    return [int(i) for i in conn.execute(select(events.c.id).where(events.c.last_seen_at >= since)).scalars()]


def set_deadline(conn: Connection, event_id: int, deadline_at: datetime | None, now: datetime) -> None:
    conn.execute(
        update(events).where(events.c.id == event_id).values(deadline_at=deadline_at, updated_at=now)
    )


def set_status(conn: Connection, event_id: int, old: str, new: str, now: datetime) -> bool:
    """Move an event from `old` to `new`; False (nothing written) if its status is no longer `old`."""
    res = conn.execute(
        update(events)
        .where(and_(events.c.id == event_id, events.c.status == old))
        .values(status=new, updated_at=now)
    )
    return bool(res.rowcount)


def set_assignee(conn: Connection, event_id: int, assignee: str | None, by_whom: str, now: datetime) -> None:
    """Assign an event to the account `assignee` (a username; None = nobody), noting who did it and when."""
    conn.execute(
        update(events)
        .where(events.c.id == event_id)
        .values(assignee=assignee, assigned_by=by_whom[:100], assigned_at=now, updated_at=now)
    )


def acknowledge(conn: Connection, event_id: int, by_whom: str, now: datetime) -> bool:
    """Record that `by_whom` (a 值班领导) acknowledged the event; False (nothing written) if already done."""
    res = conn.execute(
        update(events)
        .where(and_(events.c.id == event_id, events.c.acknowledged_at.is_(None)))
        .values(acknowledged_by=by_whom[:100], acknowledged_at=now, updated_at=now)
    )
    return bool(res.rowcount)


def add_response(conn: Connection, event_id: int, kind: str, url: str | None, responded_at: datetime,
                 by_whom: str, now: datetime, note: str | None = None) -> int:  # fmt: skip
    """Record a response; returns its id."""
    res = conn.execute(
        responses.insert().values(
            event_id=event_id,
            kind=kind,
            url=url,
            responded_at=responded_at,
            by_whom=by_whom,
            note=note,
            created_at=now,
        )  # fmt: skip
    )
    return int(res.inserted_primary_key[0])


def response_kinds(conn: Connection, event_id: int) -> list[str]:
    return list(conn.execute(select(responses.c.kind).where(responses.c.event_id == event_id)).scalars())


# --------------------------------------------------------------------------------- dashboard reads


def list_events(
    conn: Connection,
    *,
    since: datetime | None = None,
    classes: Sequence[str | None] = (),
    statuses: Sequence[str] = (),
    limit: int = 500,
) -> pd.DataFrame:
    """Events ranked by urgency: open events (待研判 / 处置中) with a deadline first, the earliest deadline first
    (so overdue ones lead, the most overdue at the top), then the rest by heat (then newest first). All event
    columns. `classes` may hold None for 无需回应. The same order as `analysis.opinion.response.urgency_key`."""
    conds = []
    if since is not None:
        conds.append(events.c.last_seen_at >= since)
    if classes:
        named = [c for c in classes if c]
        parts = [events.c.response_class.in_(named)] if named else []
        if any(c is None for c in classes):
            parts.append(events.c.response_class.is_(None))
        conds.append(or_(*parts))
    if statuses:
        conds.append(events.c.status.in_(list(statuses)))
    active = and_(events.c.status.in_([EVENT_PENDING, EVENT_HANDLING]), events.c.deadline_at.is_not(None))
    stmt = (
        select(events)
        .order_by(
            case((active, 0), else_=1),
            case((active, events.c.deadline_at), else_=None),
            events.c.heat.desc(),
            events.c.first_seen_at.desc(),
            events.c.id,
        )
        .limit(limit)
    )
    if conds:
        stmt = stmt.where(and_(*conds))
    rows = [dict(r) for r in conn.execute(stmt).mappings()]
    return pd.DataFrame(rows, columns=[c.name for c in events.columns])


def event_regions(conn: Connection, event_ids: Sequence[int]) -> dict[int, list[tuple[str | None, ...]]]:
    """Distinct (province, city, county, code) of the documents of each event."""
    out: dict[int, list[tuple[str | None, ...]]] = {int(e): [] for e in event_ids}
    cols = (
        documents.c.region_province,
        documents.c.region_city,
        documents.c.region_county,
        documents.c.region_code,
    )
    for chunk in _chunks(event_ids):
        rows = conn.execute(
            select(documents.c.event_id, *cols)
            .where(and_(documents.c.event_id.in_(chunk), documents.c.region_code.is_not(None)))
            .distinct()
        )
        for eid, *region in rows:
            out[int(eid)].append(tuple(region))
    return out


def event_document_table(conn: Connection, event_id: int, limit: int = 500) -> pd.DataFrame:
    """The documents of one event for display, oldest first."""
    rows = conn.execute(
        select(*EVENT_DOC_COLUMNS).where(documents.c.event_id == event_id).order_by(doc_time(), documents.c.id)
        .limit(limit)
    ).mappings()  # fmt: skip
    return pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in EVENT_DOC_COLUMNS])


def list_responses(conn: Connection, event_ids: Sequence[int]) -> pd.DataFrame:
    """Responses of the given events, newest first."""
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(event_ids):
        rows.extend(
            dict(r) for r in conn.execute(select(responses).where(responses.c.event_id.in_(chunk))).mappings()
        )
    df = pd.DataFrame(rows, columns=[c.name for c in responses.columns])
    return df.sort_values(["responded_at", "id"], ascending=False).reset_index(drop=True) if len(df) else df


def event_audit_log(conn: Connection, event_id: int) -> pd.DataFrame:
    """Audit-log lines of one event, newest first."""
    rows = conn.execute(
        select(audit_log)
        .where(and_(audit_log.c.entity == "event", audit_log.c.entity_id == event_id))
        .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
    ).mappings()
    return pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in audit_log.columns])


def sentiment_mix(conn: Connection, event_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """event id -> {neg, neu, pos, none}: documents by sentiment label."""
    out: dict[int, dict[str, int]] = {int(e): {"neg": 0, "neu": 0, "pos": 0, "none": 0} for e in event_ids}
    for chunk in _chunks(event_ids):
        rows = conn.execute(
            select(documents.c.event_id, documents.c.sentiment_label, func.count())
            .where(documents.c.event_id.in_(chunk))
            .group_by(documents.c.event_id, documents.c.sentiment_label)
        )
        for eid, label, n in rows:
            out[int(eid)][label if label in ("neg", "neu", "pos") else "none"] += int(n)
    return out


def document_urls(conn: Connection, ids: Sequence[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for chunk in _chunks([i for i in ids if i is not None]):
        for doc_id, url in conn.execute(
            select(documents.c.id, documents.c.url).where(documents.c.id.in_(chunk))
        ):
            out[int(doc_id)] = url
    return out
