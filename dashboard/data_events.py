"""The 热点与回应 page's door to the store: cached, display-ready event tables (urgency first), and the writes
(status change, response, assignment, acknowledgement) that go through the workflow (jobs.workflows) and then
clear the caches.

Cached functions take the DB URL and every filter as arguments (the cache key captures every input).
Crawled text (titles, sources, URLs) stays in table cells and is never rendered as markdown or HTML.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from analysis.opinion.heat import BASELINE_DAYS, is_new, plan_bursts
from analysis.opinion.response import countdown, needs_attention, pending_deadlines, urgency_key
from analysis.region import Region, matches_local
from config.vocabulary import (
    AUDIT_ACTION_LABELS,
    CLASS_SHORT_LABELS,
    NO_CLASS_LABEL,
    NOT_ANALYSED,
    OFFICE_CRITICISM_LABEL,
    RESPONSE_CLASSES,
    SENTIMENT_LABELS,
    TARGET_LABELS,
)
from dashboard.data import engine, fmt_time, safe_link
from jobs import workflows
from store import events as q
from store import reports
from store import users as users_store
from store.users import User, as_user

logger = logging.getLogger(__name__)

CLASS_OPTIONS = (*RESPONSE_CLASSES, NO_CLASS_LABEL)  # filter choices; NO_CLASS_LABEL (无需回应) = no class
ATTENTION = "需关注"  # the default view: open class-A/B events, criticism of the office, bursts
ALL_EVENTS = "全部"
VIEWS = (ATTENTION, ALL_EVENTS)
UNASSIGNED = "未指派"
# The table's columns in display order: the deciding ones first (visible without scrolling at 1440 px).
TABLE_COLUMNS = [
    "回应类别", "倒计时", "状态", "指派", "标题", "热度", "截止时间", "知悉", "突发", "新", OFFICE_CRITICISM_LABEL,
    "情感构成", "首发", "首发链接", "转载", "信源数", "热度趋势", "回应依据", "地域", "关键词", "id",
]  # fmt: skip


def _user_labels(conn) -> dict[str, str]:
    """username -> 张三（zhangsan） for every account (disabled ones too: old assignments stay readable)."""
    return {r["username"]: as_user(r).label for r in users_store.list_users(conn)}


def class_codes(picked: list[str] | tuple[str, ...]) -> tuple[str | None, ...]:
    return tuple(None if p == NO_CLASS_LABEL else p for p in picked)


def _nan_to_none(value: Any) -> Any:
    if value is None:
        return None
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):
        return value


def _is_local(regions: list[tuple[str | None, ...]], local_area: str) -> bool:
    return any(
        matches_local(Region(province=p, city=c, county=k, adcode=code), local_area)
        for p, c, k, code in regions
        if code
    )


@st.cache_data(ttl=30, show_spinner=False)
def events(
    db_url: str,
    tz_name: str,
    days: float,
    classes: tuple[str | None, ...] = (),
    statuses: tuple[str, ...] = (),
    local_area: str = "",
    now: datetime | None = None,
) -> pd.DataFrame:
    """Events ranked by urgency (open events with a deadline first, overdue ones leading, nearest deadline
    next; then by heat: store.events.list_events) with everything the table shows except the live countdown.

    Columns: id, 标题, 热度, 热度趋势 (list), 新, 突发, 情感构成, 负面占比, 批评审计机关, 首发, 首发链接,
    转载, 信源数, 文档数, 回应类别, 回应依据, 首次发现, 截止时间 (aware datetime or None), 状态, 指派 (label),
    指派账号 (username or ""), 知悉,
    需关注 (bool: analysis.opinion.response.needs_attention), 地域, 关键词.
    """
    now = now or datetime.now(UTC)
    with engine(db_url).connect() as conn:
        df = q.list_events(conn, since=now - timedelta(days=days) if days else None, classes=classes,
                           statuses=statuses)  # fmt: skip
        ids = [int(i) for i in df["id"]]
        if local_area.strip() and ids:
            regions = q.event_regions(conn, ids)
            keep = [_is_local(regions[i], local_area) for i in ids]
            df = df[keep].reset_index(drop=True)
            ids = [int(i) for i in df["id"]]
        mix = q.sentiment_mix(conn, ids)
        urls = q.document_urls(conn, [int(v) for v in df["first_doc_id"].dropna()])
        people = _user_labels(conn)
    rows = []
    for r in df.to_dict("records"):
        eid = int(r["id"])
        m = mix.get(eid, {})
        first_doc = _nan_to_none(r["first_doc_id"])
        cls = _nan_to_none(r["response_class"])
        share = _nan_to_none(r["negative_share"])
        rows.append(
            {
                "id": eid,
                "标题": r["title"],
                "热度": round(float(r["heat"]), 1),
                "热度趋势": [float(h) for _, h in (r["heat_history"] or [])],
                "新": is_new(r["first_seen_at"], now),
                "突发": bool(r["is_burst"]),
                "情感构成": f"负{m.get('neg', 0)} 中{m.get('neu', 0)} 正{m.get('pos', 0)}",
                "负面占比": None if share is None else float(share),
                OFFICE_CRITICISM_LABEL: int(r["office_critical_count"]),
                "首发": r["first_source"] or "",
                "首发链接": safe_link(urls.get(int(first_doc))) if first_doc is not None else None,
                "转载": int(r["reprint_count"]),
                "信源数": int(r["source_count"]),
                "文档数": int(r["doc_count"]),
                "回应类别": CLASS_SHORT_LABELS.get(cls, NO_CLASS_LABEL),
                "回应依据": _nan_to_none(r["response_reason"]) or "",
                "首次发现": fmt_time(r["first_seen_at"], tz_name),
                "截止时间": _nan_to_none(r["deadline_at"]),
                "状态": r["status"],
                "指派": people.get(r["assignee"], r["assignee"]) if _nan_to_none(r["assignee"]) else UNASSIGNED,
                "指派账号": _nan_to_none(r["assignee"]) or "",
                "知悉": _ack_text(r, tz_name),
                "需关注": needs_attention(r["status"], cls, int(r["office_critical_count"]), bool(r["is_burst"])),
                "地域": _nan_to_none(r["region"]) or "",
                "关键词": "、".join(r["keywords"] or []),
            }
        )
    columns = [
        "id", "标题", "热度", "热度趋势", "新", "突发", "情感构成", "负面占比", OFFICE_CRITICISM_LABEL, "首发", "首发链接",
        "转载", "信源数", "文档数", "回应类别", "回应依据", "首次发现", "截止时间", "状态", "指派", "指派账号", "知悉", "需关注",
        "地域", "关键词",
    ]  # fmt: skip
    # the store ranks the same way (store.events.list_events); sorting again keeps one rule after the filters
    rows.sort(key=lambda r: urgency_key(r["状态"], r["截止时间"], r["热度"]))
    return pd.DataFrame(rows, columns=columns)


def _ack_text(row: dict[str, Any], tz_name: str) -> str:
    """'张三 11-20 09:30' when a 值班领导 acknowledged the event, else ''."""
    by = _nan_to_none(row.get("acknowledged_by"))
    if not by:
        return ""
    return f"{by} {fmt_time(_nan_to_none(row.get('acknowledged_at')), tz_name)[5:]}".strip()


def attention_view(df: pd.DataFrame, view: str) -> pd.DataFrame:
    """The rows of a view: 需关注 keeps the events that need attention, 全部 keeps all (order kept)."""
    if view == ATTENTION:
        return df[df["需关注"].astype(bool)].reset_index(drop=True)
    return df


def with_countdown(df: pd.DataFrame, tz_name: str, now: datetime | None = None) -> pd.DataFrame:
    """Add 倒计时 (剩余 / 已超时 text) and 已超时 from 截止时间 at `now` (computed at render time, not cached)."""
    now = now or datetime.now(UTC)
    texts, overdue = [], []
    for due in df["截止时间"]:
        due = _nan_to_none(due)
        if due is None:
            texts.append("—")
            overdue.append(False)
            continue
        _, late, text = countdown(pd.Timestamp(due).to_pydatetime(), now)
        texts.append(text)
        overdue.append(late)
    out = df.copy()
    out["倒计时"] = texts
    out["已超时"] = overdue
    out["截止时间"] = [fmt_time(_nan_to_none(v), tz_name) for v in df["截止时间"]]
    return out


@st.cache_data(ttl=30, show_spinner=False)
def event_detail(db_url: str, tz_name: str, event_id: int) -> dict[str, Any] | None:
    """One event: its row, documents (display table), responses and audit log."""
    with engine(db_url).connect() as conn:
        event = q.get_event(conn, event_id)
        if event is None:
            return None
        docs = q.event_document_table(conn, event_id)
        responses = q.list_responses(conn, [event_id])
        log = q.event_audit_log(conn, event_id)
        kinds = q.response_kinds(conn, event_id)
        people = _user_labels(conn)
    groups = docs["reprint_group"].tolist()
    documents = pd.DataFrame(
        {
            "时间": [fmt_time(_nan_to_none(p) or f, tz_name) for p, f in zip(docs["published_at"], docs["first_seen_at"], strict=True)],
            "标题": docs["title"].astype("object").tolist(),
            "原文": [safe_link(u) for u in docs["url"]],
            "信源": docs["source"].astype("object").tolist(),
            "情感": [SENTIMENT_LABELS.get(_nan_to_none(v), SENTIMENT_LABELS[NOT_ANALYSED]) for v in docs["sentiment_label"]],
            "对象": [TARGET_LABELS.get(_nan_to_none(v), "") for v in docs["target"]],
            "转载组": [int(g) if _nan_to_none(g) is not None else None for g in groups],
            "首发": [int(i) == int(event["first_doc_id"] or -1) for i in docs["id"]],
            "地域": ["".join(x for x in (_nan_to_none(a), _nan_to_none(b), _nan_to_none(c)) if x)
                     for a, b, c in zip(docs["region_province"], docs["region_city"], docs["region_county"], strict=True)],
        },
        index=pd.RangeIndex(len(docs)),
    )  # fmt: skip
    responses_df = pd.DataFrame(
        {
            "时间": [fmt_time(v, tz_name) for v in responses["responded_at"]],
            "方式": responses["kind"].astype("object").tolist(),
            "链接": [safe_link(_nan_to_none(u)) for u in responses["url"]],
            "回应人": responses["by_whom"].astype("object").tolist(),
            "备注": [_nan_to_none(v) or "" for v in responses["note"]],
        },
        index=pd.RangeIndex(len(responses)),
    )
    def value(action: str, v: Any) -> str:
        v = _nan_to_none(v) or ""
        if action == "assign":
            return people.get(v, v) if v else UNASSIGNED
        return v

    log_df = pd.DataFrame(
        {
            "时间": [fmt_time(v, tz_name) for v in log["at"]],
            "操作": [AUDIT_ACTION_LABELS.get(a, a) for a in log["action"]],
            "原值": [value(a, v) for a, v in zip(log["action"], log["old_value"], strict=True)],
            "新值": [value(a, v) for a, v in zip(log["action"], log["new_value"], strict=True)],
            "操作人": log["by_whom"].astype("object").tolist(),
            "说明": [_nan_to_none(v) or "" for v in log["note"]],
        },
        index=pd.RangeIndex(len(log)),
    )
    assignee = event.get("assignee")
    return {
        "event": event,
        "documents": documents,
        "responses": responses_df,
        "log": log_df,
        # every deadline still running, earliest first (class A: information 5 h and press conference 24 h)
        "pending": pending_deadlines(event["response_class"], event["first_seen_at"], kinds),
        "assignee_label": people.get(assignee, assignee) if assignee else UNASSIGNED,
    }


def next_statuses(status: str) -> list[str]:
    """Statuses an event in `status` may move to (jobs.workflows.EVENT_TRANSITIONS), in workflow order."""
    return list(workflows.next_statuses(workflows.ENTITY_EVENT, status))


def _clear() -> None:
    events.clear()
    event_detail.clear()


def change_status(db_url: str, event_id: int, new: str, by: User) -> str:
    """Apply a status change (role, transition and logging by jobs.workflows); raises WorkflowError."""
    old = workflows.change_event_status(engine(db_url), event_id, new, by)
    _clear()
    return old


def add_response(db_url: str, event_id: int, kind: str, by: User, url: str, responded_at: datetime) -> int:
    """Record a response (role, input and logging by jobs.workflows); raises WorkflowError."""
    rid = workflows.record_response(engine(db_url), event_id, kind, by, url=url, responded_at=responded_at)
    _clear()
    return rid


def assignable(db_url: str) -> list[User]:
    """Accounts an event may be assigned to (jobs.workflows.assignable_users); not cached: accounts change."""
    return workflows.assignable_users(engine(db_url))


def assign(db_url: str, event_id: int, assignee: str | None, by: User) -> None:
    """Assign an event (role, assignee and logging by jobs.workflows); raises WorkflowError."""
    workflows.assign_event(engine(db_url), event_id, assignee, by)
    _clear()


def acknowledge(db_url: str, event_id: int, by: User) -> None:
    """Record the 值班领导's acknowledgement (role and logging by jobs.workflows); raises WorkflowError."""
    workflows.acknowledge_event(engine(db_url), event_id, by)
    _clear()


WorkflowError = workflows.WorkflowError
__all__ = ["ALL_EVENTS", "ATTENTION", "CLASS_OPTIONS", "TABLE_COLUMNS", "VIEWS", "WorkflowError", "acknowledge",
           "add_response", "assign", "assignable", "attention_view", "change_status", "class_codes", "event_detail",
           "events", "next_statuses", "with_countdown"]  # fmt: skip


@st.cache_data(ttl=60, show_spinner=False)
def plan_volume(db_url: str, tz_name: str, today: Any) -> pd.DataFrame:
    """Per 监测方案: documents today vs the median of the 14 days before (robust z), bursts first.
    Counts are of stored documents by their time (published, or first seen when undated) in local days."""
    with engine(db_url).connect() as conn:
        daily = reports.plan_daily_counts(conn, today - timedelta(days=BASELINE_DAYS), today, tz_name)
    rows = [
        {"方案": v.plan, "今日": v.today, "基线中位数": v.baseline_median, "z": v.z, "突增": v.is_burst,
         "近14日": list(v.history)}
        for v in plan_bursts(daily, today)
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["方案", "今日", "基线中位数", "z", "突增", "近14日"])
