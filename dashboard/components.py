"""Rendering helpers shared by the dashboard pages: page context (settings + store check), empty and error states,
the document filters of 总览 and 数据导出, tables.

Crawled text is never passed to markdown here: it is shown only in tables, which render cells as text.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from config.loader import ConfigError, Settings, load_settings, settings_file
from dashboard import data, data_exports
from dashboard.links import display_frame
from jobs import exports as export_job
from store.db import StoreError

logger = logging.getLogger(__name__)

# Streamlit's date-range picker adds presets labelled only in English ("Date range", "Last 7 days"); a range is
# picked on the calendar (in the browser's language) or typed instead. app.py adds this style to every page
# (a style-only st.html takes no space); it is the only HTML the app writes itself.
CHROME_CSS = "<style>[data-testid='stDateInputQuickSelect']{display:none}</style>"

EMPTY_MESSAGE = "暂无数据：请先运行 yuqing crawl 或 yuqing demo"
STORE_HINT = (
    "请先运行 `yuqing init-db` 初始化（或升级）数据库，或运行 `yuqing demo` 生成演示数据，然后刷新本页。"
)


@dataclass(frozen=True)
class PageContext:
    """What every page needs: where the store is and how to show times."""

    db_url: str
    tz_name: str
    plans_path: str

    @property
    def tz_label(self) -> str:
        """The timezone as people in China say it: 北京时间 for China's zone names, else the IANA name."""
        return tz_label(self.tz_name)


BEIJING_TIME_ZONES = ("Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC")


def tz_label(tz_name: str) -> str:
    return "北京时间" if tz_name in BEIJING_TIME_ZONES else tz_name


_SETTINGS_MEMO: dict[tuple, Settings] = {}


def settings() -> Settings:
    """The validated settings, parsed again only when settings.yaml or a MONITOR_* variable changed (the app
    asks for them several times per run: login, page context, a page's own needs). Raises ConfigError."""
    file = settings_file()
    try:
        stat = file.stat()
        stamp: tuple = (str(file), stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = (str(file), None, None)
    key = (stamp, tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("MONITOR_"))))
    if (cached := _SETTINGS_MEMO.get(key)) is None:
        cached = load_settings()
        _SETTINGS_MEMO.clear()
        _SETTINGS_MEMO[key] = cached
    return cached


def page_context() -> PageContext:
    """Load settings and check the store; on any problem show one Chinese error and stop the page."""
    try:
        cfg = settings()
    except ConfigError as exc:
        st.error("配置文件有误，仪表盘无法启动。请修正后刷新本页。")
        st.code(str(exc), language=None)
        st.stop()
    tz_name = cfg.dashboard.timezone
    try:
        ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        st.error("配置项 dashboard.timezone 不是有效的时区名称（例如 Asia/Shanghai）。")
        st.stop()
    db_url = cfg.resolved_db_url
    try:
        data.engine(db_url)
    except StoreError as exc:
        logger.warning("store unavailable: %s", exc)
        st.error(f"数据库不可用。{STORE_HINT}")
        st.code(str(exc), language=None)
        st.stop()
    return PageContext(db_url=db_url, tz_name=tz_name, plans_path=str(cfg.path(cfg.plans_file)))


def empty_state() -> None:
    st.info(EMPTY_MESSAGE)


def date_range(value: Any, default_first: date, default_last: date) -> tuple[date, date]:
    """Normalise a range date_input value: a (first, last) pair, in order; half-picked ranges use one day."""
    if isinstance(value, date):
        return value, value
    picked = [v for v in (value or ()) if v is not None]
    if not picked:
        return default_first, default_last
    first, last = picked[0], picked[-1]
    return (first, last) if first <= last else (last, first)


def default_range(today: date, days: int = 30) -> tuple[date, date]:
    return today - timedelta(days=days - 1), today


MISSING_CELL = "—"  # what a table shows for a missing value (Streamlit's default is the English "None")
EMPTY_TABLE = "（无）"  # shown instead of a table without rows (Streamlit draws the English word "empty")


def table(df: Any, key: str, empty: str = EMPTY_TABLE, **kwargs: Any) -> None:
    """A read-only table inside a container carrying `key` (display dataframes have no key of their own;
    tests find the table with `at.get_by_key(key).dataframe[0]`). Cells render as text, never as HTML; a
    missing value shows as —, and a table without rows as the caption `empty`."""
    with st.container(key=key):
        if len(getattr(df, "data", df)) == 0:  # a pandas Styler holds its frame in .data
            st.caption(empty)
            return
        kwargs.setdefault("placeholder", MISSING_CELL)
        st.dataframe(display_frame(df), **kwargs)


@dataclass(frozen=True)
class DocumentFilters:
    """What the sidebar filters picked: a date range (local days, both ends included) and codes per dimension
    (empty: no limit). Plans, sources and regions are their names; levels, sentiments, targets their codes."""

    first: date
    last: date
    plans: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    sentiments: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()


def _multiselect(label: str, options: list[str], key: str, placeholder: str, **kwargs: Any) -> list[str]:
    """A multiselect for filters: nothing picked means no limit, so it offers no 'Select all' entry (which
    Streamlit shows in English) and says so in its placeholder."""
    return st.multiselect(label, options, key=key, placeholder=placeholder, select_all=False, **kwargs)


def _codes(labels: dict[str, str], picked: list[str]) -> tuple[str, ...]:
    """Picked labels back to their codes, in the vocabulary's order."""
    chosen = set(picked)
    return tuple(code for code, label in labels.items() if label in chosen)


def document_filters(
    ctx: PageContext,
    prefix: str,
    *,
    days: int = 30,
    levels: bool = False,
    targets: bool = False,
    regions: bool = False,
    date_help: str | None = None,
    note: str = "不选即不限。",
) -> DocumentFilters:
    """The 筛选 sidebar shared by 舆情总览 and 数据导出: date range, 监测方案, 信源, then optionally 信源级别,
    情感, 对象, 地域. Widget keys are `<prefix>_dates`, `_plans`, `_sources`, `_levels`, `_sentiment`, `_targets`,
    `_regions` (documented in dashboard/app.py)."""
    today = data.today_in(ctx.tz_name)
    default_first, default_last = default_range(today, days)
    options = data.filter_options(ctx.db_url, tuple(data.configured_plan_names(ctx.plans_path)))
    level_labels = export_job.code_labels("level")
    sentiment_labels = export_job.code_labels("sentiment")
    target_labels = export_job.code_labels("target")
    with st.sidebar:
        st.header("筛选")
        picked = st.date_input(
            "日期范围", value=(default_first, default_last), key=f"{prefix}_dates", format="YYYY-MM-DD",
            max_value=today, help=date_help or f"按{ctx.tz_label}的自然日（含首尾两天）；默认最近 {days} 天",
        )  # fmt: skip
        plans = _multiselect("监测方案", options["plans"], f"{prefix}_plans", "全部方案")
        sources = _multiselect("信源", options["sources"], f"{prefix}_sources", "全部信源")
        picked_levels = (
            _multiselect("信源级别", list(level_labels.values()), f"{prefix}_levels", "全部级别")
            if levels
            else []
        )
        sentiments = _multiselect("情感", list(sentiment_labels.values()), f"{prefix}_sentiment", "全部情感")
        picked_targets = (
            _multiselect("对象", list(target_labels.values()), f"{prefix}_targets", "全部对象")
            if targets
            else []
        )
        picked_regions = (
            _multiselect(
                "地域",
                data_exports.region_names(ctx.db_url),
                f"{prefix}_regions",
                "全部地域",
                help="文中提到的省、市、县，或信源所在地域",
            )  # fmt: skip
            if regions
            else []
        )
        st.caption(note)
    first, last = date_range(picked, default_first, default_last)
    return DocumentFilters(
        first=first,
        last=last,
        plans=tuple(plans),
        sources=tuple(sources),
        levels=_codes(level_labels, picked_levels),
        sentiments=_codes(sentiment_labels, sentiments),
        targets=_codes(target_labels, picked_targets),
        regions=tuple(picked_regions),
    )
