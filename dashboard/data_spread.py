"""The 传播 section's door to the store: one event's spread (analysis.opinion.spread) as display tables whose
counts link to 信息检索 filtered to exactly the documents behind them (dashboard.data_search.documents_link).

Cached functions take the DB URL and every input as arguments. Crawled text stays in table cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analysis.opinion import spread as sp
from config.vocabulary import LEVEL_LABELS, UNKNOWN_LEVEL
from dashboard.data import engine, fmt_time, safe_link
from dashboard.data_search import documents_link
from store import digest as store_digest
from store import events as store_events

TOP_NODES = 10  # 核心传播节点 shown first (the rest in an expander)


def level_label(level: str | None) -> str:
    return LEVEL_LABELS.get(level or "", UNKNOWN_LEVEL)


@dataclass(frozen=True)
class Spread:
    """One event's spread, display-ready."""

    first: str  # 首发 in one line ('' without documents)
    levels: pd.DataFrame  # 级别, 文档 (link carrying the count), 首次出现
    chart: pd.DataFrame  # 时间 (local, naive), 级别 (and 全部), 累计文档: a step chart
    nodes: pd.DataFrame  # 信源, 级别, 文档 (link), 被转载 (link), 转载, 互动量, 阅读量, 热榜, 首次出现, 首发
    timeline: pd.DataFrame  # 时间, 阶段, 信源, 级别, 标题, 原文, 转载自


def _local_naive(value, tz_name: str):
    return pd.Timestamp(value).tz_convert(tz_name).tz_localize(None)


ALL_LEVELS = "全部"


def _chart(points: list, tz_name: str) -> pd.DataFrame:
    """Step-chart rows: per level (and 全部) its cumulative count at each of its documents, held to the
    last document's time so every line reaches the right edge."""
    if not points:
        return pd.DataFrame(columns=["时间", "级别", "累计文档"])
    rows = [(t, level_label(lv), n) for t, lv, n in points]
    rows += [(t, ALL_LEVELS, i + 1) for i, (t, _lv, _n) in enumerate(points)]
    end = points[-1][0]
    last: dict[str, int] = {}
    for _t, label, n in rows:
        last[label] = n
    rows += [(end, label, n) for label, n in last.items()]
    return pd.DataFrame([(_local_naive(t, tz_name), label, n) for t, label, n in rows],
                        columns=["时间", "级别", "累计文档"])  # fmt: skip


@st.cache_data(ttl=30, show_spinner=False)
def spread(db_url: str, tz_name: str, event_id: int) -> Spread | None:
    """The spread of event `event_id`; None when it does not exist."""
    with engine(db_url).connect() as conn:
        event = store_events.get_event(conn, event_id)
        if event is None:
            return None
        docs = store_events.event_documents(conn, [event_id])[event_id]
        hot = store_digest.hotlist_source_names(conn)
    steps = sp.timeline(docs, event["first_doc_id"], hot)
    nodes = sp.nodes(docs, event["first_doc_id"], hot)
    by_id = {int(d["id"]): d for d in docs}
    first = next((s.doc for s in steps if s.stage == sp.STAGE_FIRST), None)
    first_text = ""
    if first is not None:
        first_text = f"{fmt_time(sp.doc_time(first), tz_name)} {first['source']}（{level_label(first.get('level'))}）首发"

    per_level: dict[str | None, list[dict]] = {}
    for s in steps:
        per_level.setdefault(s.doc.get("level"), []).append(s.doc)
    order = sorted(per_level, key=sp.level_rank)
    levels = pd.DataFrame(
        {
            "级别": [level_label(lv) for lv in order],
            "文档": [documents_link([d["id"] for d in per_level[lv]], event=event_id, level=lv or "none") for lv in order],
            "首次出现": [fmt_time(sp.doc_time(per_level[lv][0]), tz_name) for lv in order],
        }
    )  # fmt: skip
    chart = _chart(sp.cumulative_by_level(docs), tz_name)

    reprinted_ids: dict[str, list[int]] = {}
    for s in steps:
        if s.original is not None:
            reprinted_ids.setdefault(by_id[s.original]["source"], []).append(int(s.doc["id"]))
    nodes_df = pd.DataFrame(
        {
            "信源": [n.source for n in nodes],
            "级别": [level_label(n.level) for n in nodes],
            "文档": [documents_link(n.doc_ids, event=event_id, source=n.source) for n in nodes],
            "被转载": [documents_link(reprinted_ids.get(n.source, []), event=event_id) if n.reprinted else ""
                       for n in nodes],
            "转载": [n.reprints for n in nodes],
            "互动量": [n.engagement for n in nodes],
            "阅读量": [n.reads for n in nodes],
            "热榜": [n.hot for n in nodes],
            "首次出现": [fmt_time(n.first_at, tz_name) for n in nodes],
            "首发": [n.is_first for n in nodes],
        }
    )  # fmt: skip
    timeline = pd.DataFrame(
        {
            "时间": [fmt_time(sp.doc_time(s.doc), tz_name) for s in steps],
            "阶段": [s.stage for s in steps],
            "信源": [s.doc["source"] for s in steps],
            "级别": [level_label(s.doc.get("level")) for s in steps],
            "标题": [s.doc["title"] for s in steps],
            "原文": [safe_link(s.doc.get("url")) for s in steps],
            "转载自": [by_id[s.original]["source"] if s.original is not None else "" for s in steps],
        }
    )
    return Spread(first=first_text, levels=levels, chart=chart, nodes=nodes_df, timeline=timeline)
