"""The alerts section's door to the store: cached, display-ready tables of alert messages (failed ones first)
and of alerts still waiting for their recipient's delivery window.

Cached functions take the DB URL and every option as arguments. Subjects quote crawled titles: they stay in
table cells, never rendered as markdown or HTML.
"""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from config.vocabulary import CHANNEL_LABELS, MESSAGE_STATUS_LABELS
from dashboard.data import engine, fmt_time
from store import alerts as q

logger = logging.getLogger(__name__)

STATUS_LABELS = MESSAGE_STATUS_LABELS
MESSAGE_COLUMNS = [
    "编号",
    "生成时间",
    "状态",
    "尝试次数",
    "渠道",
    "收件人",
    "主题",
    "错误",
    "下次重试",
    "送达时间",
]


@st.cache_data(ttl=30, show_spinner=False)
def alert_messages(db_url: str, tz_name: str, failed_only: bool = False, limit: int = 50) -> pd.DataFrame:
    """Alert messages newest first (with `failed_only`: failed for good or waiting for a retry)."""
    with engine(db_url).connect() as conn:
        rows = q.list_messages(conn, failed_only=failed_only, limit=limit)
    out = []
    for m in rows:
        retrying = m["status"] == "pending" and m["last_error"]
        out.append({
            "编号": m["message_key"], "生成时间": fmt_time(m["created_at"], tz_name),
            "状态": "失败待重试" if retrying else STATUS_LABELS.get(m["status"], m["status"]),
            "尝试次数": int(m["attempts"]), "渠道": f"{CHANNEL_LABELS.get(m['channel'], m['channel'])}/{m['channel_name']}",
            "收件人": m["recipient"], "主题": m["subject"], "错误": m["last_error"] or "",
            "下次重试": fmt_time(m["next_attempt_at"], tz_name) if retrying else "",
            "送达时间": fmt_time(m["sent_at"], tz_name),
        })  # fmt: skip
    return pd.DataFrame(out, columns=MESSAGE_COLUMNS)


@st.cache_data(ttl=30, show_spinner=False)
def alert_counts(db_url: str) -> dict[str, int]:
    """Messages sent, failed for good, retrying; items waiting for a delivery window."""
    with engine(db_url).connect() as conn:
        counts = q.outbox_counts(conn)
        retrying = sum(
            1 for m in q.list_messages(conn, failed_only=True, limit=10000) if m["status"] != "failed"
        )
    return {
        "sent": counts["messages"].get("sent", 0),
        "failed": counts["messages"].get("failed", 0),
        "retrying": retrying,
        "waiting": counts["items"].get("pending", 0),
    }
