"""网站安全 page: the office's watched pages with their last check, and integrity findings (defacement, 暗链,
injected scripts, cloaking, stale or blank columns, broken links) with their evidence and time.

Session-state keys: sec_resolved, sec_pick.
"""

from __future__ import annotations

import json

import streamlit as st

from config.vocabulary import SEVERITY_HIGH, SEVERITY_LABELS
from dashboard import components
from dashboard import data_sitewatch as data

ctx = components.page_context()
st.title("网站安全")
st.caption("监测本单位网站页面：篡改、暗链、外部脚本、对搜索引擎显示不同内容，以及栏目更新和不可用链接。")

pages = data.snapshots(ctx.db_url, ctx.tz_name)
open_findings = data.findings(ctx.db_url, ctx.tz_name, False)
m1, m2, m3, m4 = st.columns(4)
m1.metric("监测页面", str(len(pages)))
m2.metric("有问题的页面", str(int((pages["未处理问题"] > 0).sum())) if not pages.empty else "0")
m3.metric("未处理问题", str(len(open_findings)))
m4.metric(
    "高风险问题",
    str(int((open_findings["严重程度"] == SEVERITY_LABELS[SEVERITY_HIGH]).sum()))
    if not open_findings.empty
    else "0",
)

st.subheader("监测页面")
if pages.empty:
    st.info(
        "尚未检查任何页面：在 config/official_sites.yaml 的 watch: 中配置页面后运行 `yuqing sites watch`。"
    )
else:
    components.table(pages, "sec_pages", hide_index=True,
                     column_config={"页面": st.column_config.LinkColumn("页面")})  # fmt: skip

st.subheader("发现的问题")
include_resolved = st.checkbox("包括已解决的问题", value=False, key="sec_resolved")
shown = data.findings(ctx.db_url, ctx.tz_name, include_resolved) if include_resolved else open_findings
if shown.empty:
    if pages.empty:
        st.info("暂无检查结果。")
    else:
        st.success("未发现问题。")
else:
    components.table(shown.drop(columns=["证据"]), "sec_findings", hide_index=True,
                     column_config={"页面": st.column_config.LinkColumn("页面")})  # fmt: skip
    labels = {int(r["编号"]): f"#{r['编号']} [{r['严重程度']}] {r['类型']}" for r in shown.to_dict("records")}
    picked = st.selectbox("查看证据", list(labels), format_func=lambda i: labels[i], key="sec_pick")
    row = shown[shown["编号"] == picked].iloc[0]
    st.text(row["说明"])
    st.json(json.loads(row["证据"]), expanded=True)  # rendered as a JSON tree: text, never HTML
