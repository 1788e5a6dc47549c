"""Rendering helpers shared by the dashboard pages: page context (settings + store check), empty and error states.

Crawled text is never passed to markdown here: it is shown only in tables, which render cells as text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from config.loader import ConfigError, load_settings
from dashboard import data
from store.db import StoreError

logger = logging.getLogger(__name__)

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


def page_context() -> PageContext:
    """Load settings and check the store; on any problem show one Chinese error and stop the page."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        st.error("配置文件有误，仪表盘无法启动。请修正后刷新本页。")
        st.code(str(exc), language=None)
        st.stop()
    tz_name = settings.dashboard.timezone
    try:
        ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        st.error("配置项 dashboard.timezone 不是有效的时区名称（例如 Asia/Shanghai）。")
        st.stop()
    db_url = settings.resolved_db_url
    try:
        data.engine(db_url)
    except StoreError as exc:
        logger.warning("store unavailable: %s", exc)
        st.error(f"数据库不可用。{STORE_HINT}")
        st.code(str(exc), language=None)
        st.stop()
    return PageContext(db_url=db_url, tz_name=tz_name, plans_path=str(settings.path(settings.plans_file)))


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


def table(df: Any, key: str, **kwargs: Any) -> None:
    """A read-only table inside a container carrying `key` (display dataframes have no key of their own;
    tests find the table with `at.get_by_key(key).dataframe[0]`). Cells render as text, never as HTML."""
    with st.container(key=key):
        st.dataframe(df, **kwargs)
