"""热点与回应 page, urgency first: hotspots ranked overdue → nearest deadline → heat, the deciding columns
(回应类别, 倒计时, 状态, 指派, 标题) first, a default 需关注 view (open class-A/B events, criticism of the office,
bursts) beside the full list; per event its deadlines still running, assignment (指派给) and the 值班领导's
acknowledgement, documents, status workflow and response log.

Session-state keys: hs_view (需关注 / 全部), hs_days, hs_classes, hs_statuses, hs_local (本地 area), hs_local_only,
hs_mine (only events assigned to the logged-in user),
hs_event (the event opened), hs_new_status, hs_assignee_<id>, hs_assign, hs_ack, hs_kind, hs_url, hs_resp_date,
hs_resp_time, hs_response_reset (start the response form afresh), hs_message, hs_linked (an alert's ?event=ID
link was applied). The 操作人 of every change is the
logged-in user; the write widgets appear only for roles allowed to use them (and jobs.workflows checks the role
again).
Crawled text (titles, reasons quoting crawled terms, sources) is shown only in table cells or st.text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import streamlit as st

from analysis.opinion.response import OPEN_STATUSES, countdown
from config.vocabulary import (
    CLASS_A,
    CLASS_B,
    CLASS_LABELS,
    CLASS_SHORT_LABELS,
    EVENT_RESPONDED,
    EVENT_STATUSES,
    NO_CLASS_LABEL,
    RESPONSE_KINDS,
)
from dashboard import auth, components, data, data_events
from dashboard.data_events import WorkflowError
from dashboard.links import link_ids
from dashboard.views import spread
from jobs.workflows import ACTION_ACKNOWLEDGE, ACTION_ASSIGN, ACTION_EVENT_STATUS, ACTION_RESPONSE

ctx = components.page_context()
st.title("热点与回应")

if data.document_count(ctx.db_url) == 0:
    components.empty_state()
    st.stop()

with st.sidebar:
    st.header("筛选")
    days = st.slider("活跃时间（天）", 1, 90, 7, key="hs_days", help="最近有新信息的事件")
    picked_classes = st.multiselect(
        "回应类别", data_events.CLASS_OPTIONS, key="hs_classes", placeholder="全部类别",
        format_func=lambda c: CLASS_SHORT_LABELS.get(c, c),
    )  # fmt: skip
    picked_status = st.multiselect("状态", EVENT_STATUSES, key="hs_statuses", placeholder="全部状态")
    local_area = st.text_input(
        "本地区域", key="hs_local", help="行政区划名称或 6 位代码，如 莒南县、临沂市、371327"
    )
    local_only = st.checkbox("只看本地", key="hs_local_only", disabled=not local_area.strip())
    mine = st.checkbox("只看指派给我的", key="hs_mine")

df = data_events.events(
    ctx.db_url, ctx.tz_name, float(days), data_events.class_codes(picked_classes), tuple(picked_status),
    local_area.strip() if local_only else "",
)  # fmt: skip

if mine and not df.empty:
    me = auth.current_user()
    df = df[df["指派账号"] == (me.username if me else "")].reset_index(drop=True)

if df.empty:
    st.info("没有符合条件的热点事件：运行 yuqing analyze 后显示，或放宽筛选条件。")
    st.stop()

view = st.segmented_control(
    "视图", data_events.VIEWS, default=data_events.ATTENTION, key="hs_view", label_visibility="collapsed",
    help="需关注：待研判或处置中、且为A/B类、批评审计机关或突发的事件；全部：筛选范围内的所有事件",
) or data_events.ATTENTION  # fmt: skip


@st.fragment(run_every=60)
def ranked_events() -> None:
    """The ranked table; re-rendered every minute so the countdowns stay live."""
    now = datetime.now(UTC)
    every = data_events.with_countdown(df, ctx.tz_name, now)
    shown = data_events.attention_view(every, view)
    attention = every[every["需关注"].astype(bool)]
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric("需关注", str(len(attention)), help="待研判或处置中、且为A/B类、批评审计机关或突发的事件")
    c2.metric("已超时", str(int(every["已超时"].sum())), help="截止时间已过且尚未完成对应回应的事件")
    a, b = CLASS_SHORT_LABELS[CLASS_A], CLASS_SHORT_LABELS[CLASS_B]
    c3.metric(f"{a}（5小时）", str(int((every["回应类别"] == a).sum())))
    c4.metric(f"{b}（48小时）", str(int((every["回应类别"] == b).sum())))
    c5.metric("需关注但未指派", str(int((attention["指派"] == data_events.UNASSIGNED).sum())))
    if shown.empty:
        st.success("当前没有需关注的事件（待研判或处置中的A/B类、批评审计机关或突发事件）。切换到「全部」查看其余事件。")
        return
    table = shown[data_events.TABLE_COLUMNS]
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
            "回应类别": st.column_config.TextColumn("回应类别", width="small"),
            "倒计时": st.column_config.TextColumn("倒计时", width="medium", help="距下一回应时限；已超时显示为红色"),
            "状态": st.column_config.TextColumn("状态", width="small"),
            "指派": st.column_config.TextColumn("指派", width="small", help="负责处置的人员"),
            "标题": st.column_config.TextColumn("标题", width="large"),
            "热度": st.column_config.ProgressColumn("热度", min_value=0, max_value=100, format="%.1f", width="small"),
            "知悉": st.column_config.TextColumn("领导知悉", help="值班领导确认知悉的人和时间"),
            "id": st.column_config.NumberColumn("编号", format="%d"),
            "热度趋势": st.column_config.LineChartColumn("热度趋势", y_min=0, y_max=100),
            "新": st.column_config.CheckboxColumn("新", help="24 小时内首次发现"),
            "突发": st.column_config.CheckboxColumn("突发", help="当日信息量较前 14 日基线显著上升"),
            "首发链接": st.column_config.LinkColumn("首发原文", display_text="打开", validate=r"^https?://"),
        },
    )
    st.caption(
        f"按紧急程度排序：已超时 → 截止时间最近 → 热度。倒计时按 {now.astimezone(ZoneInfo(ctx.tz_name)):%H:%M} 计算，"
        "每分钟刷新；回应时限自系统首次发现起算。"
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
if link_ids([linked]) and int(linked) in ids and not st.session_state.get("hs_linked"):
    st.session_state["hs_event"] = int(linked)
    st.session_state["hs_linked"] = True
if st.session_state.get("hs_event") not in ids:
    in_view = data_events.attention_view(df, view)["id"].tolist()
    st.session_state["hs_event"] = (in_view or ids)[0]
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
if event["status"] in OPEN_STATUSES:  # every deadline still running (class A has two)
    for pending in detail["pending"]:
        _, late, text = countdown(pending.due, datetime.now(UTC))
        due = data.fmt_time(pending.due, ctx.tz_name)
        (st.error if late else st.warning)(f"{pending.label}：时限 {due}，{text}")
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

st.markdown("**状态与指派**")
st.text(f"当前状态：{event['status']}")
assigned = detail["assignee_label"]
if event.get("assigned_at") is not None and event.get("assignee"):
    assigned += f"（{event['assigned_by']} 于 {data.fmt_time(event['assigned_at'], ctx.tz_name)} 指派）"
st.text(f"指派给：{assigned}")
if event.get("acknowledged_at") is not None:
    st.text(f"值班领导知悉：{event['acknowledged_by']}，{data.fmt_time(event['acknowledged_at'], ctx.tz_name)}")
else:
    st.text("值班领导知悉：尚未确认")
    if auth.can(ACTION_ACKNOWLEDGE) and st.button("确认知悉", key="hs_ack", type="primary"):
        try:
            data_events.acknowledge(ctx.db_url, int(event_id), auth.current_user())
        except WorkflowError as exc:
            st.session_state["hs_message"] = ("error", f"未确认：{exc}")
        else:
            st.session_state["hs_message"] = ("ok", "已确认知悉")
        st.rerun()
if auth.can(ACTION_ASSIGN):
    people = {u.username: u.label for u in data_events.assignable(ctx.db_url)}
    choices = ["", *people]
    current = event.get("assignee") or ""
    if current and current not in people:  # a disabled or re-roled account stays visible until changed
        choices.append(current)
        people[current] = detail["assignee_label"]
    a1, a2 = st.columns([4, 1], vertical_alignment="bottom")
    picked_user = a1.selectbox(
        "指派给", choices, index=choices.index(current), key=f"hs_assignee_{int(event_id)}",
        format_func=lambda u: people.get(u, u) if u else "（不指派）",
    )  # fmt: skip
    if a2.button("指派", key="hs_assign"):
        try:
            data_events.assign(ctx.db_url, int(event_id), picked_user or None, auth.current_user())
        except WorkflowError as exc:
            st.session_state["hs_message"] = ("error", f"未指派：{exc}")
        else:
            st.session_state["hs_message"] = ("ok", f"已指派给 {people.get(picked_user, picked_user)}" if picked_user
                                              else "已取消指派")  # fmt: skip
        st.rerun()
options = data_events.next_statuses(event["status"])
if detail["pending"] and EVENT_RESPONDED in options:  # 已回应 follows from the responses (jobs.workflows refuses it)
    options.remove(EVENT_RESPONDED)
    st.caption("登记了全部应作的回应（" + "、".join(d.label for d in detail["pending"]) + "）后，状态自动变为“已回应”。")
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
    tz = ZoneInfo(ctx.tz_name)
    local_now = datetime.now(UTC).astimezone(tz)
    # The form keeps what was typed after an error, and starts afresh after a success: the widgets' values are
    # set through session state before they are drawn (deleting the keys does not clear a browser's fields).
    fresh = {"hs_kind": RESPONSE_KINDS[0], "hs_url": "", "hs_resp_date": local_now.date(),
             "hs_resp_time": local_now.time().replace(second=0, microsecond=0)}  # fmt: skip
    reset = st.session_state.pop("hs_response_reset", False)
    for k, v in fresh.items():
        if reset or k not in st.session_state:
            st.session_state[k] = v
    with st.form("hs_response_form", clear_on_submit=False):
        r1, r2 = st.columns(2)
        kind = r1.selectbox("回应方式", RESPONSE_KINDS, key="hs_kind")
        url = r2.text_input("回应链接", key="hs_url", placeholder="https://")
        r3, r4 = st.columns(2)
        day = r3.date_input("回应日期", max_value=local_now.date(), key="hs_resp_date", format="YYYY-MM-DD")
        at = r4.time_input("回应时间", key="hs_resp_time")
        if st.form_submit_button("记录回应", key="hs_add_response"):
            responded = datetime.combine(day, at, tzinfo=tz)
            try:
                data_events.add_response(ctx.db_url, int(event_id), kind, auth.current_user(), url, responded)
            except WorkflowError as exc:
                st.session_state["hs_message"] = ("error", f"未记录：{exc}")
            else:
                st.session_state["hs_message"] = ("ok", "已记录回应")
                st.session_state["hs_response_reset"] = True
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
spread.render(ctx, int(event_id))  # the 传播 section (dashboard/views/spread.py)

with st.expander("操作日志"):
    components.table(detail["log"], "hs_log", hide_index=True)
