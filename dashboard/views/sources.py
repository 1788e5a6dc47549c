"""信源健康 page: the scheduler (heartbeat, each job's last and next run), each source's last success, last error
and consecutive failures, the latest crawl runs, and alert delivery (failed and retrying messages first, then
the latest ones)."""

from __future__ import annotations

import streamlit as st

from dashboard import components, data, data_alerts

FAILING_AFTER = 3  # consecutive failures that earn a warning
RUNS_SHOWN = 50

ctx = components.page_context()
st.title("信源健康")

st.subheader("调度器")
sched = data.scheduler_view(ctx.db_url, ctx.tz_name)
if not sched.heartbeat:
    st.info("调度器从未运行：用 yuqing serve 常驻运行，或用 cron 定时运行 yuqing serve --once。")
else:
    col_state, col_beat = st.columns(2)
    col_state.metric("是否在运行", "运行中" if sched.running else "未运行")
    col_beat.metric("心跳时间", sched.heartbeat)
    if not sched.running and sched.mode != "once":
        st.warning("调度器心跳已超过两个周期未更新：请检查 yuqing serve 进程（yuqing status）。")
if not sched.jobs.empty:
    components.table(sched.jobs, "src_scheduler", hide_index=True)

health = data.source_health(ctx.db_url, ctx.tz_name)
if health.empty:
    st.info("信源表为空：运行 yuqing crawl 或 yuqing demo 后会同步配置中的信源。")
else:
    failing = int((health["连续失败"] >= FAILING_AFTER).sum())
    if failing:
        st.warning(f"有 {failing} 个信源连续失败 {FAILING_AFTER} 次及以上，请检查其地址或网络。")
    st.caption(f"共 {len(health)} 个信源，连续失败的排在前面。时间为{ctx.tz_label}。")
    components.table(health, "src_health", hide_index=True)

st.subheader("最近抓取记录")
runs = data.crawl_runs(ctx.db_url, ctx.tz_name, RUNS_SHOWN)
if runs.empty:
    st.info("暂无抓取记录：运行 yuqing crawl 后显示。")
else:
    st.caption(f"最新 {len(runs)} 次抓取（最多 {RUNS_SHOWN} 次），丢弃原因来自爬虫统计。")
    components.table(runs, "src_runs", hide_index=True)

st.subheader("预警发送")
counts = data_alerts.alert_counts(ctx.db_url)
a1, a2, a3, a4 = st.columns(4)
a1.metric("已送达", str(counts["sent"]))
a2.metric("发送失败", str(counts["failed"]), help="重试次数用尽；修复渠道后运行 yuqing alerts retry --all")
a3.metric("失败待重试", str(counts["retrying"]))
a4.metric("等待接收时段", str(counts["waiting"]), help="免打扰、接收时段、发送间隔或每日上限")
failed = data_alerts.alert_messages(ctx.db_url, ctx.tz_name, failed_only=True)
if failed.empty:
    st.caption("没有发送失败的预警消息。")
else:
    st.error(
        f"有 {len(failed)} 条预警消息发送失败或正在重试，请检查渠道配置（yuqing alerts list --failed）。"
    )
    components.table(failed, "alerts_failed", hide_index=True)
latest = data_alerts.alert_messages(ctx.db_url, ctx.tz_name, failed_only=False, limit=20)
if not latest.empty:
    st.caption("最近的预警消息（最多 20 条）")
    components.table(latest, "alerts_latest", hide_index=True)
