"""The people's workflows, in one place: event status and responses (待研判 → 处置中 → 已回应 → 已结束, or
无需回应), assignment (指派给) and acknowledgement (值班领导 确认知悉) of events, impersonation-candidate status
(待核实 → 已报送 → 已处置, or 误报; a closed case can be reopened) and acknowledgement, and the review of
own-site integrity findings (待确认 → 已确认 or 误报; reopenable).

An event is 已回应 only when every deadline of its class is discharged by a recorded response
(`analysis.opinion.response.pending_deadlines`): for class A, authoritative information (5 h) AND a press
conference (24 h); recording one keeps it 处置中 with the other countdown running, and a manual change to
已回应 is refused while a deadline is open. A response time may not lie in the future (beyond
RESPONSE_CLOCK_SKEW). One table of allowed transitions per entity, one table of which role may do what (PERMISSIONS), one
error type, the acting user passed in (a `store.users.User`: the logged-in account, or the trusted console
operator named by `--by`), and every change written to the audit log by the one writer
(`store.audit.log_action`) in the transaction that makes it, under the user's label.

Each action is one transaction; a status change applies only when the status is still the one read
(conditional update), so a concurrent change is refused instead of overwritten. An event action reads its
event locked (`store.events.get_event(..., for_update=True)`: the row on PostgreSQL, the write lock on SQLite)
before anything else, so two people recording the two class-A responses at once are serialised: the second
sees the first's response and moves the event to 已回应. Imports neither Scrapy nor Streamlit: the CLI and
the dashboard both call it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from analysis.opinion.response import RESPONSE_CLOCK_SKEW, next_deadline, pending_deadlines
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
    FINDING_ACKNOWLEDGED,
    FINDING_FALSE_POSITIVE,
    FINDING_REVIEW_LABELS,
    FINDING_UNREVIEWED_LABEL,
    METHOD_MANUAL,
    RESPONSE_KINDS,
)
from store import events as events_store
from store import sitewatch as sites_store
from store import users as users_store
from store.audit import log_action
from store.users import ROLE_ADMIN, ROLE_ANALYST, ROLE_CONSOLE, ROLE_DUTY_LEADER, ROLE_HANDLER, User, as_user

logger = logging.getLogger(__name__)

ENTITY_EVENT = "event"
ENTITY_CANDIDATE = sites_store.ENTITY_CANDIDATE
ENTITY_FINDING = sites_store.ENTITY_FINDING

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
# Integrity findings: "" = not reviewed yet (NULL in the store).
FINDING_UNREVIEWED = ""
FINDING_TRANSITIONS: dict[str, tuple[str, ...]] = {
    FINDING_UNREVIEWED: (FINDING_ACKNOWLEDGED, FINDING_FALSE_POSITIVE),
    FINDING_ACKNOWLEDGED: (FINDING_FALSE_POSITIVE, FINDING_UNREVIEWED),
    FINDING_FALSE_POSITIVE: (FINDING_UNREVIEWED, FINDING_ACKNOWLEDGED),
}
TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    ENTITY_EVENT: EVENT_TRANSITIONS,
    ENTITY_CANDIDATE: CANDIDATE_TRANSITIONS,
    ENTITY_FINDING: FINDING_TRANSITIONS,
}


def finding_review_label(review: str | None) -> str:
    """Chinese label of a finding's review code (None or "" = 待确认)."""
    return FINDING_REVIEW_LABELS.get(review or "", FINDING_UNREVIEWED_LABEL)


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
ACTION_SITE_REVIEW = "site_review"  # acknowledge a site-watch finding or mark it 误报
ACTION_USERS = "users"
ACTION_SETTINGS = "settings"
ACTION_LABELS = {
    ACTION_READ: "查看", ACTION_EXPORT: "导出", ACTION_EVENT_STATUS: "修改事件状态", ACTION_RESPONSE: "记录回应",
    ACTION_ASSIGN: "分派", ACTION_CANDIDATE_STATUS: "修改候选网站状态", ACTION_CANDIDATE_ADD: "添加候选网站",
    ACTION_REBASELINE: "重建基线", ACTION_ACKNOWLEDGE: "确认知悉", ACTION_SITE_REVIEW: "确认或标记误报",
    ACTION_USERS: "管理用户",
    ACTION_SETTINGS: "修改设置",
}  # fmt: skip
PERMISSIONS: dict[str, frozenset[str]] = {
    ROLE_ADMIN: frozenset({ACTION_READ, ACTION_USERS, ACTION_SETTINGS, ACTION_ASSIGN}),
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
            ACTION_SITE_REVIEW,
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
        event = events_store.get_event(conn, event_id, for_update=True)
        if event is None:
            raise WorkflowError(f"事件 {event_id} 不存在")
        old = event["status"]
        if not can_transition(ENTITY_EVENT, old, new):
            raise WorkflowError(f"状态不能从「{old}」改为「{new}」")
        if new == EVENT_RESPONDED:
            kinds = events_store.response_kinds(conn, event_id)
            missing = pending_deadlines(event["response_class"], event["first_seen_at"], kinds)
            if missing:
                raise WorkflowError(
                    "尚未记录" + "、".join(d.label for d in missing) + "，不能标为「已回应」：请先记录回应"
                )
        if not events_store.set_status(conn, event_id, old, new, now):
            raise WorkflowError("状态已被他人修改，请刷新后重试")
        log_action(conn, ENTITY_EVENT, event_id, "status", old, new, by_whom, now, note)
    logger.info("event %s: %s -> %s by %s", event_id, old, new, by_whom)
    return old


def record_response(engine: Engine, event_id: int, kind: str, by: User, *, url: str | None = None,
                    responded_at: datetime | None = None, note: str | None = None,
                    now: datetime | None = None) -> int:  # fmt: skip
    """Log a response (kind, URL, time, who), recompute the next deadline, move a 待研判 event to 处置中, and
    to 已回应 once every deadline of its class is discharged (each step logged). Returns the response id;
    raises WorkflowError for bad input (unknown kind, bad URL, a time without zone or in the future)."""
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
    if responded_at > now + RESPONSE_CLOCK_SKEW:
        raise WorkflowError("回应时间不能晚于当前时间，请填写实际回应的时间")
    with engine.begin() as conn:
        event = events_store.get_event(conn, event_id, for_update=True)
        if event is None:
            raise WorkflowError(f"事件 {event_id} 不存在")
        response_id = events_store.add_response(conn, event_id, kind, url, responded_at, by_whom, now, note)
        done = f"{kind} {url or ''}".strip()
        log_action(conn, ENTITY_EVENT, event_id, "response", None, done, by_whom, now, note)
        kinds = events_store.response_kinds(conn, event_id)
        due = next_deadline(event["response_class"], event["first_seen_at"], kinds)
        events_store.set_deadline(conn, event_id, due.due if due else None, now)
        answered = not pending_deadlines(event["response_class"], event["first_seen_at"], kinds)
        status = event["status"]
        for step in (EVENT_HANDLING, EVENT_RESPONDED) if answered else (EVENT_HANDLING,):
            if status in (EVENT_PENDING, EVENT_HANDLING) and can_transition(ENTITY_EVENT, status, step):
                if events_store.set_status(conn, event_id, status, step, now):
                    log_action(conn, ENTITY_EVENT, event_id, "status", status, step, by_whom, now, "记录回应")
                status = step
    logger.info("event %s: response %s recorded by %s", event_id, kind, by_whom)
    return response_id


def assignable_users(engine: Engine) -> list[User]:
    """Accounts an event may be assigned to: enabled, and of a role that may record responses (处置人员)."""
    with engine.connect() as conn:
        rows = users_store.list_users(conn)
    return [as_user(r) for r in rows if not r["disabled"] and can(as_user(r), ACTION_RESPONSE)]


def assign_event(engine: Engine, event_id: int, assignee: str | None, by: User, *,
                 now: datetime | None = None, note: str | None = None) -> str | None:  # fmt: skip
    """Assign an event to the account `assignee` (username; None or "" = take the assignment away) and log who
    did it. Only 处置人员 and 管理员 (ACTION_ASSIGN) may; the assignee must be an enabled account that may record
    responses. Returns the previous assignee; raises WorkflowError with a Chinese message."""
    now = now or datetime.now(UTC)
    by_whom = require(by, ACTION_ASSIGN)
    assignee = (assignee or "").strip() or None
    with engine.begin() as conn:
        event = events_store.get_event(conn, event_id, for_update=True)
        if event is None:
            raise WorkflowError(f"事件 {event_id} 不存在")
        label = None
        if assignee is not None:
            row = users_store.get_user(conn, assignee)
            if row is None:
                raise WorkflowError(f"没有账号“{assignee}”")
            target = as_user(row)
            if row["disabled"]:
                raise WorkflowError(f"账号“{target.label}”已停用，不能指派")
            if not can(target, ACTION_RESPONSE):
                raise WorkflowError(f"{target.role_label}“{target.label}”不能处置事件，请指派给处置人员")
            label = target.label
        old = event.get("assignee")
        if old == assignee:
            raise WorkflowError(f"已指派给“{label}”" if label else "该事件尚未指派")
        events_store.set_assignee(conn, event_id, assignee, by_whom, now)
        log_action(conn, ENTITY_EVENT, event_id, "assign", old, assignee, by_whom, now, note)
    logger.info("event %s: assigned %s -> %s by %s", event_id, old, assignee, by_whom)
    return old


def acknowledge_event(engine: Engine, event_id: int, by: User, *, now: datetime | None = None,
                      note: str | None = None) -> None:  # fmt: skip
    """Record that the 值班领导 `by` has seen the event (确认知悉: who and when, once) and log it; raises
    WorkflowError when the role may not, or it was already acknowledged."""
    now = now or datetime.now(UTC)
    by_whom = require(by, ACTION_ACKNOWLEDGE)
    with engine.begin() as conn:
        event = events_store.get_event(conn, event_id, for_update=True)
        if event is None:
            raise WorkflowError(f"事件 {event_id} 不存在")
        if not events_store.acknowledge(conn, event_id, by_whom, now):
            raise WorkflowError(f"该事件已由 {event['acknowledged_by']} 确认知悉")
        log_action(conn, ENTITY_EVENT, event_id, "acknowledge", None, by_whom, by_whom, now, note)
    logger.info("event %s acknowledged by %s", event_id, by_whom)


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


def acknowledge_candidate(engine: Engine, candidate_id: int, by: User, *, now: datetime | None = None,
                          note: str | None = None) -> None:  # fmt: skip
    """Record that `by` has seen an impersonation candidate (确认知悉: who and when, once) and log it. To mark
    one 误报, change its status (change_candidate_status). Raises WorkflowError."""
    now = now or datetime.now(UTC)
    who = require(by, ACTION_SITE_REVIEW)
    with engine.begin() as conn:
        row = sites_store.get_candidate(conn, candidate_id)
        if row is None:
            raise WorkflowError(f"没有编号为 {candidate_id} 的候选网站")
        if not sites_store.acknowledge_candidate(conn, candidate_id, by_whom=who, now=now):
            raise WorkflowError(f"该候选网站已由 {row['acknowledged_by']} 确认知悉")
        log_action(conn, ENTITY_CANDIDATE, candidate_id, "acknowledge", None, who, who, now, note)
    logger.info("candidate %s acknowledged by %s", candidate_id, who)


# ---------------------------------------------------------------------------------- own-site findings


def review_finding(engine: Engine, finding_id: int, review: str | None, by: User, *,
                   now: datetime | None = None, note: str | None = None) -> str | None:  # fmt: skip
    """Mark an integrity finding 已确认 (FINDING_ACKNOWLEDGED) or 误报 (FINDING_FALSE_POSITIVE), or reopen it
    (None), with who and when, and log it. Returns the old review; raises WorkflowError with a Chinese
    message when not allowed."""
    now = now or datetime.now(UTC)
    new = review or FINDING_UNREVIEWED
    if new not in FINDING_TRANSITIONS:
        raise WorkflowError(f"未知核查标记“{review}”")
    who = require(by, ACTION_SITE_REVIEW)
    with engine.begin() as conn:
        row = sites_store.get_finding(conn, finding_id)
        if row is None:
            raise WorkflowError(f"没有编号为 {finding_id} 的问题")
        old = row["review"] or FINDING_UNREVIEWED
        if old == new:
            raise WorkflowError(f"已是“{finding_review_label(old)}”")
        if not can_transition(ENTITY_FINDING, old, new):
            raise WorkflowError(f"不能从“{finding_review_label(old)}”改为“{finding_review_label(new)}”")
        if not sites_store.set_finding_review(conn, finding_id, old or None, new or None, by_whom=who, now=now,
                                              note=note):  # fmt: skip
            raise WorkflowError("已被他人修改，请刷新后重试")
        log_action(conn, ENTITY_FINDING, finding_id, "review", finding_review_label(old),
                   finding_review_label(new), who, now, note)  # fmt: skip
    logger.info("finding %s: %s -> %s by %s", finding_id, old or "-", new or "-", who)
    return old or None
