"""The dashboard's only door to the store: a cached engine per URL and cached, display-ready query results.

Every cached function takes the DB URL and all filters as arguments, so the cache key captures every
input (no globals, no environment reads). Results are plain frames with Chinese column names and times
formatted in the display timezone; pages only render them.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine, make_url

from config.loader import load_plans
from config.vocabulary import (
    DROP_REASON_LABELS,
    LEVEL_LABELS,
    RUN_STATUS_LABELS,
    SENTIMENT_LABELS,
    SOURCE_KIND_LABELS,
    SPIDER_LABELS,
    UNKNOWN_LEVEL,
    finish_reason_label,
)
from jobs import exports
from store import reports, scheduler
from store.db import StoreError, open_store

logger = logging.getLogger(__name__)

LATEST_LIMIT = 200  # rows per page of the latest-mentions table (the CSV holds the whole filtered set)
KEYWORDS_TOP = 20
CSV_MAX_ROWS = 100_000  # the 总览 CSV holds at most this many rows (one click cannot hold a year in memory)
KEYWORD_SCAN = 1000  # with filters, keywords are counted over at most this many newest documents
# The sentiment filter's choices, 负面 中性 正面 未分析; sentiment_codes() maps them back to codes.
SENTIMENT_OPTIONS = tuple(SENTIMENT_LABELS[c] for c in reports.SENTIMENT_CODES)
sentiment_codes = reports.sentiment_codes
TIME_FORMAT = "%Y-%m-%d %H:%M"


def _dispose(engine: Engine) -> None:
    engine.dispose()


@st.cache_resource(show_spinner=False, on_release=_dispose)
def engine(db_url: str) -> Engine:
    """The store at `db_url`, schema checked (never migrated here); raises store.db.StoreError.

    A missing SQLite file is reported rather than created: the dashboard only reads.
    """
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        if not Path(url.database).is_file():
            raise StoreError(f"数据库文件不存在：{url.database}")
    return open_store(db_url, upgrade=False)


def today_in(tz_name: str, now: datetime | None = None) -> date:
    """The local calendar day in `tz_name` at `now` (default: the clock)."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(tz_name)).date()


def fmt_time(value: Any, tz_name: str) -> str:
    """An aware instant as local 'YYYY-MM-DD HH:MM'; '' for missing values."""
    if value is None or pd.isna(value):  # NaT is a datetime too
        return ""
    return pd.Timestamp(value).tz_convert(tz_name).strftime(TIME_FORMAT)


def _text(value: Any) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def safe_link(url: Any) -> str | None:
    """Only http(s) links are offered for clicking: crawled URLs are untrusted (no javascript:, data:)."""
    if not isinstance(url, str):
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


@st.cache_data(ttl=300, show_spinner=False)
def configured_plan_names(plans_path: str) -> list[str]:
    """Names of the enabled 方案 in the plans file; [] (and a log line) if the file cannot be read."""
    try:
        return [p.name for p in load_plans(Path(plans_path))]
    except Exception as exc:  # noqa: BLE001 - the dashboard still works from the plans found in the DB
        logger.warning("cannot read plans file %s: %s", plans_path, exc)
        return []


@st.cache_data(ttl=60, show_spinner=False)
def document_count(db_url: str) -> int:
    with engine(db_url).connect() as conn:
        return reports.document_count(conn)


@st.cache_data(ttl=60, show_spinner=False)
def filter_options(db_url: str, configured_plans: tuple[str, ...]) -> dict[str, list[str]]:
    """Choices for the filters: 方案 (configured first, then others found in the DB) and sources."""
    with engine(db_url).connect() as conn:
        db_plans = reports.plan_names(conn)
        source_names = reports.source_names(conn)
    plans = list(configured_plans) + [p for p in db_plans if p not in configured_plans]
    return {"plans": plans, "sources": source_names}


@dataclass(frozen=True)
class Overview:
    """Everything the 总览 page shows, for one set of filters (counts from the store's daily counts; the
    document list is one page of the filtered set)."""

    metrics: dict[str, Any]
    total: int  # documents in the filtered set (date range + filters)
    trend: pd.DataFrame  # index 日期, columns 负面/中性/正面/未分析
    by_source: pd.DataFrame  # 名称, 数量
    by_level: pd.DataFrame  # 名称, 数量
    keywords: pd.DataFrame  # 关键词, 文档数
    keywords_scanned: int | None  # keywords counted over this many newest documents (None: all of them)


def mentions_table(df: pd.DataFrame, tz_name: str) -> pd.DataFrame:
    """Display columns for a documents frame: 时间, 标题, 原文, 信源, 级别, 情感, 方案, 无发布日期."""
    return pd.DataFrame(
        {
            "时间": [fmt_time(t, tz_name) for t in df["time"]],
            "标题": df["title"].astype("object").tolist(),
            "原文": [safe_link(u) for u in df["url"]],
            "信源": df["source"].astype("object").tolist(),
            "级别": [LEVEL_LABELS.get(v, UNKNOWN_LEVEL) if v else UNKNOWN_LEVEL for v in df["level"]],
            "情感": [SENTIMENT_LABELS[c] for c in df["sentiment"]],
            "方案": ["、".join(p) for p in df["plans"]],
            "无发布日期": [bool(v) for v in df["date_missing"]],
        },
        index=pd.RangeIndex(len(df)),
    )


@st.cache_data(ttl=60, show_spinner=False)
def overview(
    db_url: str,
    tz_name: str,
    first: date,
    last: date,
    today: date,
    plans: tuple[str, ...] = (),
    sources: tuple[str, ...] = (),
    sentiments: tuple[str, ...] = (),
) -> Overview:
    """The 总览 counts: metrics relative to `today`; trend, mixes and keywords over first..last. Every count
    is aggregated in the store (daily counts), so a year costs what a month does."""
    flt = reports.DocFilter(plans=plans, sources=sources, sentiments=sentiments)
    with engine(db_url).connect() as conn:
        metrics = reports.overview_metrics(conn, today, tz_name, flt)
        got = reports.overview_counts(conn, first, last, tz_name, flt)
        keywords, scanned = reports.keyword_table(conn, first, last, tz_name, flt, KEYWORDS_TOP, KEYWORD_SCAN)
    return Overview(
        metrics=metrics,
        total=sum(got["trend"].values()),
        trend=reports.daily_sentiment_from_counts(got["trend"], first, last),
        by_source=reports.count_by_from_counts(got["source"]),
        by_level=reports.count_by_from_counts(got["level"], LEVEL_LABELS, missing=UNKNOWN_LEVEL),
        keywords=keywords,
        keywords_scanned=scanned,
    )


# What a 总览 number can be drilled into: the list then shows that number's documents.
DRILL_DAY, DRILL_SOURCE, DRILL_LEVEL, DRILL_KEYWORD = "日期", "信源", "信源级别", "关键词"
DRILL_KINDS = (DRILL_DAY, DRILL_SOURCE, DRILL_LEVEL, DRILL_KEYWORD)


def level_code(label: str) -> str:
    """A 信源级别 label back to its code ('' for 未知)."""
    by_label = {v: k for k, v in LEVEL_LABELS.items()}
    return by_label.get(label, "" if label == UNKNOWN_LEVEL else label)


@st.cache_data(ttl=60, show_spinner=False)
def overview_documents(
    db_url: str,
    tz_name: str,
    first: date,
    last: date,
    plans: tuple[str, ...] = (),
    sources: tuple[str, ...] = (),
    sentiments: tuple[str, ...] = (),
    drill: tuple[str, str] | None = None,
    page: int = 0,
) -> pd.DataFrame:
    """One page (LATEST_LIMIT rows, newest first) of the documents behind the 总览 counts, optionally
    narrowed to one number's documents: drill = (DRILL_DAY, 'YYYY-MM-DD') | (DRILL_SOURCE, name) |
    (DRILL_LEVEL, label) | (DRILL_KEYWORD, word)."""
    flt = reports.DocFilter(plans=plans, sources=sources, sentiments=sentiments)
    kind, value = drill or ("", "")
    if kind == DRILL_DAY:
        first = last = date.fromisoformat(value)
    elif kind == DRILL_SOURCE:
        if sources and value not in sources:
            return mentions_table(reports.empty_documents_frame(), tz_name)
        flt = replace(flt, sources=(value,))
    elif kind == DRILL_LEVEL:
        flt = replace(flt, levels=(level_code(value),))
    elif kind == DRILL_KEYWORD:
        flt = replace(flt, keyword=value)
    with engine(db_url).connect() as conn:
        df = reports.fetch_documents(
            conn, *reports.days_window(first, last, tz_name), flt, limit=LATEST_LIMIT, offset=page * LATEST_LIMIT
        )
    return mentions_table(df, tz_name)


@st.cache_data(ttl=60, show_spinner=False)
def source_health(db_url: str, tz_name: str) -> pd.DataFrame:
    """信源健康 table, failing sources first."""
    with engine(db_url).connect() as conn:
        df = reports.source_health(conn)
    return pd.DataFrame(
        {
            "信源": df["name"].astype("object").tolist(),
            "类型": [SOURCE_KIND_LABELS.get(v, v) for v in df["kind"]],
            "级别": [LEVEL_LABELS.get(v, v) for v in df["level"]],
            "启用": [bool(v) for v in df["enabled"]],
            "周期(分钟)": df["cadence_minutes"].astype("int64").tolist(),
            "上次运行": [fmt_time(v, tz_name) for v in df["last_run_at"]],
            "上次成功": [fmt_time(v, tz_name) for v in df["last_success_at"]],
            "上次出错": [fmt_time(v, tz_name) for v in df["last_error_at"]],
            "错误信息": [_text(v) for v in df["last_error"]],
            "连续失败": df["consecutive_failures"].astype("int64").tolist(),
            "文档数": df["documents"].astype("int64").tolist(),
            "最近入库": [fmt_time(v, tz_name) for v in df["last_document_at"]],
        },
        index=pd.RangeIndex(len(df)),
    )


def _format_dropped(dropped: dict[str, int]) -> str:
    return "；".join(
        f"{DROP_REASON_LABELS.get(k, k)} {v}" for k, v in sorted(dropped.items(), key=lambda kv: (-kv[1], kv[0]))
    )


@st.cache_data(ttl=60, show_spinner=False)
def crawl_runs(db_url: str, tz_name: str, limit: int = 50) -> pd.DataFrame:
    """The newest crawl runs for display: counts, dropped-by-reason and error samples."""
    with engine(db_url).connect() as conn:
        df = reports.recent_crawl_runs(conn, limit)
    return pd.DataFrame(
        {
            "开始": [fmt_time(v, tz_name) for v in df["started_at"]],
            "结束": [fmt_time(v, tz_name) for v in df["finished_at"]],
            "爬虫": [SPIDER_LABELS.get(v, v) for v in df["spider"]],
            "信源": [_text(v) for v in df["source"]],
            "状态": [RUN_STATUS_LABELS.get(v, v) for v in df["status"]],
            "结束原因": [finish_reason_label(_text(v)) for v in df["finish_reason"]],
            "页面": df["pages"].astype("int64").tolist(),
            "条目": df["items"].astype("int64").tolist(),
            "新入库": df["stored"].astype("int64").tolist(),
            "更新": df["updated"].astype("int64").tolist(),
            "丢弃合计": [sum(d.values()) for d in df["dropped"]],
            "丢弃原因": [_format_dropped(d) for d in df["dropped"]],
            "错误": df["errors"].astype("int64").tolist(),
            "错误样例": ["\n".join(s[:3]) for s in df["error_samples"]],
        },
        index=pd.RangeIndex(len(df)),
    )


def overview_csv(
    db_url: str,
    tz_name: str,
    first: date,
    last: date,
    plans: tuple[str, ...] = (),
    sources: tuple[str, ...] = (),
    sentiments: tuple[str, ...] = (),
) -> bytes:
    """The whole filtered set behind the 总览 page as CSV, newest first (built only when someone downloads
    it, and not cached): the documents export of the 数据导出 page and `yuqing export documents`."""
    request = exports.ExportRequest(
        kind="documents", fmt="csv", first=first, last=last, plans=plans, sources=sources,
        sentiments=sentiments, newest_first=True,
    )  # fmt: skip
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as fh:
        exports.export_to(engine(db_url), request, fh, tz_name=tz_name)
        fh.seek(0)
        return fh.read()


@dataclass
class SchedulerView:
    """信源健康's 调度器 section: heartbeat, whether the scheduler runs, and its jobs (last / next run)."""

    heartbeat: str  # '' when no scheduler ever ran
    running: bool
    mode: str
    jobs: pd.DataFrame


@st.cache_data(ttl=15, show_spinner=False)
def scheduler_view(db_url: str, tz_name: str) -> SchedulerView:
    """The scheduler's heartbeat and job table (running: heartbeat younger than twice its interval)."""
    with engine(db_url).connect() as conn:
        status = scheduler.scheduler_status(conn, datetime.now(UTC))
    state = status.state or {}
    rows = status.jobs
    jobs = pd.DataFrame(
        {
            "任务": [scheduler.job_label(r["name"]) for r in rows],
            "上次运行": [fmt_time(r["last_started_at"], tz_name) for r in rows],
            "结果": [
                scheduler.RESULT_LABELS.get(r["last_status"], r["last_status"] or "未运行") for r in rows
            ],
            "下次运行": [fmt_time(r["next_run_at"], tz_name) for r in rows],
            "连续失败": [int(r["consecutive_failures"]) for r in rows],
            "最近错误": [_text(r["last_error"]) if r["consecutive_failures"] else "" for r in rows],
        },
        index=pd.RangeIndex(len(rows)),
    )
    return SchedulerView(
        heartbeat=fmt_time(state.get("heartbeat_at"), tz_name),
        running=status.alive,
        mode=str(state.get("mode") or ""),
        jobs=jobs,
    )
