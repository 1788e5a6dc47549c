"""The 公告反响 page's door to the store: each 审计结果公告 in a period with the documents reporting on it
(store.announcements, analysis.opinion.announcements), counted by sentiment and criticism of the office.

Every count is a link to 信息检索 with exactly the documents behind it. Cached functions take the DB URL and
every input as arguments. Crawled text stays in table cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from analysis.opinion import announcements as an
from config.vocabulary import (
    ANNOUNCEMENT_LINK_LABELS,
    LEVEL_LABELS,
    SENTIMENT_LABELS,
    TARGET_LABELS,
    UNKNOWN_LEVEL,
)
from dashboard.data import engine, fmt_time, safe_link
from dashboard.data_search import documents_link
from store import announcements as q
from store.reports import days_window

MAX_ANNOUNCEMENTS = 100


@dataclass(frozen=True)
class Detail:
    """One 公告: its facts, its reception by way of linking (with links) and the documents."""

    announcement: dict[str, Any]
    number: str | None
    subject: str | None
    reasons: pd.DataFrame  # 关联方式, 文档 (link)
    documents: pd.DataFrame  # 时间, 标题, 原文, 信源, 级别, 情感, 对象, 关联方式, 事件


def _link(rec: an.Reception, key: str, fallback: dict[str, Any]) -> str:
    """A link carrying the count of the documents behind `key`; '' (a blank cell) when there are none."""
    ids = rec.ids.get(key, [])
    return documents_link(ids, **fallback) if ids else ""


def _keys(ann: dict[str, Any]) -> tuple[str | None, tuple[str, ...], str | None]:
    """A 公告's number, the spellings it is cited in, and its subject."""
    number = an.number_key(ann["title"], ann.get("body_head"))
    return number, an.number_variants(number) if number else (), an.subject_key(ann["title"])


def _reception(db_url: str, ann: dict[str, Any]) -> tuple[an.Reception, list[dict[str, Any]], dict[int, set[str]], str | None, str | None]:
    return _reception_of(db_url, tuple(sorted(ann.items())))


@st.cache_data(ttl=120, show_spinner=False, max_entries=2000)
def _reception_of(db_url: str, ann_items: tuple) -> tuple[an.Reception, list[dict[str, Any]], dict[int, set[str]], str | None, str | None]:
    """One 公告's reception (the detail), cached by everything it is found from (its id, title, time, reprint
    group and event). The list finds those of all its 公告 at once (store.announcements.reporting_documents_many)."""
    ann = dict(ann_items)
    number, numbers, subject = _keys(ann)
    with engine(db_url).connect() as conn:
        docs, links = q.reporting_documents(conn, ann, numbers=numbers, subject=subject)
    return an.reception(docs, links), docs, links, number, subject


@st.cache_data(ttl=120, show_spinner=False)
def announcements(db_url: str, tz_name: str, first: date, last: date) -> pd.DataFrame:
    """The 公告 published first..last (local days), newest first, with their reception. Count columns are
    links carrying the count (dashboard.data_search.LINK_COUNT); blank where the count is 0."""
    start, end = days_window(first, last, tz_name)
    rows = []
    with engine(db_url).connect() as conn:
        found = q.official_documents(conn, start, end, limit=MAX_ANNOUNCEMENTS)
        keys = {int(a["id"]): _keys(a) for a in found}
        received = q.reporting_documents_many(conn, [(a, *keys[int(a["id"])][1:]) for a in found])
    for ann in found:
        number = keys[int(ann["id"])][0]
        rec = an.reception(*received[int(ann["id"])])
        fallback = {"q": number} if number else {"event": ann["event_id"]} if ann["event_id"] else {"id": ann["id"]}
        rows.append(
            {
                "id": int(ann["id"]),
                "发布时间": fmt_time(ann["published_at"] or ann["first_seen_at"], tz_name),
                "公告": ann["title"],
                "公告编号": number or "",
                "原文": safe_link(ann["url"]),
                "报道": _link(rec, "all", fallback),
                "负面": _link(rec, "neg", fallback),
                "中性": _link(rec, "neu", fallback),
                "正面": _link(rec, "pos", fallback),
                "批评审计机关": _link(rec, "office_critical", fallback),
                "报道数": rec.documents,
                "批评数": rec.office_critical,
                "信源数": rec.sources,
                "事件": "、".join(str(e) for e in rec.events),
                "信源": ann["source"],
            }
        )  # fmt: skip
    columns = ["id", "发布时间", "公告", "报道", "负面", "中性", "正面", "批评审计机关", "信源数", "事件", "公告编号",
               "原文", "信源", "报道数", "批评数"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


@st.cache_data(ttl=120, show_spinner=False)
def announcement_detail(db_url: str, tz_name: str, announcement_id: int) -> Detail | None:
    """One 公告 and the documents reporting on it, oldest first; None when it is not a 公告."""
    with engine(db_url).connect() as conn:
        ann = q.official_document(conn, announcement_id)
    if ann is None:
        return None
    rec, docs, links, number, subject = _reception(db_url, ann)
    reasons = pd.DataFrame(
        {
            "关联方式": [ANNOUNCEMENT_LINK_LABELS[r] for r in an.REASONS],
            "文档": [_link(rec, r, {"id": ann["id"]}) for r in an.REASONS],
            "篇数": [rec.by_reason.get(r, 0) for r in an.REASONS],
        }
    )
    documents = pd.DataFrame(
        {
            "时间": [fmt_time(d["published_at"] or d["first_seen_at"], tz_name) for d in docs],
            "标题": [d["title"] for d in docs],
            "原文": [safe_link(d["url"]) for d in docs],
            "信源": [d["source"] for d in docs],
            "级别": [LEVEL_LABELS.get(d["level"] or "", UNKNOWN_LEVEL) for d in docs],
            "情感": [SENTIMENT_LABELS.get(d["sentiment_label"] or "none", SENTIMENT_LABELS["none"]) for d in docs],
            "对象": [TARGET_LABELS.get(d["target"] or "", "") for d in docs],
            "关联方式": ["、".join(ANNOUNCEMENT_LINK_LABELS[r] for r in an.REASONS if r in links[int(d["id"])])
                         for d in docs],
            "事件": [str(int(d["event_id"])) if d["event_id"] is not None else "" for d in docs],
        },
        index=pd.RangeIndex(len(docs)),
    )  # fmt: skip
    return Detail(announcement=ann, number=number, subject=subject, reasons=reasons, documents=documents)
