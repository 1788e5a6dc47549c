"""Dashboard entry point: page config and navigation. Run `python -m streamlit run dashboard/app.py` from the root.

To add a page, write `dashboard/views/<name>.py` and add one `st.Page(...)` line to PAGES.
Nothing renders before a login (dashboard.auth: login form, idle timeout, sidebar with 退出登录); only a broken
config or store is reported first, so an administrator can see why nobody can log in.
Session-state keys used by the pages: ov_dates, ov_plans, ov_sources, ov_sentiment (总览 filters);
ex_dates, ex_plans, ex_sources, ex_levels, ex_sentiment, ex_targets, ex_regions, ex_kind, ex_shape, ex_dims
(数据导出 filters and choices); sr_* (信息检索, see views/search.py); an_dates, an_pick (公告反响); auth_* and login_* (dashboard.auth).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import auth, components  # noqa: E402

st.set_page_config(page_title="审计舆情哨兵", layout="wide")
st.html(components.CHROME_CSS)  # hides Streamlit's English-only date-range presets
auth.require_login(components.page_context().db_url)

PAGES = [
    st.Page("views/overview.py", title="舆情总览", default=True),
    st.Page("views/events.py", title="热点与回应"),
    st.Page("views/search.py", title="信息检索"),
    st.Page("views/announcements.py", title="公告反响"),
    st.Page("views/sources.py", title="信源健康"),
    st.Page("views/impersonation.py", title="仿冒网站"),
    st.Page("views/integrity.py", title="网站安全"),
    st.Page("views/reports.py", title="舆情报告"),
    st.Page("views/exports.py", title="数据导出"),
]

st.navigation(PAGES).run()
