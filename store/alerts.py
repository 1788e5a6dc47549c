"""Reads and writes for alerts: what the alert rules look at (events, critical documents, site candidates,
integrity findings, failing sources), the item outbox (`alerts_sent`) and the messages built from it
(`alert_messages`): claim with a lease, part-by-part progress, sent, retry, failed.

Every function takes an open connection; the caller (`jobs.alerts`) owns the transaction. Claims and
assignments are conditional updates, so two processes never take the same row.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Connection

from store.events import _chunks
from store.queries import _insert
from store.schema import (
    alert_messages,
    alerts_sent,
    documents,
    events,
    integrity_findings,
    site_candidates,
    sources,
)

logger = logging.getLogger(__name__)

ITEM_PENDING = "pending"
ITEM_QUEUED = "queued"
ITEM_SENT = "sent"
ITEM_FAILED = "failed"
ITEM_CANCELLED = "cancelled"
MSG_PENDING = "pending"
MSG_SENDING = "sending"
MSG_SENT = "sent"
MSG_FAILED = "failed"


# ------------------------------------------------------------------------------------ rule inputs
def events_updated_since(conn: Connection, since: datetime, classes: Sequence[str]) -> list[dict[str, Any]]:
    """Events of the given response classes whose row changed at or after `since`."""
    rows = conn.execute(
        select(events).where(and_(events.c.updated_at >= since, events.c.response_class.in_(list(classes))))
        .order_by(events.c.first_seen_at, events.c.id)
    ).mappings()  # fmt: skip
    return [dict(r) for r in rows]


def events_due_between(conn: Connection, start: datetime, end: datetime, statuses: Sequence[str]
                       ) -> list[dict[str, Any]]:  # fmt: skip
    """Events in one of `statuses` whose deadline lies in [start, end]."""
    rows = conn.execute(
        select(events).where(and_(events.c.deadline_at >= start, events.c.deadline_at <= end,
                                  events.c.status.in_(list(statuses))))
        .order_by(events.c.deadline_at, events.c.id)
    ).mappings()  # fmt: skip
    return [dict(r) for r in rows]


def event_plans(conn: Connection, event_ids: Sequence[int]) -> dict[int, set[str]]:
    """The 监测方案 matched by any document of each event."""
    out: dict[int, set[str]] = {int(e): set() for e in event_ids}
    for chunk in _chunks(event_ids):
        for eid, plans in conn.execute(
            select(documents.c.event_id, documents.c.plans).where(documents.c.event_id.in_(chunk))
        ):
            out[int(eid)].update(str(p) for p in (plans or []))
    return out


OFFICE_DOC_COLUMNS = (
    documents.c.id, documents.c.url, documents.c.title, documents.c.source, documents.c.event_id,
    documents.c.plans, documents.c.terms, documents.c.region_province, documents.c.region_city,
    documents.c.region_county, documents.c.region_code, documents.c.published_at, documents.c.first_seen_at,
)  # fmt: skip


def office_critical_documents(
    conn: Connection, since: datetime, newer_than: datetime
) -> list[dict[str, Any]]:
    """Documents criticising the audit office itself (target office, negative sentiment) placed in events
    (stage 2 done) at or after `since` and dated (published, else first seen) at or after `newer_than` (a
    backlog analysed today is not news), oldest first."""
    doc_time = func.coalesce(documents.c.published_at, documents.c.first_seen_at)
    rows = conn.execute(
        select(*OFFICE_DOC_COLUMNS).where(and_(
            documents.c.target == "office", documents.c.sentiment_label == "neg",
            documents.c.stage2_at.is_not(None), documents.c.stage2_at >= since, doc_time >= newer_than,
        )).order_by(documents.c.id)
    ).mappings()  # fmt: skip
    return [dict(r) for r in rows]


def act_candidates(conn: Connection, since: datetime, statuses: Sequence[str]) -> list[dict[str, Any]]:
    """Impersonation candidates at the act tier, checked at or after `since`, in one of `statuses`."""
    rows = conn.execute(
        select(site_candidates.c.id, site_candidates.c.host, site_candidates.c.url, site_candidates.c.final_url,
               site_candidates.c.title, site_candidates.c.score, site_candidates.c.signals,
               site_candidates.c.status, site_candidates.c.last_checked_at)
        .where(and_(site_candidates.c.tier == "act", site_candidates.c.last_checked_at >= since,
                    site_candidates.c.status.in_(list(statuses))))
        .order_by(site_candidates.c.id)
    ).mappings()  # fmt: skip
    return [dict(r) for r in rows]


def open_findings(conn: Connection, since: datetime, severity: str) -> list[dict[str, Any]]:
    """Unresolved integrity findings of `severity` found at or after `since`."""
    f = integrity_findings.c
    rows = conn.execute(
        select(f.id, f.url, f.kind, f.severity, f.summary, f.evidence, f.found_at)
        .where(and_(f.severity == severity, f.resolved_at.is_(None), f.found_at >= since)).order_by(f.id)
    ).mappings()  # fmt: skip
    return [dict(r) for r in rows]


def failing_sources(conn: Connection, failures: int) -> list[dict[str, Any]]:
    """Enabled sources whose last `failures` or more crawls failed in a row."""
    s = sources.c
    rows = conn.execute(
        select(s.name, s.kind, s.url, s.consecutive_failures, s.last_error, s.last_error_at, s.last_success_at)
        .where(and_(s.enabled.is_(True), s.consecutive_failures >= failures)).order_by(s.name)
    ).mappings()  # fmt: skip
    return [dict(r) for r in rows]


def first_deliveries(conn: Connection, triggers: Sequence[str], since: datetime) -> dict[int, datetime]:
    """Event id -> when the first alert of one of `triggers` about it was delivered, for events whose first
    such alert was delivered at or after `since`."""
    first = func.min(alerts_sent.c.sent_at)
    rows = conn.execute(
        select(alerts_sent.c.event_id, first)
        .where(and_(alerts_sent.c.trigger.in_(list(triggers)), alerts_sent.c.status == ITEM_SENT,
                    alerts_sent.c.event_id.is_not(None)))
        .group_by(alerts_sent.c.event_id).having(first >= since)
    )  # fmt: skip
    return {int(eid): at for eid, at in rows if at is not None}


# ------------------------------------------------------------------------------------ item outbox
def existing_keys(conn: Connection, keys: Sequence[str]) -> set[str]:
    out: set[str] = set()
    for chunk in _chunks(list(keys)):
        out.update(
            conn.execute(select(alerts_sent.c.dedup_key).where(alerts_sent.c.dedup_key.in_(chunk))).scalars()
        )
    return out


def insert_items(conn: Connection, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert outbox items whose dedup key is new (others are left as they are); returns the new ones."""
    if not rows:
        return []
    known = existing_keys(conn, [r["dedup_key"] for r in rows])
    fresh = []
    seen: set[str] = set()
    for r in rows:
        if r["dedup_key"] in known or r["dedup_key"] in seen:
            continue
        seen.add(r["dedup_key"])
        fresh.append(r)
    if fresh:
        stmt = _insert(conn, alerts_sent).on_conflict_do_nothing(index_elements=[alerts_sent.c.dedup_key])
        conn.execute(stmt, fresh)
    return fresh


def item_ids(conn: Connection, keys: Sequence[str]) -> dict[str, int]:
    """Dedup key -> id of the outbox items with these keys that are still pending."""
    out: dict[str, int] = {}
    for chunk in _chunks(list(keys)):
        rows = conn.execute(
            select(alerts_sent.c.dedup_key, alerts_sent.c.id)
            .where(and_(alerts_sent.c.dedup_key.in_(chunk), alerts_sent.c.status == ITEM_PENDING))
        )  # fmt: skip
        out.update({str(k): int(i) for k, i in rows})
    return out


def queued_message_ids(conn: Connection, trigger: str) -> set[int]:
    """Messages holding items of `trigger` that are composed but not yet delivered (or failed)."""
    rows = conn.execute(
        select(alerts_sent.c.message_id).distinct()
        .where(and_(alerts_sent.c.trigger == trigger, alerts_sent.c.status == ITEM_QUEUED,
                    alerts_sent.c.message_id.is_not(None)))
    ).scalars()  # fmt: skip
    return {int(i) for i in rows}


def pending_items(conn: Connection) -> list[dict[str, Any]]:
    """Items not yet in a message, oldest first."""
    rows = conn.execute(
        select(alerts_sent).where(alerts_sent.c.status == ITEM_PENDING).order_by(alerts_sent.c.id)
    )
    return [dict(r) for r in rows.mappings()]


def cancel_items(conn: Connection, ids: Sequence[int], note: str) -> int:
    n = 0
    for chunk in _chunks(list(ids)):
        n += conn.execute(
            update(alerts_sent).where(and_(alerts_sent.c.id.in_(chunk), alerts_sent.c.status == ITEM_PENDING))
            .values(status=ITEM_CANCELLED, note=note)
        ).rowcount or 0  # fmt: skip
    return n


def note_items(conn: Connection, ids: Sequence[int], note: str) -> None:
    """Say why pending items wait (quiet hours, interval, cap); shown by `yuqing alerts list`."""
    for chunk in _chunks(list(ids)):
        conn.execute(
            update(alerts_sent).where(and_(alerts_sent.c.id.in_(chunk), alerts_sent.c.status == ITEM_PENDING))
            .values(note=note)
        )  # fmt: skip


def last_message_at(conn: Connection, recipient: str, channel_name: str) -> datetime | None:
    """When the last message (not a failed one) to this recipient channel was created."""
    m = alert_messages.c
    return conn.execute(
        select(func.max(m.created_at)).where(and_(m.recipient == recipient, m.channel_name == channel_name,
                                                  m.status != MSG_FAILED))
    ).scalar_one_or_none()  # fmt: skip


def messages_since(conn: Connection, recipient: str, channel_name: str, since: datetime) -> int:
    """Messages (not failed ones) created for this recipient channel at or after `since`."""
    m = alert_messages.c
    return int(conn.execute(
        select(func.count()).select_from(alert_messages)
        .where(and_(m.recipient == recipient, m.channel_name == channel_name, m.created_at >= since,
                    m.status != MSG_FAILED))
    ).scalar_one())  # fmt: skip


class Conflict(RuntimeError):
    """Another process took the rows first; the caller rolls back."""


def create_message(conn: Connection, values: dict[str, Any], item_ids: Sequence[int]) -> int:
    """Insert a message and move its items from pending to queued in the same transaction; raises Conflict
    when some item was already taken (the caller's transaction must then roll back)."""
    res = conn.execute(alert_messages.insert().values(**values))
    mid = int(res.inserted_primary_key[0])
    moved = 0
    for chunk in _chunks(list(item_ids)):
        moved += conn.execute(
            update(alerts_sent).where(and_(alerts_sent.c.id.in_(chunk), alerts_sent.c.status == ITEM_PENDING))
            .values(status=ITEM_QUEUED, message_id=mid, note=None)
        ).rowcount or 0  # fmt: skip
    if moved != len(item_ids):
        raise Conflict(
            f"message {values.get('message_key')}: {len(item_ids) - moved} items taken by another run"
        )
    return mid


def _due(now: datetime, lease: timedelta):
    m = alert_messages.c
    return or_(and_(m.status == MSG_PENDING, m.next_attempt_at <= now),
               and_(m.status == MSG_SENDING, m.claimed_at < now - lease))  # fmt: skip


def due_messages(conn: Connection, now: datetime, lease: timedelta) -> list[int]:
    """Messages to send now: pending and due, or left sending by a process that lost its lease; urgent first."""
    m = alert_messages.c
    return [int(i) for i in conn.execute(
        select(m.id).where(_due(now, lease)).order_by(m.urgent.desc(), m.next_attempt_at, m.id)
    ).scalars()]  # fmt: skip


def claim_message(
    conn: Connection, message_id: int, now: datetime, lease: timedelta
) -> dict[str, Any] | None:
    """Take a due message for sending (status sending, lease from now, one more attempt); None if another
    process has it or it is no longer due. `reclaimed` in the result says a process that held it died (its
    lease expired while it was sending), so the part it was sending may have arrived."""
    m = alert_messages.c
    before = conn.execute(select(m.status).where(m.id == message_id)).scalar_one_or_none()
    res = conn.execute(
        update(alert_messages).where(and_(m.id == message_id, _due(now, lease)))
        .values(status=MSG_SENDING, claimed_at=now, attempts=m.attempts + 1)
    )  # fmt: skip
    if not res.rowcount:
        return None
    row = dict(conn.execute(select(alert_messages).where(m.id == message_id)).mappings().one())
    return {**row, "reclaimed": before == MSG_SENDING}


def mark_part_sent(conn: Connection, message_id: int, parts_sent: int, now: datetime) -> bool:
    """Record that the channel accepted parts up to `parts_sent` and renew the lease."""
    m = alert_messages.c
    res = conn.execute(
        update(alert_messages).where(and_(m.id == message_id, m.status == MSG_SENDING))
        .values(parts_sent=parts_sent, claimed_at=now)
    )  # fmt: skip
    return bool(res.rowcount)


def mark_sent(conn: Connection, message_id: int, now: datetime) -> None:
    conn.execute(update(alert_messages).where(alert_messages.c.id == message_id)
                 .values(status=MSG_SENT, sent_at=now, last_error=None))  # fmt: skip
    conn.execute(update(alerts_sent).where(alerts_sent.c.message_id == message_id)
                 .values(status=ITEM_SENT, sent_at=now))  # fmt: skip


def mark_failed(conn: Connection, message_id: int, error: str, retry_at: datetime | None) -> None:
    """A failed attempt: back to pending until `retry_at`, or failed for good (items too) when None."""
    values: dict[str, Any] = {"last_error": error[:2000]}
    if retry_at is None:
        values.update(status=MSG_FAILED, next_attempt_at=None)
        conn.execute(
            update(alerts_sent).where(alerts_sent.c.message_id == message_id).values(status=ITEM_FAILED)
        )
    else:
        values.update(status=MSG_PENDING, next_attempt_at=retry_at)
    conn.execute(update(alert_messages).where(alert_messages.c.id == message_id).values(**values))


def requeue_failed(conn: Connection, message_ids: Sequence[int], now: datetime) -> int:
    """Give failed messages a fresh set of attempts (after a channel was fixed)."""
    n = 0
    for chunk in _chunks(list(message_ids)):
        n += conn.execute(
            update(alert_messages).where(and_(alert_messages.c.id.in_(chunk), alert_messages.c.status == MSG_FAILED))
            .values(status=MSG_PENDING, attempts=0, next_attempt_at=now)
        ).rowcount or 0  # fmt: skip
        conn.execute(
            update(alerts_sent).where(and_(alerts_sent.c.message_id.in_(chunk), alerts_sent.c.status == ITEM_FAILED))
            .values(status=ITEM_QUEUED)
        )  # fmt: skip
    return n


# ------------------------------------------------------------------------------------------ reads
def message_items(conn: Connection, message_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(alerts_sent).where(alerts_sent.c.message_id == message_id).order_by(alerts_sent.c.id)
    )
    return [dict(r) for r in rows.mappings()]


def list_messages(conn: Connection, *, failed_only: bool = False, limit: int = 100) -> list[dict[str, Any]]:
    """Messages newest first (with `failed_only`: failed for good, or waiting for a retry after an error)."""
    m = alert_messages.c
    stmt = select(alert_messages)
    if failed_only:
        stmt = stmt.where(or_(m.status == MSG_FAILED, and_(m.status != MSG_SENT, m.last_error.is_not(None))))
    rows = conn.execute(stmt.order_by(m.created_at.desc(), m.id.desc()).limit(limit)).mappings()
    return [dict(r) for r in rows]


def waiting_items(conn: Connection, limit: int = 100) -> list[dict[str, Any]]:
    """Items not yet in a message (waiting for a delivery window, the interval or the next day), oldest first."""
    rows = conn.execute(
        select(alerts_sent)
        .where(alerts_sent.c.status == ITEM_PENDING)
        .order_by(alerts_sent.c.id)
        .limit(limit)
    ).mappings()
    return [dict(r) for r in rows]


def outbox_counts(conn: Connection) -> dict[str, dict[str, int]]:
    """{"items": status -> count, "messages": status -> count}."""
    items = dict(
        conn.execute(select(alerts_sent.c.status, func.count()).group_by(alerts_sent.c.status)).all()
    )
    msgs = dict(
        conn.execute(select(alert_messages.c.status, func.count()).group_by(alert_messages.c.status)).all()
    )
    return {"items": {k: int(v) for k, v in items.items()}, "messages": {k: int(v) for k, v in msgs.items()}}


def messages_sent_since(conn: Connection, since: datetime) -> list[dict[str, Any]]:
    """Messages delivered at or after `since`, oldest first."""
    m = alert_messages.c
    rows = conn.execute(select(alert_messages).where(and_(m.status == MSG_SENT, m.sent_at >= since))
                        .order_by(m.sent_at, m.id)).mappings()  # fmt: skip
    return [dict(r) for r in rows]
