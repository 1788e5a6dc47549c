"""The 传播 section of an event's detail (called by views/events.py; not a page of its own): documents by
source level over time from the 首发 (a step chart of cumulative documents and a table), the 核心传播节点
(level, engagement, reads, reprints), and the timeline of 首发, reprints and hot-list appearances.

Every count is a link to 信息检索 showing exactly the documents behind it. Crawled text stays in table cells.
"""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboard import components, data_spread
from dashboard.data_search import LINK_COUNT

COUNT_HELP = "点击数字，在“信息检索”中查看这些文档"


def _count(label: str, help_: str = COUNT_HELP):
    return st.column_config.LinkColumn(label, display_text=LINK_COUNT, help=help_)


def render(ctx: components.PageContext, event_id: int) -> None:
    """Draw the 传播 section of event `event_id` into the current page."""
    spread = data_spread.spread(ctx.db_url, ctx.tz_name, int(event_id))
    st.markdown("**传播**")
    if spread is None or spread.chart.empty:
        st.caption("该事件暂无文档，无法展示传播过程。")
        return
    st.text(spread.first)
    left, right = st.columns([2, 1])
    with left:
        chart = (
            alt.Chart(spread.chart)
            .mark_line(interpolate="step-after", point=True)
            .encode(
                x=alt.X("时间:T", title="时间", axis=alt.Axis(format="%m-%d %H:%M", labelAngle=0)),
                y=alt.Y("累计文档:Q", title="累计文档"),
                color=alt.Color("级别:N", title="信源级别"),
                tooltip=[alt.Tooltip("时间:T", format="%Y-%m-%d %H:%M"), "级别:N", "累计文档:Q"],
            )
            .properties(height=260)
        )
        st.altair_chart(chart, width="stretch")
    with right:
        components.table(spread.levels, "sp_levels", hide_index=True, column_config={"文档": _count("文档")})
    st.markdown("**核心传播节点**")
    config = {
        "文档": _count("文档"),
        "被转载": _count("被转载", "其他信源转载该信源首发内容的篇数；点击查看这些转载"),
        "转载": st.column_config.NumberColumn("转载", help="该信源转载他人内容的篇数"),
        "互动量": st.column_config.NumberColumn("互动量", help="转发 + 评论 + 点赞"),
        "热榜": st.column_config.NumberColumn("热榜", help="登上热榜的次数"),
        "首发": st.column_config.CheckboxColumn("首发"),
    }
    top = spread.nodes.head(data_spread.TOP_NODES)
    components.table(top, "sp_nodes", hide_index=True, column_config=config)
    if len(spread.nodes) > data_spread.TOP_NODES:
        with st.expander(f"全部 {len(spread.nodes)} 个信源"):
            components.table(spread.nodes, "sp_nodes_all", hide_index=True, column_config=config)
    with st.expander("传播时间线（首发、转载、登上热榜）"):
        components.table(
            spread.timeline, "sp_timeline", hide_index=True,
            column_config={
                "标题": st.column_config.TextColumn("标题", width="large"),
                "原文": st.column_config.LinkColumn("原文", display_text="打开原文", validate=r"^https?://"),
            },
        )  # fmt: skip
