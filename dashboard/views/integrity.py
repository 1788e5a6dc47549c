"""网站安全 page: the office's watched pages with their last check, and integrity findings (defacement, 暗链,
injected scripts, cloaking, stale or blank columns, broken links) with their evidence as readable Chinese fields
(local times), and a person's review of each: 确认问题 (已确认) or 标记误报, with who and when (audit-logged).
误报 are hidden unless asked for; they do not count as open problems.

URLs (the watched page, injected scripts, hidden links) are shown as text to copy, never as live links.
Session-state keys: sec_resolved, sec_false (show 误报), sec_pick, sec_review_note, sec_review_reset, sec_flash.
"""

from __future__ import annotations

import streamlit as st

from config.vocabulary import FINDING_ACKNOWLEDGED, FINDING_FALSE_POSITIVE, SEVERITY_HIGH, SEVERITY_LABELS
from dashboard import auth, components
from dashboard import data_sitewatch as data
from jobs.workflows import (
    ACTION_SITE_REVIEW,
    ENTITY_FINDING,
    FINDING_UNREVIEWED,
    WorkflowError,
    finding_review_label,
    next_statuses,
)

FLASH = "sec_flash"
# The review buttons: target review code -> (button text, widget key)
REVIEW_BUTTONS = {
    FINDING_ACKNOWLEDGED: ("确认问题", "sec_ack"),
    FINDING_FALSE_POSITIVE: ("标记误报", "sec_false_positive"),
    FINDING_UNREVIEWED: ("重新打开（待确认）", "sec_reopen"),
}

ctx = components.page_context()
st.title("网站安全")
st.caption("监测本单位网站页面：篡改、暗链、外部脚本、对搜索引擎显示不同内容，以及栏目更新和不可用链接。")
flash = st.session_state.pop(FLASH, None)
if flash:
    (st.success if flash[0] == "ok" else st.error)(flash[1])

pages = data.snapshots(ctx.db_url, ctx.tz_name)
open_findings = data.findings(ctx.db_url, ctx.tz_name, False, False)
m1, m2, m3, m4 = st.columns(4)
m1.metric("监测页面", str(len(pages)))
m2.metric("有问题的页面", str(int((pages["未处理问题"] > 0).sum())) if not pages.empty else "0")
m3.metric("未处理问题", str(len(open_findings)), help="尚未解决、且未标记为误报的问题")
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
    components.table(pages, "sec_pages", hide_index=True)

st.subheader("发现的问题")
f1, f2 = st.columns(2)
include_resolved = f1.checkbox("包括已解决的问题", value=False, key="sec_resolved")
include_false = f2.checkbox("显示已标记为误报的问题", value=False, key="sec_false")
if include_resolved or include_false:
    shown = data.findings(ctx.db_url, ctx.tz_name, include_resolved, include_false)
else:
    shown = open_findings
if shown.empty:
    if pages.empty:
        st.info("暂无检查结果。")
    else:
        st.success("未发现问题。")
    st.stop()

components.table(shown[data.FINDING_COLUMNS], "sec_findings", hide_index=True)
labels = {
    int(r["编号"]): f"#{r['编号']} [{r['严重程度']}] {r['类型']}（{r['核查']}）" for r in shown.to_dict("records")
}
picked = st.selectbox("查看证据", list(labels), format_func=lambda i: labels[i], key="sec_pick")
row = shown[shown["编号"] == picked].iloc[0]
st.text(row["说明"])
st.caption("页面地址（复制后在隔离环境中打开核实）")
st.code(row["页面"], language=None)
components.table(
    [{"项目": k, "内容": v} for k, v in row["证据"]], "sec_evidence", hide_index=True,
    column_config={"项目": st.column_config.TextColumn("项目", width="small"),
                   "内容": st.column_config.TextColumn("内容", width="large")},
)  # fmt: skip

review = row["核查代码"] or FINDING_UNREVIEWED
who = f"（{row['核查人']}，{row['核查时间']}）" if row["核查人"] else ""
st.markdown("**核查**")
st.text(f"核查结果：{finding_review_label(review)}{who}")
if auth.can(ACTION_SITE_REVIEW):
    if st.session_state.pop("sec_review_reset", False):  # after a change: set before the widget is drawn
        st.session_state["sec_review_note"] = ""
    note = st.text_input("说明（可选）", key="sec_review_note", placeholder="如：已通知网站运维处理")
    options = next_statuses(ENTITY_FINDING, review)
    for col, target in zip(st.columns([1] * len(options) + [4]), options, strict=False):
        text, key = REVIEW_BUTTONS[target]
        if col.button(text, key=key):
            try:
                data.review_finding(ctx.db_url, int(picked), target or None, auth.current_user(), note)
            except WorkflowError as exc:
                st.session_state[FLASH] = ("error", f"未修改：{exc}")
            else:
                st.session_state[FLASH] = ("ok", f"已将问题 #{picked} 标记为“{finding_review_label(target)}”")
                st.session_state["sec_review_reset"] = True
            st.rerun()
history = data.finding_history(ctx.db_url, int(picked), ctx.tz_name)
if len(history):
    components.table(history, "sec_history", hide_index=True)
