"""舆情总览 page: headline metrics, daily trend by sentiment, source mix, top keywords and the latest mentions
(the CSV download only for roles allowed to export)."""

from __future__ import annotations

import functools

import streamlit as st

from dashboard import auth, components, data
from jobs.workflows import ACTION_EXPORT

ctx = components.page_context()
st.title("舆情总览")

if data.document_count(ctx.db_url) == 0:
    components.empty_state()
    st.stop()

today = data.today_in(ctx.tz_name)
picked = components.document_filters(ctx, "ov", date_help=f"按{ctx.tz_label}的自然日；默认最近 30 天")
first, last = picked.first, picked.last
filters = (picked.plans, picked.sources, picked.sentiments)
ov = data.overview(ctx.db_url, ctx.tz_name, first, last, today, *filters)

m = ov.metrics
c1, c2, c3, c4 = st.columns(4)
c1.metric("今日信息", str(m["today"]), help=f"今天（{ctx.tz_label}）发布的信息；无发布时间的按首次发现时间")
c2.metric("近7日信息", str(m["week"]), help="含今天在内的最近 7 个自然日")
neg_value = f"{m['week_neg']}（{m['week_neg_share']:.1%}）" if m["week_neg_share"] is not None else "0"
c3.metric("近7日负面", neg_value, help="近 7 日负面信息条数及其占近 7 日信息的比例")
c4.metric("涉及审计机关批评", str(m["week_office_neg"]), help="近 7 日负面且批评对象为审计机关本身的信息")
st.caption("以上指标按今天计算，随方案、信源、情感筛选变化，不受日期范围影响；以下图表和列表按所选日期范围。")

if ov.total == 0:
    st.info("所选范围内没有符合筛选条件的信息。")
    st.stop()

st.subheader(f"每日信息量（{first:%Y-%m-%d} 至 {last:%Y-%m-%d}，按情感）")
st.bar_chart(
    ov.trend, stack=True, x_label="日期", y_label="信息数", color=["#d62728", "#9e9e9e", "#2ca02c", "#c7c7c7"]
)
with st.expander("查看每日数据"):
    components.table(ov.trend, "ov_trend")

left, right = st.columns(2)
with left:
    st.subheader("信源分布")
    st.bar_chart(
        ov.by_source, x="名称", y="数量", horizontal=True, sort="-数量", x_label="信息数", y_label=""
    )
    with st.expander("查看数据"):
        components.table(ov.by_source, "ov_by_source", hide_index=True)
with right:
    st.subheader("信源级别")
    st.bar_chart(ov.by_level, x="名称", y="数量", horizontal=True, sort="-数量", x_label="信息数", y_label="")
    with st.expander("查看数据"):
        components.table(ov.by_level, "ov_by_level", hide_index=True)

st.subheader("热门关键词")
if ov.keywords.empty:
    st.caption("暂无关键词：运行 yuqing analyze 后显示。")
else:
    if ov.keywords_scanned:
        st.caption(f"出现该关键词的信息条数：按筛选范围内最新的 {ov.keywords_scanned} 条统计。")
    else:
        st.caption("出现该关键词的信息条数（筛选范围内）。")
    st.bar_chart(ov.keywords, x="关键词", y="文档数", sort="-文档数", x_label="", y_label="信息数")
    with st.expander("查看数据"):
        components.table(ov.keywords, "ov_keywords", hide_index=True)

st.subheader("信息列表")
# Drill-down: every number above (a day of the trend, a source, a level, a keyword) lists its documents here.
d1, d2, d3 = st.columns([1, 2, 1])
drill_choices = {
    data.DRILL_DAY: [d for d in reversed(ov.trend.index) if int(ov.trend.loc[d].sum())],
    data.DRILL_SOURCE: ov.by_source["名称"].tolist(),
    data.DRILL_LEVEL: ov.by_level["名称"].tolist(),
    data.DRILL_KEYWORD: ov.keywords["关键词"].tolist(),
}
drill_kind = d1.selectbox("查看", ["全部", *data.DRILL_KINDS], key="ov_drill_kind")
drill = None
if drill_kind in drill_choices:
    choices = drill_choices[drill_kind]
    value = d2.selectbox(drill_kind, choices, key="ov_drill_value", placeholder="请选择")
    if value is not None:
        drill = (drill_kind, str(value))
pages = max(1, -(-ov.total // data.LATEST_LIMIT))
page = d3.number_input("页码", min_value=1, max_value=pages, value=1, step=1, key="ov_page")
latest = data.overview_documents(ctx.db_url, ctx.tz_name, first, last, *filters, drill=drill, page=int(page) - 1)
if drill:
    lead = f"{drill[0]}“{drill[1]}”的信息（在筛选条件内）"
else:
    lead = f"符合筛选条件共 {ov.total} 条"
where = f"最新 {len(latest)} 条" if page == 1 else f"第 {page} 页的 {len(latest)} 条"
st.caption(
    f"{lead}，下表显示{where}（按时间由新到旧，每页 {data.LATEST_LIMIT} 条"
    + ("，可翻页；完整列表请下载 CSV" if ov.total > data.LATEST_LIMIT else "")
    + "）。"
)
components.table(
    latest,
    "ov_latest",
    hide_index=True,
    column_config={
        "标题": st.column_config.TextColumn("标题", width="large"),
        "原文": st.column_config.LinkColumn("原文", display_text="打开原文", validate=r"^https?://"),
        "无发布日期": st.column_config.CheckboxColumn(
            "无发布日期", help="页面未给出发布时间，按首次发现时间计"
        ),
    },
)
if auth.can(ACTION_EXPORT) and ov.total > data.CSV_MAX_ROWS:
    st.caption(
        f"筛选结果超过看板单次下载上限 {data.CSV_MAX_ROWS} 条：请缩小日期范围或筛选条件，"
        "或在“数据导出”页查看等效的命令行导出。"
    )
elif auth.can(ACTION_EXPORT):
    st.download_button(
        f"下载筛选结果 CSV（{ov.total} 条）",
        functools.partial(data.overview_csv, ctx.db_url, ctx.tz_name, first, last, *filters),
        file_name=f"yuqing_{first:%Y%m%d}_{last:%Y%m%d}.csv",
        mime="text/csv",
        key="ov_download",
        on_click="ignore",
    )
