"""仿冒网站 page: candidates ranked by score with the signals and page text behind each, status changes (who and
when), acknowledgement (确认知悉) and a one-click 误报, hand-added candidates, and referral export (CSV and a
printable HTML evidence sheet). Suspicious URLs are text to copy (st.code), never live links; 误报 are hidden
unless the 处理状态 filter asks for them.

Crawled text (titles, claims, names) appears only in tables and st.text, never in markdown or HTML.
Session-state keys: imp_flash, imp_status, imp_min_score, imp_pick, imp_new_status, imp_note, imp_ack, imp_false,
imp_add_url, imp_add_note. The 操作人 of every change is the logged-in user; write widgets appear only for roles allowed to use
them, downloads only for roles allowed to export (jobs.workflows.PERMISSIONS, checked again on every write).
"""

from __future__ import annotations

import streamlit as st

from config.vocabulary import (
    CANDIDATE_FALSE,
    CANDIDATE_PENDING,
    CANDIDATE_REPORTED,
    CANDIDATE_STATUSES,
    TIER_ACT,
    TIER_LABELS,
    TIER_REVIEW,
)
from dashboard import auth, components
from dashboard import data_sitewatch as data
from jobs.workflows import (
    ACTION_CANDIDATE_ADD,
    ACTION_CANDIDATE_STATUS,
    ACTION_EXPORT,
    ACTION_SITE_REVIEW,
    ENTITY_CANDIDATE,
    WorkflowError,
    next_statuses,
)

FLASH = "imp_flash"  # message kept across the rerun that follows a change

ctx = components.page_context()
st.title("仿冒网站")
flash = st.session_state.pop(FLASH, None)
if flash:  # a change just succeeded: its text fields start afresh (set before the widgets are drawn)
    for key in ("imp_note", "imp_add_url", "imp_add_note"):
        st.session_state[key] = ""
if flash:
    st.success(flash)
st.caption(
    "发现并核查冒用审计机关名义、声称与审计机关合作或授权、仿冒官方网站的网站。评分 ≥80 建议处置，50–79 待核实。"
)

c1, c2 = st.columns([3, 1])
statuses = c1.multiselect(
    "处理状态", CANDIDATE_STATUSES, default=[CANDIDATE_PENDING, CANDIDATE_REPORTED], key="imp_status",
    placeholder="全部状态", select_all=False,
)  # fmt: skip
min_score = c2.slider("最低评分", 0, 100, 0, step=10, key="imp_min_score")

frame = data.candidates(ctx.db_url, ctx.tz_name, tuple(statuses), float(min_score))
all_rows = data.candidates(ctx.db_url, ctx.tz_name, (), 0.0)
m1, m2, m3, m4 = st.columns(4)
m1.metric("候选网站", str(len(all_rows)))
m2.metric(TIER_LABELS[TIER_ACT], str(int((all_rows["等级"] == TIER_LABELS[TIER_ACT]).sum())))
m3.metric(
    f"{TIER_LABELS[TIER_REVIEW]}（评分50–79）", str(int((all_rows["等级"] == TIER_LABELS[TIER_REVIEW]).sum()))
)
m4.metric(CANDIDATE_REPORTED, str(int((all_rows["状态"] == CANDIDATE_REPORTED).sum())))

if frame.empty:
    st.info(
        "没有符合条件的候选网站。运行 `yuqing sites discover` 和 `yuqing sites check`，或在下方人工添加。"
    )
else:
    components.table(
        frame, "imp_table", hide_index=True,
        column_config={"网址": st.column_config.TextColumn("网址", help="疑似仿冒网址：仅作文字显示，请勿直接打开"),
                       "评分": st.column_config.NumberColumn("评分")},
    )  # fmt: skip

    ids = frame["编号"].tolist()
    labels = {int(r["编号"]): f"#{r['编号']} {r['主机']}（{r['评分'] if r['评分'] is not None else '未核查'}）"
              for r in frame.to_dict("records")}  # fmt: skip
    picked = st.selectbox("查看证据", ids, format_func=lambda i: labels.get(i, str(i)), key="imp_pick")
    cand, hist = data.candidate_detail(ctx.db_url, int(picked))
    if cand is not None:
        st.subheader(f"候选网站 #{cand['id']}")  # the host stays out of markdown: it would become a live link
        st.text(f"主机：{cand['host']}")
        st.text(f"网页标题：{cand['title'] or '—'}")
        st.caption("网址（疑似仿冒，仅供复制核查，请勿在办公电脑上直接打开）")
        st.code(cand["final_url"] or cand["url"], language=None)
        if cand.get("acknowledged_at") is not None:
            st.text(f"确认知悉：{cand['acknowledged_by']}，{data.fmt_time(cand['acknowledged_at'], ctx.tz_name)}")
        if auth.can(ACTION_SITE_REVIEW):
            k1, k2, _ = st.columns([1, 1, 3])
            if cand.get("acknowledged_at") is None and k1.button("确认知悉", key="imp_ack"):
                try:
                    data.acknowledge_candidate(ctx.db_url, int(cand["id"]), auth.current_user())
                except WorkflowError as exc:
                    st.error(str(exc))
                else:
                    st.session_state[FLASH] = f"已确认知悉 #{cand['id']}"
                    st.rerun()
            if CANDIDATE_FALSE in next_statuses(ENTITY_CANDIDATE, cand["status"]) and auth.can(
                ACTION_CANDIDATE_STATUS
            ) and k2.button("标记误报", key="imp_false"):
                try:
                    data.change_status(ctx.db_url, int(cand["id"]), CANDIDATE_FALSE, auth.current_user(),
                                       st.session_state.get("imp_note", ""))  # fmt: skip
                except WorkflowError as exc:
                    st.error(str(exc))
                else:
                    st.session_state[FLASH] = f"已将 #{cand['id']} 标记为误报（默认不再显示；在“处理状态”中选“误报”可查看）"
                    st.rerun()
        if cand["check_error"]:
            st.warning("核查异常（见下方文字）")
            st.text(cand["check_error"])
        st.markdown("**疑似仿冒依据**（每条依据的分值与触发它的页面原文）")
        unchecked = cand["last_checked_at"] is None
        components.table(data.signals_frame(cand), "imp_signals", hide_index=True,
                         empty="尚未核查" if unchecked else "未发现疑似仿冒依据")  # fmt: skip
        st.markdown("**页面证据**")
        components.table(data.evidence_frame(cand), "imp_evidence", hide_index=True,
                         empty="尚未核查" if unchecked else "未取得页面证据")  # fmt: skip

        st.markdown(f"**处理状态：{cand['status']}**")
        options = list(next_statuses(ENTITY_CANDIDATE, cand["status"]))
        if auth.can(ACTION_CANDIDATE_STATUS):
            s1, s3 = st.columns([1, 3])
            new_status = s1.selectbox("改为", options, key="imp_new_status")
            note = s3.text_input("说明（如报送编号）", key="imp_note")
            if st.button("更改状态", key="imp_apply"):
                try:
                    data.change_status(ctx.db_url, int(cand["id"]), new_status, auth.current_user(), note)
                except WorkflowError as exc:
                    st.error(str(exc))
                else:
                    st.session_state[FLASH] = f"已将 #{cand['id']} 改为“{new_status}”"
                    st.rerun()  # metrics, table and history all show the new status
        if hist:
            st.markdown("**处理记录**")
            components.table(data.history_frame(hist, ctx.tz_name), "imp_history", hide_index=True)

    if cand is not None and auth.can(ACTION_EXPORT):
        csv_bytes, html_bytes = data.referral_files(cand, hist, data.office_name(), ctx.tz_name)
        d1, d2 = st.columns(2)
        d1.download_button("下载报送材料 CSV", csv_bytes, file_name=f"referral_{cand['id']}.csv", mime="text/csv",
                           key="imp_csv")  # fmt: skip
        d2.download_button("下载证据单（可打印 HTML）", html_bytes, file_name=f"referral_{cand['id']}.html",
                           mime="text/html", key="imp_html")  # fmt: skip

if auth.can(ACTION_CANDIDATE_ADD):
    st.subheader("人工添加候选网站")
    a1, a3 = st.columns([1, 1])
    add_url = a1.text_input("网址", key="imp_add_url", placeholder="例如 www.example-audit.cn")
    add_note = a3.text_input("线索来源", key="imp_add_note")
    if st.button("添加", key="imp_add"):
        try:
            cid, created = data.add_candidate(ctx.db_url, add_url, auth.current_user(), add_note)
        except ValueError as exc:
            st.error("无法添加该网址（原因如下）")
            st.text(str(exc))  # the typed address stays plain text: markdown would make it a live link
        else:
            if created:
                st.session_state[FLASH] = f"已添加候选网站 #{cid}，下次运行 `yuqing sites check` 时核查。"
                st.rerun()
            st.info(f"该网站已在候选列表中（#{cid}）。")
