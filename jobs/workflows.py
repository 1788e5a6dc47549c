"""The people's workflows, in one place: event status and responses (待研判 → 处置中 → 已回应 → 已结束, or
无需回应) and impersonation-candidate status (待核实 → 已报送 → 已处置, or 误报; a closed case can be
reopened). One table of allowed transitions per entity, one table of which role may do what (PERMISSIONS), one
error type, the acting user passed in (a `store.users.User`: the logged-in account, or the trusted console
operator named by `--by`), and every change written to the audit log by the one writer
(`store.audit.log_action`) in the transaction that makes it, under the user's label.

Each action is one transaction; a status change applies only when the status is still the one read
(conditional update), so a concurrent change is refused instead of overwritten. Imports neither Scrapy nor
Streamlit: the CLI and the dashboard both call it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from analysis.opinion.response import next_deadline
from config.vocabulary import (
    CANDIDATE_FALSE,
    CANDIDATE_HANDLED,
    CANDIDATE_PENDING,
    CANDIDATE_REPORTED,
    CANDIDATE_STATUSES,
    EVENT_CLOSED,
    EVENT_HANDLING,
    EVENT_NO_RESPONSE,
    EVENT_PENDING,
    EVENT_RESPONDED,
    METHOD_MANUAL,
    RESPONSE_KINDS,
)
from store import events as events_store
from store import sitewatch as sites_store
from store.audit import log_action
from store.users import ROLE_ADMIN, ROLE_ANALYST, ROLE_CONSOLE, ROLE_DUTY_LEADER, ROLE_HANDLER, User

logger = logging.getLogger(__name__)

ENTITY_EVENT = "event"
ENTITY_CANDIDATE = sites_store.ENTITY_CANDIDATE

# Allowed status changes, per entity, each list in workflow order.
EVENT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    EVENT_PENDING: (EVENT_HANDLING, EVENT_NO_RESPONSE),
    EVENT_HANDLING: (EVENT_RESPONDED, EVENT_NO_RESPONSE),
    EVENT_RESPONDED: (EVENT_CLOSED,),
    EVENT_CLOSED: (),
    EVENT_NO_RESPONSE: (),
}
CANDIDATE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    CANDIDATE_PENDING: (CANDIDATE_REPORTED, CANDIDATE_FALSE),
    CANDIDATE_REPORTED: (CANDIDATE_HANDLED, CANDIDATE_FALSE, CANDIDATE_PENDING),
    CANDIDATE_HANDLED: (CANDIDATE_PENDING,),
    CANDIDATE_FALSE: (CANDIDATE_PENDING,),
}
TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    ENTITY_EVENT: EVENT_TRANSITIONS,
    ENTITY_CANDIDATE: CANDIDATE_TRANSITIONS,
}


# What each role may do. Every write below checks it (server-side, whatever the page showed); the dashboard
# also uses it to decide which widgets to show. The console operator (CLI `--by`) is trusted with everything.
ACTION_READ = "read"  # see the dashboard
ACTION_EXPORT = "export"  # download CSV, reports, referral files
ACTION_EVENT_STATUS = "event_status"
ACTION_RESPONSE = "response"
ACTION_ASSIGN = "assign"
ACTION_CANDIDATE_STATUS = "candidate_status"
ACTION_CANDIDATE_ADD = "candidate_add"
ACTION_REBASELINE = "rebaseline"
ACTION_ACKNOWLEDGE = "acknowledge"
ACTION_USERS = "users"
ACTION_SETTINGS = "settings"
ACTION_LABELS = {
    ACTION_READ: "查看", ACTION_EXPORT: "导出", ACTION_EVENT_STATUS: "修改事件状态", ACTION_RESPONSE: "记录回应",
    ACTION_ASSIGN: "分派", ACTION_CANDIDATE_STATUS: "修改候选网站状态", ACTION_CANDIDATE_ADD: "添加候选网站",
    ACTION_REBASELINE: "重建基线", ACTION_ACKNOWLEDGE: "确认知悉", ACTION_USERS: "管理用户",
    ACTION_SETTINGS: "修改设置",
}  # fmt: skip
PERMISSIONS: dict[str, frozenset[str]] = {
    ROLE_ADMIN: frozenset({ACTION_READ, ACTION_USERS, ACTION_SETTINGS}),
    ROLE_HANDLER: frozenset(
        {
            ACTION_READ,
            ACTION_EXPORT,
            ACTION_EVENT_STATUS,
            ACTION_RESPONSE,
            ACTION_ASSIGN,
            ACTION_CANDIDATE_STATUS,
            ACTION_CANDIDATE_ADD,
            ACTION_REBASELINE,
        }
    ),  # fmt: skip
    ROLE_DUTY_LEADER: frozenset({ACTION_READ, ACTION_ACKNOWLEDGE}),
    ROLE_ANALYST: frozenset({ACTION_READ, ACTION_EXPORT}),
    ROLE_CONSOLE: frozenset(ACTION_LABELS),
}


class WorkflowError(ValueError):
    """A change the workflow does not allow, or bad input for it; the message is Chinese, for the user."""


def can(user: User | None, action: str) -> bool:
    """True when `user`'s role may do `action` (PERMISSIONS); False for no user or an unknown role."""
    return user is not None and action in PERMISSIONS.get(user.role, frozenset())


def require(user: User, action: str, empty: str = "请填写操作人") -> str:
    """The label to log for `user` doing `action`; raises WorkflowError when the role may not, or no user."""
    if not isinstance(user, User):
        raise TypeError(f"the acting user must be a store.users.User, not {type(user).__name__}")
    if not user.username.strip():
        raise WorkflowError(empty)
    if not can(user, action):
        raise WorkflowError(f"{user.role_label}无权{ACTION_LABELS.get(action, action)}")
    return user.label


def next_statuses(entity: str, status: str) -> tuple[str, ...]:
    """Statuses an `entity` ("event" or "site_candidate") in `status` may move to, in workflow order."""
    return TRANSITIONS[entity].get(status, ())


def can_transition(entity: str, old: str, new: str) -> bool:
    """True when an `entity` may move from status `old` to status `new`."""
    return new in next_statuses(entity, old)


# ------------------------------------------------------------------------------------------ events


def change_event_status(engine: Engine, event_id: int, new: str, by: User, *, now: datetime | None = None,
                        note: str | None = None) -> str:  # fmt: skip
    """Move an event to status `new` and log who did it. Returns the old status; raises WorkflowError with a
    Chinese message when not allowed."""
    now = now or datetime.now(UTC)
    by_whom = require(by, ACTION_EVENT_STATUS)
    with engine.begin() as conn:
        event = events_store.get_event(conn, event_id)
        if event is None:
            raise WorkflowError(f"事件 {event_id} 不存在")
        old = event["status"]
        if not can_transition(ENTITY_EVENT, old, new):
            raise WorkflowError(f"状态不能从「{old}」改为「{new}」")
        if not events_store.set_status(conn, event_id, old, new, now):
            raise WorkflowError("状态已被他人修改，请刷新后重试")
        log_action(conn, ENTITY_EVENT, event_id, "status", old, new, by_whom, now, note)
    logger.info("event %s: %s -> %s by %s", event_id, old, new, by_whom)
    return old


def record_response(engine: Engine, event_id: int, kind: str, by: User, *, url: str | None = None,
                    responded_at: datetime | None = None, note: str | None = None,
                    now: datetime | None = None) -> int:  # fmt: skip
    """Log a response (kind, URL, time, who), recompute the next deadline, and move a 待研判 / 处置中 event
    to 已回应 (both steps logged). Returns the response id; raises WorkflowError for bad input."""
    now = now or datetime.now(UTC)
    responded_at = responded_at or now
    url = (url or "").strip() or None
    if kind not in RESPONSE_KINDS:
        raise WorkflowError(f"回应方式须为：{'、'.join(RESPONSE_KINDS)}")
    by_whom = require(by, ACTION_RESPONSE, "请填写回应人")
    if url is not None and not url.lower().startswith(("http://", "https://")):
        raise WorkflowError("回应链接须以 http:// 或 https:// 开头")
    if responded_at.tzinfo is None:
        raise WorkflowError("回应时间缺少时区")
    with engine.begin() as conn:
        event = events_store.get_event(conn, event_id)
        if event is None:
            raise WorkflowError(f"事件 {event_id} 不存在")
        response_id = events_store.add_response(conn, event_id, kind, url, responded_at, by_whom, now, note)
        done = f"{kind} {url or ''}".strip()
        log_action(conn, ENTITY_EVENT, event_id, "response", None, done, by_whom, now, note)
        kinds = events_store.response_kinds(conn, event_id)
        due = next_deadline(event["response_class"], event["first_seen_at"], kinds)
        events_store.set_deadline(conn, event_id, due.due if due else None, now)
        status = event["status"]
        for step in (EVENT_HANDLING, EVENT_RESPONDED):
            if status in (EVENT_PENDING, EVENT_HANDLING) and can_transition(ENTITY_EVENT, status, step):
                if events_store.set_status(conn, event_id, status, step, now):
                    log_action(conn, ENTITY_EVENT, event_id, "status", status, step, by_whom, now, "记录回应")
                status = step
    logger.info("event %s: response %s recorded by %s", event_id, kind, by_whom)
    return response_id


# -------------------------------------------------------------------------------------- candidates


def add_candidate(engine: Engine, url: str, by: User, *, detail: str = "", now: datetime | None = None
                  ) -> tuple[int, bool]:  # fmt: skip
    """Add a candidate site by hand (or note again that a known one was reported) and log who did it.
    Returns (id, created); raises WorkflowError without a user and ValueError for a URL without a host."""
    now = now or datetime.now(UTC)
    by_whom = require(by, ACTION_CANDIDATE_ADD)
    _, clean = sites_store.candidate_key(url)
    with engine.begin() as conn:
        cid, created = sites_store.upsert_candidate(conn, url, method=METHOD_MANUAL, detail=detail, now=now)
        log_action(conn, ENTITY_CANDIDATE, cid, "add", None, clean, by_whom, now, detail or None)
    logger.info("candidate %s (%s) added by %s", cid, clean, by_whom)
    return cid, created


def change_candidate_status(engine: Engine, candidate_id: int, status: str, by: User, *,
                            now: datetime | None = None, note: str | None = None) -> str:  # fmt: skip
    """Move a candidate along the workflow and log who did it and when. Returns the old status; raises
    WorkflowError with a Chinese message when not allowed."""
    now = now or datetime.now(UTC)
    if status not in CANDIDATE_STATUSES:
        raise WorkflowError(f"未知状态“{status}”，可选：{'、'.join(CANDIDATE_STATUSES)}")
    who = require(by, ACTION_CANDIDATE_STATUS)
    with engine.begin() as conn:
        row = sites_store.get_candidate(conn, candidate_id)
        if row is None:
            raise WorkflowError(f"没有编号为 {candidate_id} 的候选网站")
        old = row["status"]
        if status == old:
            raise WorkflowError(f"状态已是“{old}”")
        if not can_transition(ENTITY_CANDIDATE, old, status):
            allowed = "、".join(next_statuses(ENTITY_CANDIDATE, old)) or "无"
            raise WorkflowError(f"不能从“{old}”改为“{status}”（可改为：{allowed}）")
        if not sites_store.set_status(conn, candidate_id, old, status, by_whom=who, now=now, note=note):
            raise WorkflowError("状态已被他人修改，请刷新后重试")
        log_action(conn, ENTITY_CANDIDATE, candidate_id, "status", old, status, who, now, note)
    logger.info("candidate %s: %s -> %s by %s", candidate_id, old, status, who)
    return old
