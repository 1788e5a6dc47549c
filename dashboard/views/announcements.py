"""公告反响 page: the office's own 审计结果公告 in a period and how they were received — the documents reporting on
each (reprints, the same event, its number cited, its subject named), their sentiment, and criticism of the
office; per 公告 the ways of linking and the documents. Every count opens 信息检索 with its documents.

Session-state keys: an_dates (period), an_pick (the 公告 opened).
Crawled text (titles, sources) is shown only in table cells or st.text.
"""

from __future__ import annotations

import streamlit as st

from dashboard import components, data, data_announcements
from dashboard.data_search import LINK_COUNT

ctx = components.page_context()
st.title("公告反响")
st.caption("审计结果公告（官方信源发布）及其报道：转载、同一事件、引用公告编号或提及公告主题的信息。点击数字查看对应文档。")

if data.document_count(ctx.db_url) == 0:
    components.empty_state()
    st.stop()

today = data.today_in(ctx.tz_name)
default_first, default_last = components.default_range(today, 180)
with st.sidebar:
    st.header("筛选")
    picked = st.date_input(
        "公告发布日期", value=(default_first, default_last), key="an_dates", format="YYYY-MM-DD",
        help=f"按 {ctx.tz_name} 的自然日（含首尾两天）",
    )  # fmt: skip
first, last = components.date_range(picked, default_first, default_last)

df = data_announcements.announcements(ctx.db_url, ctx.tz_name, first, last)
if df.empty:
    st.info("所选期间没有审计结果公告：请确认已启用类型为 official 的信源（审计结果公告栏目）并完成采集。")
    st.stop()

m1, m2, m3 = st.columns(3)
m1.metric("公告", str(len(df)))
m2.metric("相关报道", str(int(df["报道数"].sum())), help="各公告的报道数之和（同一篇报道可能关联多个公告）")
m3.metric("批评审计机关", str(int(df["批评数"].sum())), help="负面且对象为审计机关自身的报道")


def _count(label: str, help_: str = "点击数字，在“信息检索”中查看这些文档"):
    return st.column_config.LinkColumn(label, display_text=LINK_COUNT, help=help_)


components.table(
    df.drop(columns=["报道数", "批评数"]), "an_table", hide_index=True,
    column_config={
        "id": st.column_config.NumberColumn("编号", format="%d"),
        "公告": st.column_config.TextColumn("公告", width="medium"),
        "原文": st.column_config.LinkColumn("原文", display_text="打开", validate=r"^https?://"),
        "报道": _count("报道"), "负面": _count("负面"), "中性": _count("中性"), "正面": _count("正面"),
        "批评审计机关": _count("批评审计机关", "负面且对象为审计机关自身的报道"),
        "事件": st.column_config.TextColumn("事件", help="报道所属的热点事件编号"),
    },
)  # fmt: skip

st.subheader("公告详情")
titles = dict(zip(df["id"], df["公告"], strict=True))
if st.session_state.get("an_pick") not in titles:  # the most reported 公告 first
    st.session_state["an_pick"] = int(df.sort_values("报道数", ascending=False, kind="stable")["id"].iloc[0])
pick = st.selectbox("选择公告", list(titles), key="an_pick", format_func=lambda i: f"{i} · {titles[i][:50]}")
detail = data_announcements.announcement_detail(ctx.db_url, ctx.tz_name, int(pick))
if detail is None:
    st.warning("该公告已不存在，请刷新。")
    st.stop()
st.text(f"公告：{detail.announcement['title']}")
st.text(f"编号：{detail.number or '未识别'}　主题：{detail.subject or '未识别'}")
left, right = st.columns([1, 2])
with left:
    components.table(detail.reasons, "an_reasons", hide_index=True, column_config={"文档": _count("文档")})
with right:
    st.caption("一篇报道可能同时以多种方式关联到公告。")
if detail.documents.empty:
    st.caption("尚未发现关于该公告的报道。")
else:
    components.table(
        detail.documents, "an_documents", hide_index=True,
        column_config={
            "标题": st.column_config.TextColumn("标题", width="large"),
            "原文": st.column_config.LinkColumn("原文", display_text="打开原文", validate=r"^https?://"),
            "事件": st.column_config.TextColumn("事件", help="所属热点事件编号"),
        },
    )  # fmt: skip
