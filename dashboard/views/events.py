"""热点与回应 page: hotspots ranked by heat with sparkline, sentiment mix, 首发, reprints, response class and
reason, a live countdown to the deadline; per event its documents, status workflow and response log.

Session-state keys: hs_days, hs_classes, hs_statuses, hs_local (本地 area), hs_local_only, hs_event (the
event opened), hs_new_status, hs_kind, hs_url, hs_resp_date, hs_resp_time, hs_message, hs_linked (an alert's ?event=ID link was applied). The 操作人 of every change is
the logged-in user; the status and response widgets appear only for roles allowed to use them (and
jobs.workflows checks the role again).
Crawled text (titles, reasons quoting crawled terms, sources) is shown only in table cells or st.text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import streamlit as st

from analysis.opinion.response import countdown
from config.vocabulary import (
    CLASS_A,
    CLASS_B,
    CLASS_LABELS,
    CLASS_SHORT_LABELS,
    EVENT_STATUSES,
    NO_CLASS_LABEL,
    RESPONSE_KINDS,
)
from dashboard import auth, components, data, data_events
from dashboard.data_events import WorkflowError
from jobs.workflows import ACTION_EVENT_STATUS, ACTION_RESPONSE

ctx = components.page_context()
st.title("热点与回应")

if data.document_count(ctx.db_url) == 0:
    components.empty_state()
    st.stop()

with st.sidebar:
    st.header("筛选")
    days = st.slider("活跃时间（天）", 1, 90, 7, key="hs_days", help="最近有新信息的事件")
    picked_classes = st.multiselect(
        "回应类别", data_events.CLASS_OPTIONS, key="hs_classes", placeholder="全部类别"
    )
    picked_status = st.multiselect("状态", EVENT_STATUSES, key="hs_statuses", placeholder="全部状态")
    local_area = st.text_input(
        "本地区域", key="hs_local", help="行政区划名称或 6 位代码，如 莒南县、临沂市、371327"
    )
    local_only = st.checkbox("只看本地", key="hs_local_only", disabled=not local_area.strip())

df = data_events.events(
    ctx.db_url, ctx.tz_name, float(days), data_events.class_codes(picked_classes), tuple(picked_status),
    local_area.strip() if local_only else "",
)  # fmt: skip

if df.empty:
    st.info("没有符合条件的热点事件：运行 yuqing analyze 后显示，或放宽筛选条件。")
    st.stop()


@st.fragment(run_every=60)
def ranked_events() -> None:
    """The ranked table; re-rendered every minute so the countdowns stay live."""
    now = datetime.now(UTC)
    shown = data_events.with_countdown(df, ctx.tz_name, now)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("热点事件", str(len(shown)))
    a, b = CLASS_SHORT_LABELS[CLASS_A], CLASS_SHORT_LABELS[CLASS_B]
    c2.metric(f"{a}（5小时）", str(int((shown["回应类别"] == a).sum())))
    c3.metric(f"{b}（48小时）", str(int((shown["回应类别"] == b).sum())))
    c4.metric("已超时", str(int(shown["已超时"].sum())), help="截止时间已过且尚未完成对应回应的事件")
    table = shown[
        ["id", "标题", "热度", "热度趋势", "新", "突发", "情感构成", "首发", "首发链接", "转载", "信源数", "回应类别",
         "倒计时", "截止时间", "状态", "回应依据", "地域", "关键词"]
    ]  # fmt: skip
    overdue = shown["已超时"].tolist()
    styled = table.style.apply(
        lambda col: ["color: #d62728; font-weight: bold" if late else "" for late in overdue],
        subset=["倒计时"],
    )
    components.table(
        styled,
        "hs_events",
        hide_index=True,
        column_config={
            "id": st.column_config.NumberColumn("编号", format="%d"),
            "标题": st.column_config.TextColumn("标题", width="large"),
            "热度": st.column_config.ProgressColumn("热度", min_value=0, max_value=100, format="%.1f"),
            "热度趋势": st.column_config.LineChartColumn("热度趋势", y_min=0, y_max=100),
            "新": st.column_config.CheckboxColumn("新", help="24 小时内首次发现"),
            "突发": st.column_config.CheckboxColumn("突发", help="当日信息量较前 14 日基线显著上升"),
            "首发链接": st.column_config.LinkColumn("首发原文", display_text="打开", validate=r"^https?://"),
            "倒计时": st.column_config.TextColumn("倒计时", help="距下一回应时限；已超时显示为红色"),
        },
    )
    st.caption(
        f"倒计时按 {now.astimezone(ZoneInfo(ctx.tz_name)):%H:%M} 计算，每分钟刷新。回应时限自系统首次发现起算。"
    )


ranked_events()

st.subheader("方案声量")
volume = data_events.plan_volume(ctx.db_url, ctx.tz_name, data.today_in(ctx.tz_name))
if volume.empty:
    st.caption("近 15 日没有命中方案的信息。")
else:
    bursting = volume[volume["突增"]]["方案"].tolist()
    if bursting:
        st.warning("声量突增：" + "、".join(bursting) + "（今日信息量显著高于前 14 日基线）")
    components.table(
        volume,
        "hs_plan_volume",
        hide_index=True,
        column_config={
            "近14日": st.column_config.BarChartColumn("近14日", y_min=0),
            "z": st.column_config.NumberColumn(
                "稳健 z 值", format="%.1f", help="(今日 − 中位数) / (1.4826 × MAD)"
            ),
            "突增": st.column_config.CheckboxColumn("突增", help="今日 ≥ 5 篇且稳健 z ≥ 3.5"),
        },
    )

st.subheader("事件详情")
ids = df["id"].tolist()
titles = dict(zip(df["id"], df["标题"], strict=True))
linked = st.query_params.get("event")  # alerts link to ?event=ID: open that event once
if linked and linked.isdigit() and int(linked) in ids and not st.session_state.get("hs_linked"):
    st.session_state["hs_event"] = int(linked)
    st.session_state["hs_linked"] = True
if st.session_state.get("hs_event") not in ids:
    st.session_state["hs_event"] = ids[0]
event_id = st.selectbox(
    "选择事件", ids, key="hs_event", format_func=lambda i: f"{i} · {titles.get(i, '')[:40]}"
)
detail = data_events.event_detail(ctx.db_url, ctx.tz_name, int(event_id))
if detail is None:
    st.warning("该事件已不存在，请刷新。")
    st.stop()
event = detail["event"]

message = st.session_state.pop("hs_message", None)
if message:
    kind, text = message
    (st.success if kind == "ok" else st.error)(text)

st.text(f"标题：{event['title']}")
st.text(f"关键词：{'、'.join(event['keywords'] or [])}")
cls = event["response_class"]
st.text(f"回应类别：{CLASS_LABELS.get(cls, NO_CLASS_LABEL) if cls else NO_CLASS_LABEL}")
st.text(f"判定依据：{event['response_reason'] or '—'}")
if event["deadline_at"] is not None:
    _, late, text = countdown(event["deadline_at"], datetime.now(UTC))
    due = data.fmt_time(event["deadline_at"], ctx.tz_name)
    (st.error if late else st.warning)(f"回应时限 {due}：{text}")
m1, m2, m3, m4 = st.columns(4)
m1.metric("文档", str(event["doc_count"]))
m2.metric("转载", str(event["reprint_count"]))
m3.metric("信源", str(event["source_count"]))
share = event["negative_share"]
m4.metric("负面占比", "—" if share is None else f"{share:.0%}")
with st.expander("热度构成"):
    comps = event["heat_components"] or {}
    components.table(
        [
            {"项目": v.get("label"), "原始值": str(v.get("raw")), "得分": v.get("points")}
            for v in comps.values()
        ],
        "hs_heat_components",
        hide_index=True,
    )

st.markdown("**状态**")
st.text(f"当前状态：{event['status']}")
options = data_events.next_statuses(event["status"])
if not options:
    st.caption("该状态为终态，不可再修改。")
elif auth.can(ACTION_EVENT_STATUS):  # read-only roles see the status, not the controls
    s1, s3 = st.columns([4, 1], vertical_alignment="bottom")
    new_status = s1.selectbox("改为", options, key="hs_new_status")
    if s3.button("更新状态", key="hs_apply"):
        try:
            old = data_events.change_status(ctx.db_url, int(event_id), new_status, auth.current_user())
        except WorkflowError as exc:
            st.session_state["hs_message"] = ("error", f"未更新：{exc}")
        else:
            st.session_state["hs_message"] = ("ok", f"已将状态由「{old}」改为「{new_status}」")
        st.rerun()

st.markdown("**回应记录**")
if auth.can(ACTION_RESPONSE):
    with st.form("hs_response_form", clear_on_submit=False):
        r1, r2 = st.columns(2)
        kind = r1.selectbox("回应方式", RESPONSE_KINDS, key="hs_kind")
        url = r2.text_input("回应链接", key="hs_url", placeholder="https://")
        tz = ZoneInfo(ctx.tz_name)
        local_now = datetime.now(UTC).astimezone(tz)
        r3, r4 = st.columns(2)
        day = r3.date_input("回应日期", value=local_now.date(), key="hs_resp_date")
        at = r4.time_input(
            "回应时间", value=local_now.time().replace(second=0, microsecond=0), key="hs_resp_time"
        )
        if st.form_submit_button("记录回应", key="hs_add_response"):
            responded = datetime.combine(day, at, tzinfo=tz)
            try:
                data_events.add_response(ctx.db_url, int(event_id), kind, auth.current_user(), url, responded)
            except WorkflowError as exc:
                st.session_state["hs_message"] = ("error", f"未记录：{exc}")
            else:
                st.session_state["hs_message"] = ("ok", "已记录回应")
            st.rerun()
if len(detail["responses"]):
    components.table(
        detail["responses"], "hs_responses", hide_index=True,
        column_config={"链接": st.column_config.LinkColumn("链接", display_text="打开", validate=r"^https?://")},
    )  # fmt: skip
else:
    st.caption("尚无回应记录。")

st.markdown("**相关信息**")
components.table(
    detail["documents"], "hs_documents", hide_index=True,
    column_config={
        "标题": st.column_config.TextColumn("标题", width="large"),
        "原文": st.column_config.LinkColumn("原文", display_text="打开原文", validate=r"^https?://"),
        "首发": st.column_config.CheckboxColumn("首发", help="最早发布的一篇"),
    },
)  # fmt: skip
with st.expander("操作日志"):
    components.table(detail["log"], "hs_log", hide_index=True)
