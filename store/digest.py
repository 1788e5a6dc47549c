"""Reads for the 日报 / 周报 / 专报 (jobs.reports): events that need attention (in brief: what counting and
ranking them needs), the 方案 of events' documents, hot-list sources, and the site-watch items new in a period.

Documents of a period come from `store.reports.fetch_documents`, events' documents, texts and responses from
`store.events`; this module holds only the queries those two do not. Plain SQLAlchemy Core, the same on
SQLite and PostgreSQL; every `start`/`end` is an aware datetime and windows are half-open [start, end).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.engine import Connection

from store.events import _chunks
from store.schema import (
    document_plans,
    documents,
    events,
    integrity_findings,
    responses,
    site_candidates,
    sources,
)

logger = logging.getLogger(__name__)

OPEN_STATUSES = ("待研判", "处置中")  # an event in one of these may still owe a response


def open_class_events(conn: Connection, before: datetime) -> list[int]:
    """Ids of events with a response class (A / B) that are still open (待研判 / 处置中) and were first
    detected before `before`: their deadlines belong in every report until someone closes them."""
    rows = conn.execute(
        select(events.c.id).where(
            and_(
                events.c.response_class.is_not(None),
                events.c.status.in_(OPEN_STATUSES),
                events.c.first_seen_at < before,
            )
        )
    ).scalars()
    return [int(i) for i in rows]


# what a report needs of every event it counts and ranks (the few it describes are read in full)
BRIEF_COLUMNS = ("id", "title", "response_class", "response_rule", "status", "assignee", "first_seen_at", "heat")


def _brief_select():
    return select(*(events.c[c] for c in BRIEF_COLUMNS))


def event_briefs(conn: Connection, event_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """BRIEF_COLUMNS of the events `event_ids` (missing ids are absent)."""
    out: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(list(event_ids)):
        for r in conn.execute(_brief_select().where(events.c.id.in_(chunk))).mappings():
            out[int(r["id"])] = dict(r)
    return out


def open_class_briefs(conn: Connection, before: datetime, plan: str | None = None) -> dict[int, dict[str, Any]]:
    """BRIEF_COLUMNS of the events `open_class_events` lists, in one query; with `plan`, only those with a
    document that matched 方案 `plan` (as `events_with_plan`, by index)."""
    e, d, dp = events.c, documents.c, document_plans.c
    conds = [e.response_class.is_not(None), e.status.in_(OPEN_STATUSES), e.first_seen_at < before]
    if plan:
        conds.append(
            exists().where(d.event_id == e.id,
                           exists().where(dp.document_id == d.id, dp.plan == plan))
        )  # fmt: skip
    return {int(r["id"]): dict(r) for r in conn.execute(_brief_select().where(and_(*conds))).mappings()}


def response_kinds(conn: Connection, event_ids: Sequence[int]) -> dict[int, list[str]]:
    """event id -> the kinds of its recorded responses (what discharges its deadlines)."""
    out: dict[int, list[str]] = {int(e): [] for e in event_ids}
    for chunk in _chunks(list(event_ids)):
        rows = conn.execute(select(responses.c.event_id, responses.c.kind).where(responses.c.event_id.in_(chunk)))
        for eid, kind in rows:
            out[int(eid)].append(kind)
    return out


def _plans(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def event_plans(conn: Connection, event_ids: Sequence[int]) -> dict[int, set[str]]:
    """event id -> the 方案 matched by any of its documents."""
    out: dict[int, set[str]] = {int(e): set() for e in event_ids}
    for chunk in _chunks(list(event_ids)):
        rows = conn.execute(
            select(documents.c.event_id, documents.c.plans).where(documents.c.event_id.in_(chunk))
        )
        for eid, plans in rows:
            out[int(eid)].update(_plans(plans))
    return out


def events_with_plan(conn: Connection, event_ids: Sequence[int], plan: str) -> set[int]:
    """The events among `event_ids` with a document that matched 方案 `plan` (document_plans, by index)."""
    dp = document_plans.c
    out: set[int] = set()
    for chunk in _chunks(list(event_ids)):
        stmt = (
            select(documents.c.event_id)
            .where(documents.c.event_id.in_(chunk),
                   exists().where(dp.document_id == documents.c.id, dp.plan == plan))
            .distinct()
        )  # fmt: skip
        out.update(int(e) for e in conn.execute(stmt).scalars())
    return out


def hotlist_source_names(conn: Connection) -> set[str]:
    """Names of the configured sources of kind `hotlist` (热搜 / 热榜)."""
    return set(conn.execute(select(sources.c.name).where(sources.c.kind == "hotlist")).scalars())


def new_candidates(
    conn: Connection, start: datetime, end: datetime, *, tier: str = "act", exclude_status: str = "误报"
) -> list[dict[str, Any]]:
    """Impersonation candidates first seen in [start, end) whose last check put them at `tier`, highest
    score first (those marked `exclude_status` left out)."""
    c = site_candidates.c
    rows = conn.execute(
        select(
            c.id, c.host, c.url, c.final_url, c.title, c.score, c.tier, c.signals, c.status, c.first_seen_at
        )
        .where(
            and_(c.first_seen_at >= start, c.first_seen_at < end, c.tier == tier, c.status != exclude_status)
        )
        .order_by(c.score.desc(), c.id)
    ).mappings()
    return [dict(r) for r in rows]


def pending_candidates(
    conn: Connection, before: datetime, *, tier: str = "act", status: str = "待核实"
) -> int:
    """How many candidates first seen before `before` are at `tier` and still have status `status`."""
    c = site_candidates.c
    cond = and_(c.tier == tier, c.status == status, c.first_seen_at < before)
    return len(conn.execute(select(c.id).where(cond)).all())


def new_findings(
    conn: Connection, start: datetime, end: datetime, severities: Sequence[str]
) -> list[dict[str, Any]]:
    """Own-site integrity findings found in [start, end) with one of `severities`, newest first."""
    f = integrity_findings.c
    rows = conn.execute(
        select(f.id, f.url, f.kind, f.severity, f.summary, f.found_at, f.resolved_at)
        .where(and_(f.found_at >= start, f.found_at < end, f.severity.in_(list(severities))))
        .order_by(f.found_at.desc(), f.id.desc())
    ).mappings()
    return [dict(r) for r in rows]


def open_findings(conn: Connection, before: datetime, severities: Sequence[str]) -> int:
    """How many findings found before `before` with one of `severities` are still unresolved."""
    f = integrity_findings.c
    cond = and_(f.resolved_at.is_(None), f.found_at < before, f.severity.in_(list(severities)))
    return len(conn.execute(select(f.id).where(cond)).all())
