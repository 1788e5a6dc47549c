"""报告 page: pick a 日报 / 周报 (day, 方案) or a 专报 (event), preview it, download it as Word, HTML or Markdown.

The preview is the report's HTML, every crawled text escaped by the renderer (st.html also sanitises it).
Session-state keys: rp_kind, rp_date, rp_plan, rp_event, rp_all_advice. Downloads only for roles allowed to export.
The preview's 处置建议 lists the most urgent events (data_reports.ADVICE_SHOWN) and says how many there are; the
rest are listed on demand (rp_all_advice) and on the 热点与回应 page, whose filters a button sets.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from config.vocabulary import EVENT_HANDLING, EVENT_PENDING, RESPONSE_CLASSES
from dashboard import auth, components, data
from dashboard import data_reports as rd
from dashboard.data_events import ALL_EVENTS
from jobs.report_render import MEDIA_TYPES
from jobs.reports import KIND_TITLES, ReportError
from jobs.workflows import ACTION_EXPORT

ctx = components.page_context()
settings = components.settings()  # page_context() has checked it
st.title("舆情报告")
st.caption(
    "日报、周报按设定的每日出报时间切分统计时段（未选日期时统计截至现在的24小时或7天）；专报针对单个事件。"
    "每个数字和引文都注明信息来源。"
)

ALL_PLANS = "全部方案"
kind = st.radio(
    "报告类型",
    ["daily", "weekly", "event"],
    format_func=lambda k: KIND_TITLES[k].removeprefix("舆情"),
    horizontal=True,
    key="rp_kind",
)
now = datetime.now(UTC).replace(second=0, microsecond=0)
today = data.today_in(ctx.tz_name, now)
day = plan = event_id = None
if kind == "event":
    choices = rd.event_choices(ctx.db_url)
    if not choices:
        st.info("暂无热点事件：请先运行 yuqing analyze 或 yuqing demo。")
        st.stop()
    labels = dict(choices)
    event_id = st.selectbox("事件", list(labels), format_func=lambda i: labels[i], key="rp_event")
else:
    left, right = st.columns(2)
    day = left.date_input(
        "报告日期（留空：截至现在）", value=None, max_value=today, key="rp_date", format="YYYY-MM-DD"
    )
    plans = data.filter_options(ctx.db_url, tuple(data.configured_plan_names(ctx.plans_path)))["plans"]
    picked = right.selectbox("监测方案", [ALL_PLANS, *plans], key="rp_plan")
    plan = None if picked == ALL_PLANS else picked

key = rd.settings_key(settings)
try:  # the preview lists the most urgent events under 处置建议; the downloads list every one
    report = rd.report(ctx.db_url, key, kind, day, plan, event_id, now, settings, rd.ADVICE_SHOWN)
except ReportError as exc:
    st.error(f"无法生成报告：{exc}")
    st.stop()

st.text(report.summary)  # plain text: the summary quotes a crawled title
downloads = (("docx", "下载 Word"), ("html", "下载 HTML"), ("md", "下载 Markdown"))
cols = st.columns(3)
for col, (fmt, label) in zip(cols, downloads if auth.can(ACTION_EXPORT) else (), strict=False):
    col.download_button(
        label,
        data=lambda fmt=fmt: rd.rendered(ctx.db_url, key, kind, day, plan, event_id, now, fmt, settings),
        file_name=f"{report.file_stem}.{fmt}",
        mime=MEDIA_TYPES[fmt],
        key=f"rp_download_{fmt}",
        on_click="ignore",
    )
with st.container(key="rp_preview", border=True):
    st.html(rd.preview_html(report))

owing = int(report.counts.get("owing", 0))
if kind != "event" and owing > rd.ADVICE_SHOWN:  # 处置建议 above is cut: the rest, on demand
    st.caption(
        f"处置建议只列出最紧急的{rd.ADVICE_SHOWN}件；需回应的事件共{owing}件"
        f"（其中已超时{report.counts['overdue']}件），下载的报告逐件列出。"
    )
    left, right = st.columns(2)
    show_all = left.toggle(f"列出全部{owing}件的处置建议", key="rp_all_advice")
    if right.button("在「热点与回应」查看待处置的A/B类事件", key="rp_to_events", help="近90天有新信息的事件"):
        st.session_state.update(
            hs_classes=list(RESPONSE_CLASSES), hs_statuses=[EVENT_PENDING, EVENT_HANDLING], hs_view=ALL_EVENTS, hs_days=90
        )
        st.switch_page("views/events.py")
    if show_all:
        full = rd.report(ctx.db_url, key, kind, day, plan, event_id, now, settings)
        components.table(pd.DataFrame({"处置建议": rd.advice_lines(full)}), "rp_advice_all", hide_index=True)
