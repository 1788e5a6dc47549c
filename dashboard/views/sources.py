"""信源健康 page: each source's last success, last error and consecutive failures, plus the latest crawl runs."""

from __future__ import annotations

import streamlit as st

from dashboard import components, data

FAILING_AFTER = 3  # consecutive failures that earn a warning
RUNS_SHOWN = 50

ctx = components.page_context()
st.title("信源健康")

health = data.source_health(ctx.db_url, ctx.tz_name)
if health.empty:
    st.info("信源表为空：运行 yuqing crawl 或 yuqing demo 后会同步配置中的信源。")
else:
    failing = int((health["连续失败"] >= FAILING_AFTER).sum())
    if failing:
        st.warning(f"有 {failing} 个信源连续失败 {FAILING_AFTER} 次及以上，请检查其地址或网络。")
    st.caption(f"共 {len(health)} 个信源，连续失败的排在前面。时间为 {ctx.tz_name}。")
    components.table(health, "src_health", hide_index=True)

st.subheader("最近抓取记录")
runs = data.crawl_runs(ctx.db_url, ctx.tz_name, RUNS_SHOWN)
if runs.empty:
    st.info("暂无抓取记录：运行 yuqing crawl 后显示。")
else:
    st.caption(f"最新 {len(runs)} 次抓取（最多 {RUNS_SHOWN} 次），丢弃原因来自爬虫统计。")
    components.table(runs, "src_runs", hide_index=True)
